"""Tenant isolation against the real server: nobody in organisation A reaches anything of organisation B.

A is made by the normal first-run setup; B by the operator's CLI (`digitalmeet organizations create`),
against the same data directory and database as the running server. B gets an owner with two-step
verification, a member with a live session and an open invitation. Then A's owner (with a fresh
step-up), A's auditor and A's member call every route of the served OpenAPI document whose path holds
`{organizationId}`, with B's ids and a valid body: each answers 404, exactly like an organisation that
does not exist, and B is unchanged afterwards, as B's owner sees it through the API. With A's own
organisation id but B's member or invitation ids (the object-level check) the answer is 404 too. The
refusals land in A's audit log as `access.denied`, and none in B's. The route list comes from the
OpenAPI document, so a route added later is probed without changing this test; positive controls with
A's own ids show that every probed route exists and works, so a 404 is never just a missing route."""

from __future__ import annotations

import re
import uuid

from accounts import Client, link_token, outbox, wait_for_mail
from conftest import OWNER
from test_identity import clients, enrol, owned, signed_in_owner, signed_in_owner_with_mfa, step_up  # noqa: F401 (fixtures)

B_OWNER = {"email": "owner-b@example.com", "name": "Barbara Liskov", "password": "harbour violin pebble 19 lantern"}
B_MEMBER = {"email": "member-b@example.com", "name": "Bjarne Member", "password": "granite orchard whistle 58 compass"}
B_PENDING = "pending-b@example.com"
A_AUDITOR = {"email": "auditor-a@example.com", "name": "Alice Auditor", "password": "copper lantern meadow 77 drifting"}
A_MEMBER = {"email": "member-a@example.com", "name": "Arthur Member", "password": "quartz meadow falcon 63 ribbon"}

ORG = "/api/v1/organizations/{organizationId}"
# What the document must list at least (method, path): an empty or truncated document cannot pass.
EXPECTED_ROUTES = {
    ("get", ORG),
    ("get", ORG + "/members"),
    ("patch", ORG + "/members/{userId}"),
    ("post", ORG + "/members/{userId}/disable"),
    ("post", ORG + "/members/{userId}/enable"),
    ("post", ORG + "/members/{userId}/unlock"),
    ("post", ORG + "/members/{userId}/end-sessions"),
    ("get", ORG + "/invitations"),
    ("post", ORG + "/invitations"),
    ("delete", ORG + "/invitations/{invitationId}"),
    ("get", ORG + "/policy"),
    ("put", ORG + "/policy"),
    ("get", ORG + "/audit"),
    ("get", ORG + "/audit/actions"),
    ("get", ORG + "/audit/export"),
    ("get", ORG + "/security-reports"),
    ("post", ORG + "/security-reports/{reportId}/status"),
}
METHODS = ("get", "put", "post", "delete", "patch")


# --- Requests ------------------------------------------------------------------------------------


def call(client: Client, method: str, path: str, body: dict | None = None):
    """Any method, as a browser would send it: CSRF token and Origin on changes, JSON body when given."""
    headers = {}
    if method != "get":
        headers["Origin"] = client.server.public_url
        if client.csrf:
            headers["X-CSRF-Token"] = client.csrf
    kwargs = {"json": body} if body is not None else {}
    response = client.http.request(method.upper(), client.url(path), headers=headers, timeout=120, **kwargs)
    return client._remember(response)


def ok_json(response, status: int = 200):
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.status_code} {response.text}"
    return response.json()


def accept_invitation(server, email: str, name: str, password: str, subject: str = "invited you") -> str:
    """Accepts the newest emailed invitation for `email`; returns the new user's id."""
    _, token = link_token(wait_for_mail(server, email, subject))
    anonymous = Client(server)
    try:
        accepted = anonymous.post("/api/v1/invitations/accept", {"token": token, "displayName": name, "password": password})
        return ok_json(accepted, 201)["userId"].lower()
    finally:
        anonymous.close()


def signed_in(clients, email: str, password: str) -> Client:
    client = clients()
    response = client.sign_in(email, password)
    assert response.status_code == 200 and response.json()["stage"] == "active", response.text
    return client


# --- Bodies from the document --------------------------------------------------------------------


def resolve(document: dict, schema: dict) -> dict:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"][name]
    return schema


def example(document: dict, schema: dict, name: str = ""):
    """A plausible valid value for a schema: the first enum value, a real-looking string, every property."""
    schema = resolve(document, schema)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    if "oneOf" in schema:
        return example(document, schema["oneOf"][0], name)
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = next(k for k in kind if k != "null")
    if kind == "object":
        return {key: example(document, value, key) for key, value in schema.get("properties", {}).items()}
    if kind == "array":
        return [example(document, schema.get("items", {"type": "string"}), name)]
    if kind == "boolean":
        return True
    if kind == "integer":
        return schema.get("minimum", 1)
    if schema.get("format") == "uuid":
        return str(uuid.uuid4())
    if "email" in name.lower():
        return "someone.new@example.com"
    return "probe"


def request_body(document: dict, method: str, path: str, overrides: dict) -> dict | None:
    if (method, path) in overrides:
        return overrides[(method, path)]
    operation = document["paths"][path][method]
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content:
        return example(document, content["schema"])
    return None


def organization_routes(document: dict) -> list[tuple[str, str]]:
    return sorted(
        (method, path) for path, item in document["paths"].items() if "{organizationId}" in path for method in item if method in METHODS
    )


def fill(path: str, organization: str, user: str | None = None, invitation: str | None = None, report: str | None = None) -> str:
    filled = path.replace("{organizationId}", organization)
    if user is not None:
        filled = filled.replace("{userId}", user)
    if invitation is not None:
        filled = filled.replace("{invitationId}", invitation)
    if report is not None:
        filled = filled.replace("{reportId}", report)
    assert "{" not in filled, f"unknown path parameter in {path}"
    return filled


def substitutions(path: str, users: list[str], invitations: list[str], reports: list[str]) -> list[dict]:
    """Every combination of the ids the path takes."""
    combos = [{}]
    if "{userId}" in path:
        combos = [{**c, "user": u} for c in combos for u in users]
    if "{invitationId}" in path:
        combos = [{**c, "invitation": i} for c in combos for i in invitations]
    if "{reportId}" in path:
        combos = [{**c, "report": r} for c in combos for r in reports]
    unknown = set(re.findall(r"\{(\w+)\}", path)) - {"organizationId", "userId", "invitationId", "reportId"}
    assert not unknown, f"{path} has path parameters this test does not know how to fill: {unknown}"
    return combos


# --- B as its owner sees it ----------------------------------------------------------------------


def snapshot(owner_b: Client, organization_b: str) -> dict:
    base = f"/api/v1/organizations/{organization_b}"
    members = ok_json(owner_b.get(base + "/members"))["members"]
    invitations = ok_json(owner_b.get(base + "/invitations"))["invitations"]
    head = ok_json(owner_b.get(base + "/audit?limit=200"))
    return {
        "overview": ok_json(owner_b.get(base)),
        "members": sorted(members, key=lambda m: m["id"]),
        "invitations": sorted(invitations, key=lambda i: i["id"]),
        "policy": ok_json(owner_b.get(base + "/policy")),
        "audit_head": head["entries"][0]["sequence"],
        "audit_entries": [(e["sequence"], e["action"]) for e in head["entries"]],
    }


def audit_entries(client: Client, organization: str, query: str = "") -> list[dict]:
    """Every entry the filter matches, following `next`."""
    entries: list[dict] = []
    before = None
    while True:
        suffix = f"&before={before}" if before is not None else ""
        page = ok_json(client.get(f"/api/v1/organizations/{organization}/audit?limit=200{query}{suffix}"))
        entries += page["entries"]
        if page.get("next") is None:  # omitted on the last page
            return entries
        before = page["next"]


# --- The test ------------------------------------------------------------------------------------


def test_nobody_in_one_organisation_reaches_another(owned, clients, run_cli):
    server = owned

    # A: the owner turns on two-step verification, signs in with it (step-up is fresh) and invites an
    # auditor, a member and someone who has not answered yet.
    owner_a = signed_in_owner(clients)
    authenticator_a, _ = enrol(owner_a)
    owner_a = signed_in_owner_with_mfa(clients, authenticator_a)
    organization_a = owner_a.session()["user"]["organizationId"].lower()
    owner_a_id = owner_a.session()["user"]["id"].lower()
    for person, role in ((A_AUDITOR, "auditor"), (A_MEMBER, "member")):
        ok_json(owner_a.post(f"/api/v1/organizations/{organization_a}/invitations", {"email": person["email"], "role": role}), 201)
    auditor_a_id = accept_invitation(server, A_AUDITOR["email"], A_AUDITOR["name"], A_AUDITOR["password"])
    member_a_id = accept_invitation(server, A_MEMBER["email"], A_MEMBER["name"], A_MEMBER["password"])
    auditor_a = signed_in(clients, A_AUDITOR["email"], A_AUDITOR["password"])
    member_a = signed_in(clients, A_MEMBER["email"], A_MEMBER["password"])
    assert auditor_a.session()["user"]["role"] == "auditor" and member_a.session()["user"]["role"] == "member"

    # B: made by the operator on the same deployment; the owner's link is printed and emailed.
    created = run_cli(
        ["organizations", "create", "--name", "B", "--owner-email", B_OWNER["email"]], server.environment(), name="organizations-create"
    )
    assert created.returncode == 0, created.stderr
    match = re.search(r"Organisation ([0-9a-f-]{36}) created", created.stdout)
    assert match, created.stdout
    organization_b = match.group(1)
    assert organization_b != organization_a
    printed = re.search(r"(https://\S+/invite#token=([A-Za-z0-9_-]+))", created.stdout)
    assert printed, created.stdout
    link, _ = link_token(wait_for_mail(server, B_OWNER["email"], "is ready"))
    assert link == printed.group(1)
    listed = run_cli(["organizations", "list"], server.environment(), name="organizations-list")
    assert listed.returncode == 0 and organization_b in listed.stdout and organization_a in listed.stdout, listed.stdout

    owner_b_id = accept_invitation(server, B_OWNER["email"], B_OWNER["name"], B_OWNER["password"], subject="is ready")
    owner_b = signed_in(clients, B_OWNER["email"], B_OWNER["password"])
    me = owner_b.session()["user"]
    assert me["organizationId"].lower() == organization_b and me["role"] == "owner" and me["id"].lower() == owner_b_id
    authenticator_b, _ = enrol(owner_b, B_OWNER["password"])
    step_up(owner_b, authenticator_b, B_OWNER["password"])
    base_b = f"/api/v1/organizations/{organization_b}"
    ok_json(owner_b.post(base_b + "/invitations", {"email": B_MEMBER["email"], "role": "member"}), 201)
    member_b_id = accept_invitation(server, B_MEMBER["email"], B_MEMBER["name"], B_MEMBER["password"])
    member_b = signed_in(clients, B_MEMBER["email"], B_MEMBER["password"])
    pending_b = ok_json(owner_b.post(base_b + "/invitations", {"email": B_PENDING, "role": "admin"}), 201)["id"].lower()
    users_b = [member_b_id, owner_b_id]
    invitations_b = [pending_b]
    # Vulnerability reports go to the organisation made at setup (A); B has none of its own. A's report
    # id is used on B's paths, and B's owner cannot reach it through B either.
    filed = Client(server).post("/api/v1/security-reports", {"summary": "A probe report", "details": "Filed so that a report id exists."})
    ok_json(filed, 201)
    report_a = ok_json(owner_a.get(f"/api/v1/organizations/{organization_a}/security-reports"))["reports"][0]["id"]
    reports_b = [report_a]
    assert ok_json(owner_b.get(base_b + "/security-reports")) == {"reports": []}
    reached = call(owner_b, "post", f"{base_b}/security-reports/{report_a}/status", {"status": "declined", "message": None})
    assert reached.status_code == 404 and reached.json()["error"]["code"] == "not_found", reached.text

    before = snapshot(owner_b, organization_b)
    assert {m["id"].lower() for m in before["members"]} == set(users_b)
    assert pending_b in {i["id"].lower() for i in before["invitations"]}
    assert before["overview"]["name"] == "B"

    # The routes to probe come from the served document.
    document = ok_json(clients().get("/api/v1/openapi.json"))
    routes = organization_routes(document)
    missing = EXPECTED_ROUTES - set(routes)
    assert not missing, f"the OpenAPI document lacks {sorted(missing)}"
    changed_policy = {key: value for key, value in before["policy"].items() if key != "limits"}
    changed_policy.update(
        requireMFA=not changed_policy["requireMFA"],
        allowSignup=not changed_policy["allowSignup"],
        sessionIdleMinutes=7 if changed_policy["sessionIdleMinutes"] != 7 else 8,
    )
    overrides = {
        ("patch", ORG + "/members/{userId}"): {"role": "auditor"},
        ("post", ORG + "/invitations"): {"email": "intruder@example.com", "role": "admin"},
        ("put", ORG + "/policy"): changed_policy,
    }

    def probe(client: Client, organization: str, users: list[str], invitations: list[str], only_objects: bool = False) -> tuple[list[str], int]:
        """Calls every route; returns the answers that were not 404 and how many requests were made."""
        wrong: list[str] = []
        made = 0
        for method, path in routes:
            if only_objects and "{userId}" not in path and "{invitationId}" not in path:
                continue
            for ids in substitutions(path, users, invitations, reports_b):
                url = fill(path, organization, **ids)
                response = call(client, method, url, request_body(document, method, path, overrides))
                made += 1
                if response.status_code != 404:
                    wrong.append(f"{method.upper()} {url} -> {response.status_code} {response.text[:300]}")
                elif response.headers.get("content-type", "").startswith("application/json"):
                    error = response.json().get("error", {})
                    if error.get("code") != "not_found":
                        wrong.append(f"{method.upper()} {url} -> 404 but {response.text[:300]}")
        return wrong, made

    # A's owner, freshly stepped up (shown by a change in A that works right before the probes).
    step_up(owner_a, authenticator_a)
    assert ok_json(owner_a.post(f"/api/v1/organizations/{organization_a}/members/{member_a_id}/end-sessions"))["ended"] >= 1
    member_a = signed_in(clients, A_MEMBER["email"], A_MEMBER["password"])
    failures: list[str] = []
    made: dict[str, int] = {}
    for name, client in (("owner", owner_a), ("auditor", auditor_a), ("member", member_a)):
        wrong, made[name] = probe(client, organization_b, users_b, invitations_b)
        failures += [f"A's {name}: {line}" for line in wrong]
    # The object-level check: A's own organisation, B's member and invitation ids.
    wrong, _ = probe(owner_a, organization_a, users_b, invitations_b, only_objects=True)
    failures += [f"A's owner, A's organisation, B's objects: {line}" for line in wrong]
    assert not failures, "cross-tenant requests that were not 404:\n" + "\n".join(failures)

    # Another organisation looks exactly like no organisation at all.
    nowhere = str(uuid.uuid4())
    for method, path in routes:
        ids = substitutions(path, users_b, invitations_b, reports_b)[0]
        body = request_body(document, method, path, overrides)
        theirs = call(owner_a, method, fill(path, organization_b, **ids), body)
        missing_org = call(owner_a, method, fill(path, nowhere, **ids), body)
        # (Compared parsed: the server's JSON key order is not fixed.)
        assert (theirs.status_code, theirs.json()) == (missing_org.status_code, missing_org.json()), (method, path)
        assert len(theirs.content) == len(missing_org.content), (method, path)

    # B is untouched, and its people were not signed out.
    after = snapshot(owner_b, organization_b)
    assert after == before
    assert member_b.get("/api/v1/account/sessions").status_code == 200
    assert owner_b.get("/api/v1/account/sessions").status_code == 200
    _, pending_token = link_token(wait_for_mail(server, B_PENDING, "invited you"))
    lookup = Client(server)
    assert lookup.post("/api/v1/invitations/lookup", {"token": pending_token}).status_code == 200
    lookup.close()
    assert not [m for m in outbox_subjects(server) if m[0] == "intruder@example.com"]

    # The refusals are in A's audit log (none went to B's, as the unchanged head shows).
    denied = audit_entries(owner_a, organization_a, "&action=access.denied")
    assert denied, "no access.denied entries in A's audit log"
    for entry in denied:
        assert entry["action"] == "access.denied" and entry["outcome"] == "denied", entry
    at_b = [e for e in denied if e.get("target") and e["target"]["type"] == "organization" and e["target"]["id"].lower() == organization_b]
    by_actor = {actor: [e for e in at_b if (e["actor"].get("id") or "").lower() == actor] for actor in (owner_a_id, auditor_a_id, member_a_id)}
    assert len(by_actor[owner_a_id]) >= made["owner"], (len(by_actor[owner_a_id]), made)
    assert len(by_actor[auditor_a_id]) == made["auditor"], (len(by_actor[auditor_a_id]), made)
    assert len(by_actor[member_a_id]) == made["member"], (len(by_actor[member_a_id]), made)
    sample = by_actor[owner_a_id][0]
    assert sample["actor"]["name"] == OWNER["displayName"]
    assert sample["details"]["reason"] == "another organisation" and sample["details"]["permission"]
    assert sample["address"] == "127.0.0.1"
    # The auditor reads the same refusals; B's owner finds none of them in B.
    assert {e["sequence"] for e in audit_entries(auditor_a, organization_a, "&action=access.denied")} >= {e["sequence"] for e in denied}
    assert not audit_entries(owner_b, organization_b, "&action=access.denied")

    # Positive controls: with A's own ids every probed route exists and answers 2xx for A's owner, so
    # none of the 404s above was a missing route or a refusal for another reason.
    step_up(owner_a, authenticator_a)
    base_a = f"/api/v1/organizations/{organization_a}"
    spare = ok_json(owner_a.post(base_a + "/invitations", {"email": "spare-a@example.com", "role": "member"}), 201)["id"].lower()
    policy_a = {key: value for key, value in ok_json(owner_a.get(base_a + "/policy")).items() if key != "limits"}
    controls = {**overrides, ("put", ORG + "/policy"): {**policy_a, "sessionIdleMinutes": 9}}
    order = sorted(routes, key=lambda route: (route[0] == "delete", route))  # revoke after the invitation exists
    for method, path in order:
        url = fill(path, organization_a, user=member_a_id, invitation=spare, report=report_a)
        body = request_body(document, method, path, controls)
        if (method, path) == ("post", ORG + "/invitations"):
            body = {"email": "control-a@example.com", "role": "member"}
        response = call(owner_a, method, url, body)
        assert 200 <= response.status_code < 300, f"control {method.upper()} {url}: {response.status_code} {response.text[:300]}"
    # And B is still as it was.
    assert snapshot(owner_b, organization_b) == before


def outbox_subjects(server) -> list[tuple[str, str]]:
    return [(m["To"], str(m["Subject"])) for m in outbox(server)]

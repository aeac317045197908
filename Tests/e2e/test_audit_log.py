"""The tamper-evident audit log against the real server.

(a) Sign-ins that work and fail, a policy change, a role change and disabling a member (whose open
session ends at once) are listed by the audit API with actor, address and outcome, and no password,
authenticator secret, recovery code or session token appears in the API, the export, the server's
logs or anywhere in the raw database.
(b) The export is NDJSON that an independent verifier written here from docs/audit.md (and
Sources/MeetCrypto/Audit/AuditChain.swift) accepts: every entry hash, every chain hash and the Ed25519
signature of every checkpoint, with the signing key pinned from `digitalmeet audit signing-keys`.
(c) `digitalmeet audit verify` says the log is intact, and after each kind of tampering done directly
in the database (an edited action, a deleted row, two swapped sequence numbers, a forged row, rows cut
from the end under a checkpoint, and a rewrite whose later hashes a forger recomputed) it exits 1 and
names the first bad entry. Each tampering works on its own copy of the stopped deployment (a copied
data directory, and for PostgreSQL a database made from the original as a template).
(d) The export's `occurredAt` names the same millisecond as the `occurredAtMs` its hash covers."""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import re
import shutil
import struct
import subprocess

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from accounts import Client
from conftest import OWNER, STRONG_PASSWORD, PostgresBackend, SQLiteBackend, free_port
from test_cross_tenant import accept_invitation, audit_entries, call, ok_json, signed_in
from test_identity import clients, enrol, owned, signed_in_owner, signed_in_owner_with_mfa, step_up  # noqa: F401 (fixtures)

MEMBER = {"email": "alan.turing@example.com", "name": "Alan Turing", "password": "harbour violin pebble 19 lantern"}
WRONG_PASSWORD = "not the right password at all 93"


# --- An independent verifier of the export -------------------------------------------------------

CHECKPOINT_CONTEXT = b"DigitalMeet audit checkpoint v1"


def u32(value: int) -> bytes:
    return struct.pack(">I", value)


def u64(value: int) -> bytes:
    return struct.pack(">Q", value)


def string(text: str) -> bytes:
    data = text.encode("utf-8")
    return u32(len(data)) + data


def optional(text: str | None) -> bytes:
    return b"\x00" if text is None else b"\x01" + string(text)


def canonical_bytes(chain: str, entry: dict) -> bytes:
    target = entry.get("target") or {}
    details = entry.get("details") or {}
    out = b"\x01" + string(chain) + u64(entry["sequence"]) + u64(entry["occurredAtMs"])
    out += string(entry["action"]) + string(entry["outcome"])
    for value in (entry.get("organizationId"), entry.get("actorId"), target.get("type"), target.get("id"), entry.get("address"), entry.get("requestId")):
        out += optional(value)
    out += u32(len(details))
    for key in sorted(details, key=lambda k: k.encode("utf-8")):
        out += string(key) + string(details[key])
    return out


def entry_hash(chain: str, entry: dict) -> bytes:
    return hashlib.sha256(b"\x00" + canonical_bytes(chain, entry)).digest()


def link(previous: bytes, entry_digest: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + previous + entry_digest).digest()


def checkpoint_message(chain: str, sequence: int, chain_hash: bytes, signed_at_ms: int) -> bytes:
    return CHECKPOINT_CONTEXT + b"\x00" + string(chain) + u64(sequence) + chain_hash + u64(signed_at_ms)


class ExportInvalid(AssertionError):
    pass


def parse_export(text: str) -> tuple[dict, list[dict], list[dict]]:
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert lines and lines[0]["type"] == "header", text[:500]
    header = lines[0]
    entries = [line for line in lines[1:] if line["type"] == "entry"]
    checkpoints = [line for line in lines[1:] if line["type"] == "checkpoint"]
    assert len(entries) + len(checkpoints) == len(lines) - 1, "unknown line types"
    return header, entries, checkpoints


def verify_export(header: dict, entries: list[dict], checkpoints: list[dict], pinned_keys: set[str]) -> int:
    """Recomputes the chain; raises ExportInvalid naming the first bad entry. Returns the checkpoints verified."""
    chain = header["chain"]
    signed: dict[int, bytes] = {}
    for checkpoint in checkpoints:
        if checkpoint["chain"] != chain:
            raise ExportInvalid(f"checkpoint {checkpoint['sequence']} is of another chain")
        if checkpoint["publicKey"] not in pinned_keys:
            raise ExportInvalid(f"checkpoint {checkpoint['sequence']} is signed by a key that is not pinned")
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(checkpoint["publicKey"]))
        message = checkpoint_message(chain, checkpoint["sequence"], bytes.fromhex(checkpoint["chainHash"]), checkpoint["signedAtMs"])
        try:
            key.verify(base64.b64decode(checkpoint["signature"]), message)
        except InvalidSignature:
            raise ExportInvalid(f"checkpoint {checkpoint['sequence']}: bad signature") from None
        signed[checkpoint["sequence"]] = bytes.fromhex(checkpoint["chainHash"])
    head = bytes(32)
    verified = 0
    for expected, entry in enumerate(entries, start=1):
        if entry["chain"] != chain or entry["sequence"] != expected:
            raise ExportInvalid(f"entry {expected}: sequence {entry['sequence']} out of place")
        digest = entry_hash(chain, entry)
        if digest.hex() != entry["entryHash"]:
            raise ExportInvalid(f"entry {expected}: content does not match its hash")
        head = link(head, digest)
        if head.hex() != entry["chainHash"]:
            raise ExportInvalid(f"entry {expected}: chain hash does not follow")
        if expected in signed:
            if signed.pop(expected) != head:
                raise ExportInvalid(f"entry {expected}: differs from the signed checkpoint")
            verified += 1
    if signed:
        raise ExportInvalid(f"checkpoints beyond the end of the chain: {sorted(signed)}")
    if header["entries"] != len(entries):
        raise ExportInvalid(f"header says {header['entries']} entries, the export has {len(entries)}")
    return verified


# --- Shared set-up -------------------------------------------------------------------------------


def admin_owner(clients) -> tuple[Client, object, str]:
    """The owner with two-step verification, signed in with it (so stepped up); returns (client, app, org id)."""
    owner = signed_in_owner(clients)
    authenticator, _ = enrol(owner)
    owner = signed_in_owner_with_mfa(clients, authenticator)
    return owner, authenticator, owner.session()["user"]["organizationId"].lower()


def invite_member(server, owner: Client, organization: str) -> str:
    ok_json(owner.post(f"/api/v1/organizations/{organization}/invitations", {"email": MEMBER["email"], "role": "member"}), 201)
    return accept_invitation(server, MEMBER["email"], MEMBER["name"], MEMBER["password"])


def change_policy(owner: Client, organization: str, **changes) -> dict:
    path = f"/api/v1/organizations/{organization}/policy"
    policy = {key: value for key, value in ok_json(owner.get(path)).items() if key != "limits"}
    policy.update(changes)
    return ok_json(call(owner, "put", path, policy))


def cli_ok(run_cli, env: dict, args: list[str], name: str) -> str:
    completed = run_cli(args, env, name=name)
    assert completed.returncode == 0, f"digitalmeet {' '.join(args)} exited {completed.returncode}:\n{completed.stdout}\n{completed.stderr}"
    return completed.stdout


def pinned_keys(run_cli, env: dict) -> set[str]:
    output = cli_ok(run_cli, env, ["audit", "signing-keys"], "signing-keys")
    keys = set()
    for line in output.splitlines():
        parts = line.split()
        if len(parts) >= 2 and "NOT" not in line:
            keys.add(parts[1])
    assert keys, output
    return keys


def database_text(server) -> bytes:
    """Everything the database holds, as bytes to search."""
    if isinstance(server.backend, SQLiteBackend):
        path = server.backend.path
        return b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists())
    return subprocess.run(["pg_dump", "--data-only", server.backend.url], capture_output=True, check=True, timeout=60).stdout


# --- (a) What the audit API shows --------------------------------------------------------------------


def test_audit_log_lists_who_did_what_and_holds_no_secrets(owned, clients):
    server = owned
    anonymous = clients()
    refused = anonymous.sign_in(OWNER["email"], WRONG_PASSWORD)
    assert refused.status_code == 401
    owner, authenticator, organization = admin_owner(clients)
    owner_id = owner.session()["user"]["id"].lower()
    base = f"/api/v1/organizations/{organization}"
    member_id = invite_member(server, owner, organization)
    member = signed_in(clients, MEMBER["email"], MEMBER["password"])
    assert member.get("/api/v1/account/sessions").status_code == 200

    change_policy(owner, organization, allowSignup=True, sessionIdleMinutes=20)
    changed = ok_json(call(owner, "patch", f"{base}/members/{member_id}", {"role": "auditor"}))
    assert changed["member"]["role"] == "auditor"
    # Disabling ends the member's open session at once: the very next request is refused.
    disabled = ok_json(owner.post(f"{base}/members/{member_id}/disable"))
    assert disabled["member"]["disabled"] is True
    gone = member.get("/api/v1/account/sessions")
    assert gone.status_code == 401, gone.text
    assert member.sign_in(MEMBER["email"], MEMBER["password"]).status_code in (401, 403)

    entries = audit_entries(owner, organization)
    assert [e["sequence"] for e in entries] == sorted((e["sequence"] for e in entries), reverse=True), "not newest first"

    def find(action: str, **conditions) -> dict:
        for entry in entries:
            if entry["action"] == action and all(test(entry) for test in conditions.values()):
                return entry
        raise AssertionError(f"no {action} entry matching {list(conditions)} in {[(e['sequence'], e['action']) for e in entries]}")

    def by(user_id: str):
        return lambda e: (e["actor"].get("id") or "").lower() == user_id

    def at(user_id: str):
        return lambda e: bool(e.get("target")) and e["target"]["type"] == "user" and e["target"]["id"].lower() == user_id

    failure = find("signin.failure", actor=by(owner_id))
    assert failure["outcome"] == "failure" and failure["details"].get("reason")
    success = find("signin.success", actor=by(owner_id))
    assert success["outcome"] == "success"
    policy = find("policy.updated", actor=by(owner_id))
    assert "allowSignup" in policy["details"]["changes"] and policy["target"]["id"].lower() == organization
    role = find("member.role_changed", actor=by(owner_id), target=at(member_id))
    assert role["details"] == {"role": "auditor", "previous_role": "member"}
    disabled_entry = find("member.disabled", actor=by(owner_id), target=at(member_id))
    member_signin = find("signin.success", actor=by(member_id))
    for entry in (failure, success, policy, role, disabled_entry, member_signin):
        assert entry["address"] == "127.0.0.1", entry
        assert entry["requestId"], entry
        assert entry["outcome"] in ("success", "failure", "denied")
        assert entry["occurredAt"].endswith("Z") or "+" in entry["occurredAt"], entry
    assert success["actor"]["name"] == OWNER["displayName"] and member_signin["actor"]["name"] == MEMBER["name"]
    assert disabled_entry["sequence"] > role["sequence"] > policy["sequence"] > success["sequence"] > failure["sequence"]

    # Filters: exact action, a prefix ending in ".", outcome and actor.
    assert {e["action"] for e in audit_entries(owner, organization, "&action=signin.")} >= {"signin.success", "signin.failure"}
    assert all(e["action"].startswith("signin.") for e in audit_entries(owner, organization, "&action=signin."))
    assert [e["sequence"] for e in audit_entries(owner, organization, "&action=member.disabled")] == [disabled_entry["sequence"]]
    assert {e["outcome"] for e in audit_entries(owner, organization, "&outcome=failure")} == {"failure"}
    assert {(e["actor"].get("id") or "").lower() for e in audit_entries(owner, organization, f"&actor={member_id}")} == {member_id}
    actions = ok_json(owner.get(f"{base}/audit/actions"))["actions"]
    assert {"signin.success", "signin.failure", "policy.updated", "member.role_changed", "member.disabled", "access.denied"} <= set(actions)
    # Paging with `before`/`next` walks the same entries.
    first = ok_json(owner.get(f"{base}/audit?limit=2"))
    assert len(first["entries"]) == 2 and first["next"] == first["entries"][-1]["sequence"]
    second = ok_json(owner.get(f"{base}/audit?limit=2&before={first['next']}"))
    assert [e["sequence"] for e in first["entries"] + second["entries"]] == [e["sequence"] for e in entries[:4]]

    # No secret anywhere: the API, the export, the server's logs, the raw database.
    step_up(owner, authenticator)
    export = owner.get(f"{base}/audit/export")
    assert export.status_code == 200, export.text
    recovery = owner.post("/api/v1/account/mfa/recovery-codes", {"currentPassword": STRONG_PASSWORD, "code": authenticator.code()})
    assert recovery.status_code == 200, recovery.text
    secrets = {
        "owner password": STRONG_PASSWORD,
        "member password": MEMBER["password"],
        "wrong password": WRONG_PASSWORD,
        "TOTP secret": authenticator.totp.secret,
    }
    for index, code in enumerate(recovery.json()["recoveryCodes"]):
        secrets[f"recovery code {index}"] = code
    for client_index, client in enumerate((anonymous, owner, member)):
        for cookie in client.http.cookies:
            secrets[f"cookie {cookie.name} of client {client_index}"] = cookie.value
        if client.csrf:
            secrets[f"CSRF token of client {client_index}"] = client.csrf
    assert owner.session_cookie and any(name.startswith("cookie __Host-dm_session") for name in secrets)
    api_text = json.dumps(audit_entries(owner, organization))
    places = {
        "audit API": api_text.encode(),
        "audit export": export.content,
        "server stdout": server.stdout.encode(),
        "server stderr": server.stderr.encode(),
        "database": database_text(server),
    }
    leaks = [
        f"{what} in the {where}"
        for what, secret in secrets.items()
        for where, data in places.items()
        for variant in {secret, secret.lower(), secret.upper(), base64.b64encode(secret.encode()).decode()}
        if len(variant) >= 8 and variant.encode() in data
    ]
    assert not leaks, leaks


# --- (b) The export, checked independently ------------------------------------------------------


def test_the_export_verifies_with_an_independent_implementation(owned, clients, run_cli):
    server = owned
    env = server.environment()
    clients().sign_in(OWNER["email"], WRONG_PASSWORD)
    owner, authenticator, organization = admin_owner(clients)
    base = f"/api/v1/organizations/{organization}"
    invite_member(server, owner, organization)
    # Checkpoints now and after a few more entries (the server's background signer may add more).
    assert re.search(r"Signed [1-9]\d* checkpoint", cli_ok(run_cli, env, ["audit", "checkpoint"], "checkpoint-1"))
    change_policy(owner, organization, sessionIdleMinutes=15)
    step_up(owner, authenticator)
    assert re.search(r"Signed [1-9]\d* checkpoint", cli_ok(run_cli, env, ["audit", "checkpoint"], "checkpoint-2"))
    assert "Signed 0 checkpoint(s)" in cli_ok(run_cli, env, ["audit", "checkpoint"], "checkpoint-3")

    # Exporting is administrative: a fresh step-up.
    step_up(owner, authenticator)
    response = owner.get(f"{base}/audit/export")
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/x-ndjson")
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers.get("Cache-Control") == "no-store"
    header, entries, checkpoints = parse_export(response.text)
    assert header["format"] == "digitalmeet-audit-v1" and header["chain"] == organization
    assert len(checkpoints) >= 2 and len(entries) > checkpoints[-1]["sequence"] > checkpoints[0]["sequence"]
    # The export itself is the newest entry (recorded before the download starts).
    assert entries[-1]["action"] == "audit.exported"
    actions = [e["action"] for e in entries]
    assert {"signin.failure", "signin.success", "mfa.enabled", "signin.step_up", "member.invited", "member.joined", "policy.updated"} <= set(actions)
    keys = pinned_keys(run_cli, env)
    assert {key["publicKey"] for key in header["signingKeys"]} <= keys
    assert verify_export(header, entries, checkpoints, keys) == len(checkpoints)

    # The verifier is not a rubber stamp: each kind of change to the export is caught.
    def rejects(mutate) -> str:
        copy_entries = json.loads(json.dumps(entries))
        copy_checkpoints = json.loads(json.dumps(checkpoints))
        mutate(copy_entries, copy_checkpoints)
        with pytest.raises(ExportInvalid) as caught:
            verify_export({**header, "entries": len(copy_entries)}, copy_entries, copy_checkpoints, keys)
        return str(caught.value)

    assert rejects(lambda e, c: e[2].update(action="signin.failure" if e[2]["action"] != "signin.failure" else "signin.success")).startswith("entry 3:")
    assert rejects(lambda e, c: e[1]["details"].update(reason="edited")).startswith("entry 2:")
    assert rejects(lambda e, c: e.pop(3)).startswith("entry 4:")

    def forge(e, c):
        e[1]["address"] = "203.0.113.9"
        previous = bytes.fromhex(e[0]["chainHash"])
        for entry in e[1:]:
            entry["entryHash"] = entry_hash(organization, entry).hex()
            previous = link(previous, bytes.fromhex(entry["entryHash"]))
            entry["chainHash"] = previous.hex()

    first_signed_after_2 = min(c["sequence"] for c in checkpoints if c["sequence"] >= 2)
    assert rejects(forge) == f"entry {first_signed_after_2}: differs from the signed checkpoint"
    assert "bad signature" in rejects(lambda e, c: c[0].update(signedAtMs=c[0]["signedAtMs"] + 1))
    assert "not pinned" in rejects(lambda e, c: c[0].update(publicKey=base64.b64encode(bytes(32)).decode()))

    # A member may not export.
    member = signed_in(clients, MEMBER["email"], MEMBER["password"])
    forbidden = member.get(f"{base}/audit/export")
    assert forbidden.status_code == 403, forbidden.text


# --- (c) `digitalmeet audit verify` finds every kind of tampering -------------------------------------


class Copy:
    """A copy of a stopped deployment (data directory, and for PostgreSQL its database) to tamper with."""

    def __init__(self, server, name: str, tmp_path):
        self.data_dir = tmp_path / name / "data"
        shutil.copytree(server.data_dir, self.data_dir)
        self.env = server.environment()
        self.env["DIGITALMEET_DATA_DIRECTORY"] = str(self.data_dir)
        self.env["DIGITALMEET_HTTPS_PORT"] = str(free_port())
        if isinstance(server.backend, SQLiteBackend):
            self.backend = SQLiteBackend(self.data_dir)
            self.database = None
        else:
            source: PostgresBackend = server.backend
            self.database = f"{source.database}_{name}"
            source.admin(f'CREATE DATABASE "{self.database}" TEMPLATE "{source.database}"')
            self.backend = _PostgresCopy(source, self.database)
            self.env["DIGITALMEET_DATABASE_URL"] = self.backend.url

    def blob(self, data: bytes) -> str:
        return f"X'{data.hex()}'" if isinstance(self.backend, SQLiteBackend) else f"'\\x{data.hex()}'::bytea"

    def drop(self) -> None:
        if self.database:
            self.backend.drop()


class _PostgresCopy:
    def __init__(self, source, database: str):
        from urllib.parse import urlsplit, urlunsplit

        self.source = source
        self.database = database
        parts = urlsplit(source.url)
        self.url = urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, ""))

    def execute(self, sql: str) -> None:
        self.source._psql(self.url, sql)

    def drop(self) -> None:
        self.source.admin(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


def sql_text(value: str | None) -> str:
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"


def test_verify_names_the_first_bad_entry_after_each_kind_of_tampering(owned, clients, run_cli, tmp_path):
    server = owned
    env = server.environment()
    anonymous = clients()
    for _ in range(2):
        assert anonymous.sign_in(OWNER["email"], WRONG_PASSWORD).status_code == 401
    owner, authenticator, organization = admin_owner(clients)
    invite_member(server, owner, organization)
    cli_ok(run_cli, env, ["audit", "checkpoint"], "checkpoint-1")
    change_policy(owner, organization, allowSignup=True)
    signed_in(clients, MEMBER["email"], MEMBER["password"])
    server.stop()  # also signs the newest entries, on the way out
    cli_ok(run_cli, env, ["audit", "checkpoint"], "checkpoint-2")

    verified = run_cli(["audit", "verify"], env, name="verify-intact")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "The audit log is intact" in verified.stdout
    assert re.search(rf"^ok\s+{organization}: \d+ entries, [2-9]\d* signed checkpoints verified", verified.stdout, re.M), verified.stdout
    assert re.search(r"^ok\s+system: ", verified.stdout, re.M), verified.stdout

    export_file = tmp_path / "chain.jsonl"
    cli_ok(run_cli, env, ["audit", "export", "--chain", organization, "--output", str(export_file)], "export")
    header, entries, checkpoints = parse_export(export_file.read_text())
    assert verify_export(header, entries, checkpoints, pinned_keys(run_cli, env)) == len(checkpoints)
    n = len(entries)
    # The first checkpoint at or after entry 3 (where the forger rewrites) must lie before the end,
    # so that it, not the last one, is what gives the rewrite away.
    middle, last = min(c["sequence"] for c in checkpoints if c["sequence"] >= 3), checkpoints[-1]["sequence"]
    assert last == n and middle < n, ([c["sequence"] for c in checkpoints], n)
    assert n >= 8, n
    chain = organization
    where = f"chain = '{chain}'"

    def rewrite_from(copy: Copy, start: int, edited: list[dict]) -> list[str]:
        """What a forger who knows the algorithm does: new hashes for `start`… and a matching head."""
        statements = []
        previous = bytes.fromhex(edited[start - 2]["chainHash"]) if start > 1 else bytes(32)
        for entry in edited[start - 1 :]:
            digest = entry_hash(chain, entry)
            previous = link(previous, digest)
            statements.append(
                f"UPDATE audit_entries SET entry_hash = {copy.blob(digest)}, chain_hash = {copy.blob(previous)} "
                f"WHERE {where} AND sequence = {entry['sequence']}"
            )
        statements.append(f"UPDATE audit_heads SET chain_hash = {copy.blob(previous)} WHERE {where}")
        return statements

    def edit_action(copy):
        new = "signin.success" if entries[2]["action"] != "signin.success" else "signin.failure"
        return 3, [f"UPDATE audit_entries SET action = '{new}' WHERE {where} AND sequence = 3"]

    def delete_middle(copy):
        return 4, [f"DELETE FROM audit_entries WHERE {where} AND sequence = 4"]

    def swap(copy):
        return 2, [
            f"UPDATE audit_entries SET sequence = -2 WHERE {where} AND sequence = 2",
            f"UPDATE audit_entries SET sequence = 2 WHERE {where} AND sequence = 5",
            f"UPDATE audit_entries SET sequence = 5 WHERE {where} AND sequence = -2",
        ]

    def insert_forged(copy):
        # Room is made at 4 by moving every later entry up one, as if the row had always been there.
        forged = {**entries[3], "sequence": 4, "action": "member.role_changed", "details": {"role": "owner", "previous_role": "member"}}
        return 4, [
            f"UPDATE audit_entries SET sequence = -(sequence + 1) WHERE {where} AND sequence >= 4",
            f"UPDATE audit_entries SET sequence = -sequence WHERE {where} AND sequence < 0",
            f"UPDATE audit_heads SET sequence = sequence + 1 WHERE {where}",
            "INSERT INTO audit_entries (chain, sequence, occurred_at_ms, action, outcome, organization_id, actor_id, target_type, target_id, "
            "address, request_id, details, entry_hash, chain_hash) VALUES ("
            f"'{chain}', 4, {forged['occurredAtMs']}, 'member.role_changed', 'success', {sql_text(forged.get('organizationId'))}, "
            f"{sql_text(forged.get('actorId'))}, 'user', {sql_text(forged.get('actorId'))}, '127.0.0.1', NULL, "
            f"'{json.dumps(forged['details'], sort_keys=True)}', {copy.blob(bytes.fromhex(entries[3]['entryHash']))}, "
            f"{copy.blob(bytes.fromhex(entries[3]['chainHash']))})",
        ]

    def delete_tail(copy):
        # The forger also moves the recorded head back, so only the checkpoint gives it away.
        keep = entries[n - 3]
        return n - 1, [
            f"DELETE FROM audit_entries WHERE {where} AND sequence >= {n - 1}",
            f"UPDATE audit_heads SET sequence = {n - 2}, chain_hash = {copy.blob(bytes.fromhex(keep['chainHash']))} WHERE {where}",
        ]

    def rewrite_history(copy):
        edited = json.loads(json.dumps(entries))
        edited[2]["address"] = "203.0.113.9"
        return middle, [f"UPDATE audit_entries SET address = '203.0.113.9' WHERE {where} AND sequence = 3"] + rewrite_from(copy, 3, edited)

    cases = {
        "edit-action": edit_action,
        "delete-middle": delete_middle,
        "swap-sequences": swap,
        "insert-forged": insert_forged,
        "delete-tail": delete_tail,
        "rewrite-and-rehash": rewrite_history,
    }
    problems = []
    for name, tamper in cases.items():
        copy = Copy(server, name, tmp_path)
        try:
            expected, statements = tamper(copy)
            for statement in statements:
                copy.backend.execute(statement)
            result = run_cli(["audit", "verify"], copy.env, name=f"verify-{name}")
            fails = re.findall(r"^FAIL\s+(\S+): first bad entry (\d+): (.*)$", result.stdout, re.M)
            if result.returncode != 1:
                problems.append(f"{name}: exit {result.returncode}, expected 1:\n{result.stdout}{result.stderr}")
            elif [(c, int(s)) for c, s, _ in fails] != [(chain, expected)]:
                problems.append(f"{name}: expected 'FAIL {chain}: first bad entry {expected}', got:\n{result.stdout}")
            elif "tampered" not in result.stdout:
                problems.append(f"{name}: no verdict in:\n{result.stdout}")
        finally:
            copy.drop()
    assert not problems, "\n\n".join(problems)

    # The untouched original is still intact.
    again = run_cli(["audit", "verify"], env, name="verify-again")
    assert again.returncode == 0, again.stdout


def test_the_exported_time_of_an_entry_is_its_hashed_timestamp(owned, clients):
    """`occurredAt` (ISO 8601, for people) and `occurredAtMs` (what the hash covers) name the same
    millisecond in the export and in the audit API, so a reader who trusts either sees the same time."""
    owner, _, organization = admin_owner(clients)  # signed in with the second factor just now: stepped up
    # A dozen more entries, so that times which do not survive a round trip through floating point show up.
    for index in range(12):
        ok_json(owner.post(f"/api/v1/organizations/{organization}/invitations", {"email": f"guest{index}@example.com", "role": "member"}), 201)
    export = owner.get(f"/api/v1/organizations/{organization}/audit/export")
    assert export.status_code == 200, export.text
    _, entries, _ = parse_export(export.text)
    api = {e["sequence"]: e for e in audit_entries(owner, organization)}
    wrong = []
    for entry in entries:
        when = datetime.datetime.fromtimestamp(entry["occurredAtMs"] / 1000, datetime.timezone.utc)
        expected = when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{entry['occurredAtMs'] % 1000:03d}"
        # The API gives whole seconds, the export milliseconds.
        for where, text, length in (("export", entry["occurredAt"], len(expected)), ("API", api[entry["sequence"]]["occurredAt"], 19)):
            if text[:length] != expected[:length]:
                wrong.append(f"entry {entry['sequence']} ({where}): occurredAt {text} but occurredAtMs {entry['occurredAtMs']} is {expected}Z")
    assert not wrong, "\n".join(wrong)

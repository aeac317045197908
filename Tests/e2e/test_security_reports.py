"""Vulnerability reports (security policy §11) against the real server, on SQLite and PostgreSQL.

A researcher finds the form from the security policy page in headless Chromium and sends a report;
the page shows its reference and the 48-hour acknowledgement deadline, and the researcher gets a
receipt by email while the operator's owner is told one arrived. The report is sealed at rest. The
owner answers it in the admin console (acknowledged, with a message that reaches the researcher),
then marks it fixed through the API; the researcher, who allowed it, is then thanked on the public
security policy page. An auditor reads the reports but cannot answer one, a member cannot read
them, and every step is in the audit log with who, when and from where. Bad submissions get a clear
error naming the field, and a flood from one network is throttled."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from accounts import Client, mail_text, outbox, wait_for_mail
from browser import fill
from conftest import OWNER, STRONG_PASSWORD
from test_cross_tenant import accept_invitation, audit_entries, ok_json, signed_in
from test_identity import clients, enrol, owned, signed_in_owner, signed_in_owner_with_mfa  # noqa: F401 (fixtures)

FINDER = {"email": "finder@example.org", "name": "Grace Finder"}
SUMMARY = "Revoked invitation links still create accounts"
DETAILS = (
    "1. Invite someone as admin. 2. Revoke the invitation in the console. 3. Open the emailed link: "
    "the form still creates an administrator account (token-reuse-marker-7731)."
)
AUDITOR = {"email": "auditor@example.com", "name": "Audrey Auditor", "password": "copper lantern meadow 77 drifting"}
MEMBER = {"email": "member@example.com", "name": "Mel Member", "password": "quartz meadow falcon 63 ribbon"}
SLOW = 60
REFERENCE = re.compile(r"DM-[0-9A-F]{4}-[0-9A-F]{4}")


def iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def reports_path(organization: str) -> str:
    return f"/api/v1/organizations/{organization}/security-reports"


def displayed(browser, css: str) -> bool:
    found = browser.driver.find_elements(By.CSS_SELECTOR, css)
    return bool(found) and found[0].is_displayed()


def sign_in_with_code(browser, server, email: str, password: str, authenticator) -> None:
    browser.open(server.url("/signin"))
    browser.wait_for(lambda: browser.find("#email").is_displayed())
    fill(browser, email=email, password=password)
    browser.find("#signin-submit").click()
    browser.wait_for(lambda: browser.find("#code-step").is_displayed(), timeout=SLOW)
    fill(browser, code=authenticator.code())
    browser.find("#code-submit").click()
    browser.wait_for(lambda: browser.driver.current_url.split("?")[0].endswith("/account"), timeout=SLOW)


def test_a_report_reaches_the_operator_is_answered_and_credits_its_finder(owned, clients, browser):
    server = owned
    # The owner has two-step verification (administrative answers need a step-up), an auditor and a member.
    owner = signed_in_owner(clients)
    authenticator, _ = enrol(owner)
    owner = signed_in_owner_with_mfa(clients, authenticator)
    organization = owner.session()["user"]["organizationId"].lower()
    for person, role in ((AUDITOR, "auditor"), (MEMBER, "member")):
        ok_json(owner.post(f"/api/v1/organizations/{organization}/invitations", {"email": person["email"], "role": role}), 201)
        accept_invitation(server, person["email"], person["name"], person["password"])
    auditor = signed_in(clients, AUDITOR["email"], AUDITOR["password"])
    member = signed_in(clients, MEMBER["email"], MEMBER["password"])

    # --- The researcher: security policy page -> the form -> a reference and a deadline.
    browser.open(server.url("/security-policy"))
    browser.wait_for(lambda: displayed(browser, "a[href='/security/report']"))
    assert displayed(browser, "#acknowledgments-empty")
    browser.find("a[href='/security/report']").click()
    browser.wait_for(lambda: displayed(browser, "#report-form"), timeout=SLOW)
    fill(browser, summary=SUMMARY, details=DETAILS, contact=FINDER["email"], name=FINDER["name"])
    browser.find("#creditPermitted").click()
    browser.screenshot("report-form-1280x720", 1280, 720)
    sent_at = datetime.now().astimezone()
    browser.find("#report-submit").click()
    browser.wait_for(lambda: displayed(browser, "#report-done"), timeout=SLOW)
    reference = browser.find("#report-reference").text.strip()
    assert REFERENCE.fullmatch(reference), reference
    assert browser.find("#report-acknowledge-by").text.strip()
    assert not displayed(browser, "#report-form")
    browser.screenshot("report-received-1280x720", 1280, 720)
    browser.screenshot("report-received-390x844", 390, 844)
    browser.driver.set_window_size(1280, 720)

    receipt = mail_text(wait_for_mail(server, FINDER["email"], "We received your security report"))
    assert reference in receipt and "acknowledge it by" in receipt
    notice = wait_for_mail(server, OWNER["email"], "New security report")
    assert reference in str(notice["Subject"]) and "/admin" in mail_text(notice)
    # The notice to the operator says that a report came, not what it says.
    assert SUMMARY not in mail_text(notice) and "token-reuse-marker" not in mail_text(notice)

    # --- The operator's view: opened for owner and auditor, refused to a member.
    [report] = ok_json(owner.get(reports_path(organization)))["reports"]
    assert report["reference"] == reference
    assert (report["summary"], report["details"], report["contact"], report["name"]) == (SUMMARY, DETAILS, FINDER["email"], FINDER["name"])
    assert report["creditPermitted"] is True and report["status"] == "received" and report["overdue"] is False
    # Absent values are left out of the JSON, as everywhere in the API.
    assert report.get("acknowledgedAt") is None
    received = iso(report["receivedAt"])
    assert iso(report["acknowledgeBy"]) - received == timedelta(hours=48)
    assert abs(received - sent_at) < timedelta(minutes=2)
    assert ok_json(auditor.get(reports_path(organization)))["reports"] == [report]
    refused = member.get(reports_path(organization))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden", refused.text

    # Sealed at rest: nothing the researcher wrote is in clear in the database.
    backend = server.backend
    assert backend.query_scalar("SELECT count(*) FROM security_reports") == 1
    for secret in ("token-reuse-marker-7731", FINDER["email"], FINDER["name"], "Revoked invitation"):
        if backend.name == "sqlite":
            clear = f"instr(report_ciphertext, CAST('{secret}' AS BLOB)) > 0"
        else:
            clear = f"position(convert_to('{secret}', 'UTF8') in report_ciphertext) > 0"
        assert backend.query_scalar(f"SELECT count(*) FROM security_reports WHERE {clear}") == 0, secret

    # --- The owner acknowledges it in the admin console, with a message for the researcher.
    sign_in_with_code(browser, server, OWNER["email"], STRONG_PASSWORD, authenticator)
    browser.open(server.url("/admin"))
    browser.wait_for(lambda: displayed(browser, "#tab-reports"), timeout=SLOW)
    browser.find("#tab-reports").click()
    row_css = f"#reports-body tr[data-report-id='{report['id']}']"
    browser.wait_for(lambda: displayed(browser, row_css), timeout=SLOW)
    row = browser.find(row_css)
    assert reference in row.text and SUMMARY in row.text and "Received" in row.text
    assert "Overdue" not in row.text
    row.find_element(By.CSS_SELECTOR, "button").click()
    browser.wait_for(lambda: displayed(browser, "#panel-reports [data-action='report-status']"), timeout=SLOW)
    assert "token-reuse-marker-7731" in browser.find("#panel-reports").text
    Select(browser.find("#panel-reports select")).select_by_value("acknowledged")
    browser.find("#panel-reports textarea").send_keys("Thank you. We reproduced it and are working on a fix.")
    browser.screenshot("admin-security-report")
    browser.find("#panel-reports [data-action='report-status']").click()
    if displayed(browser, "#step-up-dialog"):
        # Signing in with the code a moment ago counts as a step-up, but a slow run may outlast it.
        fill(browser, stepUpPassword=STRONG_PASSWORD, stepUpCode=authenticator.code())
        browser.find("#step-up-submit").click()
    browser.wait_for(lambda: f"Report {reference} updated" in browser.find("#admin-status").text, timeout=SLOW)
    update = mail_text(wait_for_mail(server, FINDER["email"], "Update on your security report"))
    assert reference in update and "acknowledged" in update and "We reproduced it" in update
    acknowledged = ok_json(owner.get(reports_path(organization)))["reports"][0]
    assert acknowledged["status"] == "acknowledged" and acknowledged.get("acknowledgedAt")

    # --- An auditor cannot answer; the owner marks it fixed (the step-up of the sign-in still holds).
    answer = auditor.post(f"{reports_path(organization)}/{report['id']}/status", {"status": "fixed", "message": None})
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "forbidden", answer.text
    backwards = owner.post(f"{reports_path(organization)}/{report['id']}/status", {"status": "received"})
    assert backwards.status_code == 400 and backwards.json()["error"]["field"] == "status", backwards.text
    unknown = owner.post(f"{reports_path(organization)}/00000000-0000-4000-8000-000000000000/status", {"status": "fixed"})
    assert unknown.status_code == 404, unknown.text
    fixed = ok_json(owner.post(f"{reports_path(organization)}/{report['id']}/status", {"status": "fixed", "message": "Fixed in 1.4.2."}))
    assert fixed["report"]["status"] == "fixed" and fixed["report"]["acknowledgedAt"] == acknowledged["acknowledgedAt"]
    final = mail_text(wait_for_mail(server, FINDER["email"], "Update on your security report", count=2))
    assert "Fixed in 1.4.2." in final and FINDER["name"] in final

    # --- Credited publicly, as the researcher allowed; another finder who did not allow it, and one
    # whose report is only acknowledged, are not named.
    for name, credit, status in (("Quiet Finder", False, "fixed"), ("Early Finder", True, "acknowledged")):
        filed = Client(server).post("/api/v1/security-reports", {**{"summary": f"Report by {name}", "details": DETAILS},
                                                                  "name": name, "creditPermitted": credit})
        ok_json(filed, 201)
        other = next(r for r in ok_json(owner.get(reports_path(organization)))["reports"] if r["name"] == name)
        ok_json(owner.post(f"{reports_path(organization)}/{other['id']}/status", {"status": status}))
    thanks = ok_json(Client(server).get("/api/v1/security-acknowledgments"))["acknowledgments"]
    assert [entry["name"] for entry in thanks] == [FINDER["name"]]
    browser.open(server.url("/security-policy"))
    browser.wait_for(lambda: FINDER["name"] in browser.find("#acknowledgments-list").text, timeout=SLOW)
    browser.screenshot("security-policy-acknowledgments")

    # --- The audit log: the arrival (from the researcher's address, no actor) and both answers.
    everything = audit_entries(owner, organization, "&action=security_report.")
    for entry in everything:
        assert entry["target"]["type"] == "security_report", entry
    # Three reports arrived and each of the other two was answered once.
    assert len([e for e in everything if e["action"] == "security_report.received"]) == 3
    # (Ids are lowercase in audit entries and uppercase elsewhere.)
    entries = [e for e in everything if e["target"]["id"] == report["id"].lower()]
    by_action = {}
    for entry in entries:
        by_action.setdefault(entry["action"], []).append(entry)
    [arrival] = by_action["security_report.received"]
    assert arrival["actor"].get("id") is None and arrival["address"] == "127.0.0.1" and arrival["outcome"] == "success"
    answers = sorted(by_action["security_report.status_changed"], key=lambda entry: entry["sequence"])
    assert [(a["details"]["previous_status"], a["details"]["status"]) for a in answers] == [("received", "acknowledged"), ("acknowledged", "fixed")]
    assert {a["actor"]["name"] for a in answers} == {OWNER["displayName"]}
    denied = audit_entries(owner, organization, "&action=access.denied")
    assert any(e["details"].get("permission") == "security_reports.manage" for e in denied), denied
    assert any(e["details"].get("permission") == "security_reports.read" for e in denied), denied
    # Never the report's text in the log.
    assert "token-reuse-marker" not in str(entries)

    assert browser.problems(expected_api_statuses=(403,)) == []


def test_bad_reports_are_refused_with_the_field_named_and_floods_are_throttled(owned, clients):
    server = owned
    anonymous = Client(server)
    good = {"summary": "Clickjacking on the join page", "details": "The join page can be framed by another site.", "contact": None}

    def refused(body, status: int, code: str, field: str | None = None, **kwargs):
        response = anonymous.post("/api/v1/security-reports", body, **kwargs)
        assert response.status_code == status, response.text
        error = response.json()["error"]
        assert error["code"] == code, response.text
        if field:
            assert error["field"] == field, response.text
        assert error["message"], response.text
        return response

    refused({**good, "summary": "x"}, 400, "invalid_input", "summary")
    refused({**good, "summary": "two\nlines"}, 400, "invalid_input", "summary")
    refused({**good, "details": "short"}, 400, "invalid_input", "details")
    refused({**good, "contact": "not-an-address"}, 400, "invalid_input", "contact")
    refused({**good, "name": "n" * 101}, 400, "invalid_input", "name")
    refused({"details": good["details"]}, 400, "invalid_json")
    refused({**good, "details": "d" * 70_000}, 413, "too_large")
    not_json = anonymous.http.post(
        anonymous.url("/api/v1/security-reports"), data="summary=x", headers={"Origin": server.public_url, "Content-Type": "text/plain"}, timeout=30
    )
    assert not_json.status_code == 415, not_json.text
    # A cross-site form post is refused before it is read.
    cross_site = anonymous.post("/api/v1/security-reports", good, origin="https://evil.example")
    assert cross_site.status_code == 403, cross_site.text
    assert server.backend.query_scalar("SELECT count(*) FROM security_reports") == 0

    # Five an hour from one network; the sixth waits.
    references = set()
    for index in range(5):
        answer = anonymous.post("/api/v1/security-reports", {**good, "summary": f"Finding number {index}"})
        assert answer.status_code == 201, answer.text
        references.add(answer.json()["reference"])
    assert len(references) == 5
    throttled = refused({**good, "summary": "One too many"}, 429, "too_many_attempts")
    assert 0 < int(throttled.headers["Retry-After"]) <= 3600
    assert server.backend.query_scalar("SELECT count(*) FROM security_reports") == 5
    # Nobody to email: no receipts went out for reports without an address.
    assert not [m for m in outbox(server) if "security report" in str(m["Subject"]) and m["To"] != OWNER["email"]]
    anonymous.close()

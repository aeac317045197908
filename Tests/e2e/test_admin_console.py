"""The admin console (/admin) in headless Chromium against the real server.

The owner turns on two-step verification, invites an administrator through the Invitations form (the
step-up dialog asks for the password and a pyotp code), the administrator accepts the emailed link,
sets up two-step verification and requires it for everyone in Security policy (step-up again). A member
invited afterwards is sent straight to enrolment when signing in and finds no admin console; an auditor
reads the audit log (with the invitations and the policy change in it) but gets no buttons that change
anything, and the server refuses the auditor's changes with 403 forbidden. No console errors or CSP
violations along the way, other than the step-up refusals the console itself answers."""

from __future__ import annotations

from urllib.parse import urlsplit

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from accounts import Authenticator, Client, link_token, wait_for_mail
from browser import fill, sign_in
from conftest import OWNER, STRONG_PASSWORD

ADMIN = {"email": "grace.hopper@example.com", "name": "Grace Hopper", "password": "copper lantern meadow 77 drifting"}
MEMBER = {"email": "alan.turing@example.com", "name": "Alan Turing", "password": "harbour violin pebble 19 lantern"}
AUDITOR = {"email": "katherine.johnson@example.com", "name": "Katherine Johnson", "password": "granite orchard whistle 58 compass"}

# Password hashing (scrypt) in a debug build on a busy machine: sign-in, step-up and accepting an
# invitation can take a while.
SLOW = 60


def elements(browser, css: str) -> list:
    return browser.driver.find_elements(By.CSS_SELECTOR, css)


def displayed(browser, css: str) -> bool:
    found = elements(browser, css)
    return bool(found) and found[0].is_displayed()


def url_path(browser) -> str:
    """The current path, without query or fragment."""
    return urlsplit(browser.driver.current_url).path


def screenshots(browser, name: str) -> None:
    """The same view at 1280x720 and 390x844, then back to the wide window."""
    browser.screenshot(f"{name}-1280x720", 1280, 720)
    browser.screenshot(f"{name}-390x844", 390, 844)
    browser.driver.set_window_size(1280, 720)


def enrol_totp_in_browser(browser, password: str | None) -> Authenticator:
    """Sets up the authenticator app on /account (already open): the password when signed in normally,
    nothing during forced enrolment. Saves the recovery codes; returns the app."""
    browser.wait_for(lambda: browser.find("#mfa-status").text == "Off", timeout=SLOW)
    browser.wait_for(lambda: browser.find("#enrol-start-form").is_displayed())
    if password is not None:
        fill(browser, enrolPassword=password)
    else:
        # Forced enrolment: signing in just now was enough, so the password is not asked again.
        assert not browser.find("#enrolPassword-field").is_displayed()
    browser.find("#enrol-start-form button[type=submit]").click()
    browser.wait_for(lambda: browser.find("#totp-secret").text != "", timeout=SLOW)
    authenticator = Authenticator(browser.find("#totp-secret").text.replace(" ", ""))
    fill(browser, enrolCode=authenticator.code())
    browser.find("#enrol-confirm-form button[type=submit]").click()
    browser.wait_for(lambda: len(elements(browser, "#recovery-codes li")) == 10, timeout=SLOW)
    browser.find("#recovery-saved").click()
    browser.wait_for(lambda: browser.find("#mfa-status").text == "On")
    return authenticator


def complete_step_up(browser, password: str, authenticator: Authenticator, screenshot: str | None = None) -> None:
    """The step-up dialog has opened for a change: password and a fresh code, then Confirm."""
    browser.wait_for(lambda: displayed(browser, "#step-up-dialog"), timeout=SLOW)
    assert "Confirm it" in browser.find("#step-up-title").text
    assert "5 minutes" in browser.find("#step-up-intro").text
    assert browser.find("#stepUpCode").is_displayed()
    if screenshot:
        browser.screenshot(screenshot)
    fill(browser, stepUpPassword=password, stepUpCode=authenticator.code())
    browser.find("#step-up-submit").click()
    browser.wait_for(lambda: not displayed(browser, "#step-up-dialog"), timeout=SLOW)


def sign_out_of_console(browser) -> None:
    browser.find("#sign-out").click()
    browser.wait_for(lambda: url_path(browser) == "/signin")
    browser.wait_for(lambda: browser.find("#email").is_displayed())


def open_console(browser, server) -> None:
    browser.open(server.url("/admin"))
    browser.wait_for(lambda: displayed(browser, "#admin-console") or displayed(browser, "#no-access"), timeout=SLOW)


def accept_invitation_by_api(server, email_address: str, name: str, password: str) -> str:
    _, token = link_token(wait_for_mail(server, email_address, "invited you"))
    anonymous = Client(server)
    try:
        accepted = anonymous.post("/api/v1/invitations/accept", {"token": token, "displayName": name, "password": password})
        assert accepted.status_code == 201, accepted.text
        return accepted.json()["userId"]
    finally:
        anonymous.close()


def signed_in_with_code(server, email_address: str, password: str, authenticator: Authenticator) -> Client:
    """An API client signed in with password and code (which also counts as a fresh step-up)."""
    client = Client(server)
    started = client.sign_in(email_address, password)
    assert started.status_code == 200, started.text
    assert started.json()["stage"] == "mfa", started.text
    finished = client.post("/api/v1/auth/mfa", {"code": authenticator.code()})
    assert finished.status_code == 200, finished.text
    assert finished.json()["stage"] == "active"
    return client


def test_owner_admin_member_and_auditor_use_the_admin_console(make_server, browser):
    server = make_server()
    server.complete_setup()

    # --- The owner: two-step verification on /account, then the console from the account page's link.
    sign_in(browser, server)
    browser.wait_for(lambda: url_path(browser) == "/account", timeout=SLOW)
    browser.wait_for(lambda: browser.find("#profile-email").text == OWNER["email"])
    owner_app = enrol_totp_in_browser(browser, STRONG_PASSWORD)
    browser.wait_for(lambda: browser.find("#admin-link").is_displayed())
    browser.find("#admin-link a").click()
    browser.wait_for(lambda: url_path(browser) == "/admin")
    browser.wait_for(lambda: displayed(browser, "#admin-console"), timeout=SLOW)
    assert browser.find("#admin-title").text == "Admin console"
    assert browser.find("#admin-organization").text == OWNER["organizationName"]
    for tab in ("members", "invitations", "policy", "audit"):
        assert browser.find(f"#tab-{tab}").is_displayed(), tab
    assert browser.find("#tab-members").get_attribute("aria-selected") == "true"
    browser.wait_for(lambda: OWNER["email"] in browser.find("#members-body").text, timeout=SLOW)
    owner_row = browser.find("#members-body tr")
    assert OWNER["displayName"] in owner_row.text and "Owner" in owner_row.text and "Two-step on" in owner_row.text
    # Nobody disables themselves or changes their own role: no such controls on one's own row.
    assert owner_row.find_elements(By.CSS_SELECTOR, "select, [data-action=disable], [data-action=end-sessions]") == []
    screenshots(browser, "admin-members")

    # --- Invite an administrator through the form; the change asks for a step-up first.
    browser.find("#tab-invitations").click()
    browser.wait_for(lambda: browser.find("#invite-form").is_displayed())
    assert browser.find("#tab-invitations").get_attribute("aria-selected") == "true"
    browser.wait_for(lambda: not browser.find("#invitations-loading").is_displayed(), timeout=SLOW)
    fill(browser, inviteEmail=ADMIN["email"])
    Select(browser.find("#inviteRole")).select_by_value("admin")
    browser.find("#invite-submit").click()
    complete_step_up(browser, STRONG_PASSWORD, owner_app, screenshot="admin-step-up-dialog")
    browser.wait_for(lambda: ADMIN["email"] in browser.find("#invitations-body").text, timeout=SLOW)
    invitation_row = next(row for row in elements(browser, "#invitations-body tr") if ADMIN["email"] in row.text)
    assert "Pending" in invitation_row.text and "Administrator" in invitation_row.text
    assert invitation_row.find_elements(By.CSS_SELECTOR, "[data-action=revoke]")
    browser.wait_for(lambda: "Invitation sent" in browser.find("#admin-status").text)
    browser.screenshot("admin-invitations")
    sign_out_of_console(browser)

    # --- The administrator accepts the emailed link, signs in, sets up two-step verification.
    link, _ = link_token(wait_for_mail(server, ADMIN["email"], "invited you"))
    browser.open(link)
    browser.wait_for(lambda: browser.find("#invite-form").is_displayed(), timeout=SLOW)
    assert "administrator" in browser.find("#invite-summary").text
    fill(browser, displayName=ADMIN["name"], password=ADMIN["password"])
    browser.find("#invite-form button[type=submit]").click()
    browser.wait_for(lambda: browser.find("#invite-done").is_displayed(), timeout=SLOW)
    sign_in(browser, server, ADMIN["email"], ADMIN["password"])
    browser.wait_for(lambda: url_path(browser) == "/account", timeout=SLOW)
    admin_app = enrol_totp_in_browser(browser, ADMIN["password"])
    browser.wait_for(lambda: browser.find("#admin-link").is_displayed())

    # --- ...and requires two-step verification for everyone (another step-up: this session has none yet).
    open_console(browser, server)
    assert displayed(browser, "#admin-console")
    assert "administrator" in browser.find("#admin-role").text
    browser.find("#tab-policy").click()
    browser.wait_for(lambda: browser.find("#policy-form").is_displayed(), timeout=SLOW)
    assert browser.find("#policy-save").is_displayed()
    assert not browser.find("#policy-readonly").is_displayed()
    require_mfa = browser.find("#requireMFA")
    assert require_mfa.is_enabled() and not require_mfa.is_selected()
    assert browser.find("#sessionIdleMinutes").get_attribute("min") == "1"
    assert browser.find("#sessionIdleMinutes").get_attribute("max") == "60"
    assert browser.find("#sessionAbsoluteHours").get_attribute("max") == "24"
    chat_days = browser.find("#chatMessageDays")
    assert chat_days.get_attribute("value") == "30" and chat_days.get_attribute("max") == "3650"
    chat_days.clear()
    chat_days.send_keys("90")
    require_mfa.click()
    browser.find("#policy-save").click()
    complete_step_up(browser, ADMIN["password"], admin_app)
    browser.wait_for(lambda: "policy was saved" in browser.find("#admin-status").text, timeout=SLOW)
    assert browser.find("#requireMFA").is_selected()
    screenshots(browser, "admin-policy")

    # --- Setup that is not the point: the owner invites a member and an auditor through the API.
    owner = signed_in_with_code(server, OWNER["email"], STRONG_PASSWORD, owner_app)
    me = owner.session()["user"]
    organization = me["organizationId"]
    policy = owner.get(f"/api/v1/organizations/{organization}/policy")
    assert policy.status_code == 200 and policy.json()["requireMFA"] is True, policy.text
    assert policy.json()["retention"] == {"chatMessageDays": 90}, policy.text
    for person, role in ((MEMBER, "member"), (AUDITOR, "auditor")):
        invited = owner.post(f"/api/v1/organizations/{organization}/invitations", {"email": person["email"], "role": role})
        assert invited.status_code == 201, invited.text
    owner.close()
    accept_invitation_by_api(server, MEMBER["email"], MEMBER["name"], MEMBER["password"])
    accept_invitation_by_api(server, AUDITOR["email"], AUDITOR["name"], AUDITOR["password"])
    sign_out_of_console(browser)

    # --- The member signs in and lands on enrolment (signin.js sends stage "enrol" to /account#enrol).
    sign_in(browser, server, MEMBER["email"], MEMBER["password"])
    browser.wait_for(lambda: url_path(browser) == "/account", timeout=SLOW)
    browser.wait_for(lambda: browser.find("#enrol-required").is_displayed(), timeout=SLOW)
    assert "requires two-step verification" in browser.find("#enrol-required").text
    browser.screenshot("member-forced-enrolment")
    enrol_totp_in_browser(browser, None)
    assert not browser.find("#admin-link").is_displayed()
    # A member has no admin console.
    open_console(browser, server)
    assert displayed(browser, "#no-access") and not displayed(browser, "#admin-console")
    assert "You do not have access to the admin console" in browser.find("#no-access").text
    browser.screenshot("member-no-access")
    sign_out_of_console(browser)

    # --- The auditor: enrolment first (required now), then the console, read-only.
    sign_in(browser, server, AUDITOR["email"], AUDITOR["password"])
    browser.wait_for(lambda: url_path(browser) == "/account", timeout=SLOW)
    browser.wait_for(lambda: browser.find("#enrol-required").is_displayed(), timeout=SLOW)
    auditor_app = enrol_totp_in_browser(browser, None)
    browser.wait_for(lambda: browser.find("#admin-link").is_displayed())
    browser.open(server.url("/"))
    browser.wait_for(lambda: browser.find("#signed-in").is_displayed(), timeout=SLOW)
    assert browser.find("#admin-link").is_displayed()

    open_console(browser, server)
    assert displayed(browser, "#admin-console")
    assert "auditor" in browser.find("#admin-role").text
    assert browser.find("#tab-members").is_displayed()
    assert browser.find("#tab-policy").is_displayed()
    assert browser.find("#tab-audit").is_displayed()
    assert not browser.find("#tab-invitations").is_displayed()
    browser.wait_for(lambda: len(elements(browser, "#members-body tr")) >= 4, timeout=SLOW)
    members_text = browser.find("#members-body").text
    for person in (OWNER["email"], ADMIN["email"], MEMBER["email"], AUDITOR["email"]):
        assert person in members_text, person
    assert elements(browser, "#members-body button, #members-body select") == []
    browser.screenshot("auditor-members")

    browser.find("#tab-policy").click()
    browser.wait_for(lambda: browser.find("#policy-form").is_displayed(), timeout=SLOW)
    assert browser.find("#policy-readonly").is_displayed()
    assert not browser.find("#policy-save").is_displayed()
    assert browser.find("#requireMFA").is_selected()
    for control in ("requireMFA", "allowSignup", "sessionIdleMinutes", "sessionAbsoluteHours", "waitingRoom", "e2eeRequired"):
        assert not browser.find(f"#{control}").is_enabled(), control
    browser.screenshot("auditor-policy")

    browser.find("#tab-audit").click()
    browser.wait_for(lambda: len(elements(browser, "#audit-body tr")) > 0, timeout=SLOW)
    actions = {row.get_attribute("data-action") for row in elements(browser, "#audit-body tr")}
    assert {"policy.updated", "member.invited"} <= actions, actions
    audit_text = browser.find("#audit-body").text
    assert "policy.updated" in audit_text and "member.invited" in audit_text
    # Local time on the page, UTC in the title.
    first_time = browser.find("#audit-body tr time")
    assert first_time.get_attribute("title").endswith("UTC") and first_time.get_attribute("datetime")
    export = browser.find("#audit-export")
    assert export.is_displayed() and export.get_attribute("href").endswith(f"/api/v1/organizations/{organization}/audit/export")
    # Nothing in the console that would change something.
    mutating = [button.text for button in elements(browser, "#admin-console button[data-action], #admin-console select[data-role-select]")]
    assert mutating == []
    screenshots(browser, "admin-audit")

    # The action filter narrows the log to the policy change.
    Select(browser.find("#auditAction")).select_by_value("policy.updated")
    browser.find("#audit-apply").click()
    browser.wait_for(
        lambda: len(elements(browser, "#audit-body tr")) > 0
        and {row.get_attribute("data-action") for row in elements(browser, "#audit-body tr")} == {"policy.updated"},
        timeout=SLOW,
    )
    policy_row = browser.find("#audit-body tr")
    assert ADMIN["name"] in policy_row.text

    # --- Whatever the page shows, the server refuses an auditor's changes.
    auditor = signed_in_with_code(server, AUDITOR["email"], AUDITOR["password"], auditor_app)
    base = f"/api/v1/organizations/{organization}"
    refused = [
        auditor.post(f"{base}/invitations", {"email": "someone.else@example.com", "role": "admin"}),
        auditor.post(f"{base}/members/{me['id']}/disable"),
        auditor.http.put(
            auditor.url(f"{base}/policy"),
            json={**{key: value for key, value in policy.json().items() if key != "limits"}, "requireMFA": False},
            headers={"X-CSRF-Token": auditor.csrf, "Origin": server.public_url},
            timeout=60,
        ),
    ]
    for response in refused:
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "forbidden", response.text
    auditor.close()

    # The only refusals the browser saw were the step-up requests the console answered with the dialog.
    assert browser.problems(expected_api_statuses=(403,)) == []

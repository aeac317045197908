"""Security keys and passkeys in headless Chromium, with Chrome DevTools' virtual authenticator standing
in for a real key: add one on /account (the first second factor brings recovery codes), sign out, sign
in with password and passkey, and remove it again, without console errors or CSP violations."""

from __future__ import annotations

from accounts import wait_for_mail
from browser import fill, sign_in
from conftest import OWNER, STRONG_PASSWORD


def add_virtual_authenticator(browser) -> str:
    """A platform authenticator (like Touch ID or Windows Hello) that says yes at once."""
    browser.driver.execute_cdp_cmd("WebAuthn.enable", {})
    result = browser.driver.execute_cdp_cmd("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
    }})
    return result["authenticatorId"]


def credentials(browser, authenticator_id: str) -> list[dict]:
    return browser.driver.execute_cdp_cmd("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]


def test_add_a_passkey_sign_in_with_it_and_remove_it(make_server, browser):
    server = make_server()
    server.complete_setup()
    browser.open(server.url("/signin"))
    authenticator = add_virtual_authenticator(browser)

    sign_in(browser, server)
    browser.wait_for(lambda: browser.driver.current_url.endswith("/account"))
    browser.wait_for(lambda: browser.find("#mfa-status").text == "Off")
    browser.wait_for(lambda: browser.find("#passkeys-empty").is_displayed())
    assert browser.find("label[for=passkeyName]").text

    # A missing name is reported next to the field, before any ceremony.
    fill(browser, passkeyPassword=STRONG_PASSWORD)
    browser.find("#add-passkey").click()
    browser.wait_for(lambda: browser.find("#passkeyName-error").text != "")
    assert browser.find("#passkeyName").get_attribute("aria-invalid") == "true"

    fill(browser, passkeyName="Laptop passkey", passkeyPassword=STRONG_PASSWORD)
    browser.find("#add-passkey").click()
    browser.wait_for(lambda: len(browser.driver.find_elements("css selector", "#recovery-codes li")) == 10)
    browser.screenshot("passkey-recovery-codes")
    browser.find("#recovery-saved").click()
    browser.wait_for(lambda: browser.find("#mfa-status").text == "On")
    browser.wait_for(lambda: "Laptop passkey" in browser.find("#passkeys-list").text)
    assert "not used yet" in browser.find("#passkeys-list").text
    stored = credentials(browser, authenticator)
    assert len(stored) == 1 and stored[0]["rpId"] == "localhost"
    # Without an authenticator app no code is asked for: the passkey itself confirms changes.
    assert not browser.find("#passkeyCode").is_displayed()
    wait_for_mail(server, OWNER["email"], "A security key was added")
    browser.screenshot("passkeys-1280x720")

    browser.find("#sign-out").click()
    browser.wait_for(lambda: browser.driver.current_url.endswith("/signin"))
    sign_in(browser, server)
    browser.wait_for(lambda: browser.find("#code-step").is_displayed())
    browser.wait_for(lambda: browser.find("#use-passkey").is_displayed())
    # A passkey-only account is not asked for an app code.
    assert not browser.find("#code-field").is_displayed()
    browser.screenshot("signin-passkey")
    browser.find("#use-passkey").click()
    browser.wait_for(lambda: browser.driver.current_url.endswith("/account"))
    browser.wait_for(lambda: "last used" in browser.find("#passkeys-list").text)
    assert credentials(browser, authenticator)[0]["signCount"] >= 1

    # Removal: the password, then the passkey itself confirms; two-step verification is then off.
    fill(browser, passkeyPassword=STRONG_PASSWORD)
    browser.find("#passkeys-list button").click()
    browser.wait_for(lambda: browser.driver.switch_to.alert is not None)
    browser.driver.switch_to.alert.accept()
    browser.wait_for(lambda: browser.find("#passkeys-empty").is_displayed())
    browser.wait_for(lambda: browser.find("#mfa-status").text == "Off")
    wait_for_mail(server, OWNER["email"], "A security key was removed")

    assert browser.problems() == []

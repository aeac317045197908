"""The account pages in headless Chromium: sign in, enrol TOTP by reading the key from the page (codes
from pyotp), save the recovery codes, sign out, and sign in again with the second factor."""

from __future__ import annotations

from accounts import Authenticator
from browser import fill, sign_in
from conftest import OWNER, STRONG_PASSWORD


def test_sign_in_enrol_totp_and_sign_in_again_with_it(make_server, browser):
    server = make_server()
    server.complete_setup()

    browser.open(server.url("/signin"))
    browser.wait_for(lambda: browser.find("#email").is_displayed())
    browser.screenshot("signin-1280x720")
    browser.screenshot("signin-390x844", 390, 844)
    browser.driver.set_window_size(1280, 720)
    fill(browser, email=OWNER["email"], password="not the password at all")
    browser.find("#signin-submit").click()
    browser.wait_for(lambda: browser.find("#signin-message").is_displayed())
    assert "not right" in browser.find("#signin-message").text
    browser.screenshot("signin-failed")

    sign_in(browser, server)
    browser.wait_for(lambda: browser.driver.current_url.endswith("/account"))
    browser.wait_for(lambda: browser.find("#profile-email").text == OWNER["email"])
    browser.wait_for(lambda: browser.find("#mfa-status").text == "Off")
    browser.wait_for(lambda: len(browser.driver.find_elements("css selector", "#sessions-list li")) == 1)
    assert "This device" in browser.find("#sessions-list").text
    browser.screenshot("account-1280x720")
    browser.screenshot("account-390x844", 390, 844)
    browser.driver.set_window_size(1280, 720)

    fill(browser, enrolPassword=STRONG_PASSWORD)
    browser.find("#enrol-start-form button[type=submit]").click()
    browser.wait_for(lambda: browser.find("#totp-secret").text != "")
    assert browser.find("#totp-qr svg").get_attribute("aria-label")
    browser.screenshot("totp-enrolment")
    authenticator = Authenticator(browser.find("#totp-secret").text.replace(" ", ""))
    fill(browser, enrolCode=authenticator.code())
    browser.find("#enrol-confirm-form button[type=submit]").click()
    browser.wait_for(lambda: len(browser.driver.find_elements("css selector", "#recovery-codes li")) == 10)
    codes = [item.text for item in browser.driver.find_elements("css selector", "#recovery-codes li")]
    assert all(len(code) == 11 and code[5] == "-" for code in codes)
    browser.screenshot("recovery-codes")
    browser.find("#recovery-saved").click()
    browser.wait_for(lambda: browser.find("#mfa-status").text == "On")
    assert "10 of 10" in browser.find("#recovery-remaining").text

    browser.find("#sign-out").click()
    browser.wait_for(lambda: browser.driver.current_url.endswith("/signin"))
    sign_in(browser, server)
    browser.wait_for(lambda: browser.find("#code-step").is_displayed())
    browser.screenshot("signin-code")
    fill(browser, code=authenticator.code())
    browser.find("#code-submit").click()
    browser.wait_for(lambda: browser.driver.current_url.endswith("/account"))
    browser.wait_for(lambda: browser.find("#mfa-status").text == "On")

    # The only refusal on the way was the wrong password this test typed on purpose.
    assert browser.problems(expected_api_statuses=(401,)) == []

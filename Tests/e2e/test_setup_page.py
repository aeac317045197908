"""The one-time setup page in a real browser: what the first person to open DigitalMeet sees."""

from browser import fill


def test_owner_is_created_through_the_setup_page(make_server, browser):
    server = make_server()
    browser.open(server.setup_link)
    # The token is taken out of the address bar as soon as the page has read it.
    browser.wait_for(lambda: "#" not in browser.driver.current_url)
    browser.screenshot("setup-1280x720")
    browser.screenshot("setup-390x844", 390, 844)
    browser.driver.set_window_size(1280, 720)

    fill(browser, organizationName="Acme Research", displayName="Ada Lovelace", email="ada@example.com", password="too short")
    browser.find("#setup-submit").click()
    browser.wait_for(lambda: browser.find("#password-error").text != "")
    assert "at least 15 characters" in browser.find("#password-error").text
    assert browser.find("#password").get_attribute("aria-invalid") == "true"
    browser.screenshot("setup-weak-password")

    fill(browser, password="violet tractor umbrella 42 quietly")
    browser.find("#setup-submit").click()
    browser.wait_for(lambda: browser.find("#setup-done").is_displayed())
    assert "ada@example.com" in browser.find("#done-text").text
    assert browser.driver.switch_to.active_element == browser.find("#done-title")
    browser.screenshot("setup-done")

    assert server.owner_count() == 1
    assert browser.problems(expected_api_statuses=(400,)) == []


def test_a_used_link_explains_itself(make_server, browser):
    server = make_server()
    link = server.setup_link
    server.complete_setup()
    browser.open(link)
    fill(browser, organizationName="Other", displayName="Mallory", email="mallory@example.com", password="violet tractor umbrella 42 quietly")
    browser.find("#setup-submit").click()
    browser.wait_for(lambda: browser.find("#form-message").is_displayed())
    assert "already set up" in browser.find("#form-message").text
    assert server.owner_count() == 1
    assert browser.problems(expected_api_statuses=(409,)) == []


def test_landing_and_policy_pages_load_cleanly(make_server, browser):
    server = make_server()
    browser.open(server.url("/"))
    browser.wait_for(lambda: browser.find("#setup-needed").is_displayed())
    browser.screenshot("home-1280x720")
    browser.open(server.url("/security-policy"))
    browser.wait_for(lambda: "security@" in browser.find("#contact-link").text)
    browser.screenshot("security-policy")
    assert browser.problems() == []

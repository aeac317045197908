"""End-to-end encrypted meetings in the meeting page (docs/e2ee.md), through the real server and SFU.

- A browser without encoded transforms is told why before it tries to join.
- In an E2EE room the header shows the shield, "End-to-end encrypted" and the security code, and the
  dialog behind it explains the code in one sentence; the media worker sees every frame we send and
  nothing leaves unencrypted (without keys, nothing leaves at all).
- With a server that relays the E2EE signaling messages: two participants agree on the epoch and the
  security code, decrypt each other's video and chat, a third one's join ratchets and its leave rekeys
  (it stops decrypting), and a substituted key shows as different codes. Skipped while the server
  refuses `e2ee_public_key` (the server side lands separately).
"""

from __future__ import annotations

import json
import re

import pytest
from selenium.webdriver.common.keys import Keys

from browser import Browser
from signaling import create_meeting, world  # noqa: F401 - world is a fixture
from test_meeting_ui import SLOW, browsers, elements, in_room, join_as, join_page, screenshots, text_of, visible  # noqa: F401 - browsers is a fixture

CODE = re.compile(r"^\d{5} \d{5} \d{5} \d{5}$")

_NO_ENCODED_TRANSFORMS = """
delete window.RTCRtpScriptTransform;
if (window.RTCRtpSender) delete RTCRtpSender.prototype.createEncodedStreams;
"""


def e2ee_stats(browser: Browser) -> dict:
    return browser.driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "(window.__dmE2EE ? window.__dmE2EE.stats() : Promise.resolve(null)).then(done, () => done(null));"
    ) or {}


def epoch(browser: Browser) -> int:
    return browser.driver.execute_script("return window.__dmE2EE ? window.__dmE2EE.epoch : 0") or 0


def code(browser: Browser) -> str:
    return browser.find("#security-code").get_attribute("textContent").strip()


def announce_error(browser: Browser) -> str | None:
    """The server's error code for our `e2ee_public_key` (unknown_type before the server side lands), or None."""
    return browser.driver.execute_script("return window.__dmE2EE ? window.__dmE2EE.announceError : null")


def enter(browser: Browser, server, meeting_id: str, name: str) -> None:
    join_page(browser, server, meeting_id)
    join_as(browser, name)
    browser.wait_for(lambda: in_room(browser), timeout=SLOW)


def test_a_browser_without_encoded_transforms_is_told_why_before_joining(world, browsers):
    meeting = create_meeting(world.members["alan"], "Private sync", e2ee=True)
    guest = browsers()
    guest.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _NO_ENCODED_TRANSFORMS})
    join_page(guest, world.server, meeting["id"])
    guest.wait_for(lambda: visible(guest, "#prejoin-message"), timeout=SLOW)
    message = guest.find("#prejoin-message").text
    assert "end-to-end encrypted" in message and "browser" in message, message
    assert guest.find("#join-button").get_attribute("disabled") is not None
    assert guest.problems() == []


def test_the_e2ee_room_shows_the_shield_and_code_and_sends_nothing_in_clear(world, browsers):
    meeting = create_meeting(world.members["alan"], "Private sync", e2ee=True)
    guest = browsers()
    enter(guest, world.server, meeting["id"], "Ada Guest")
    assert guest.find("#indicator-e2ee").text == "End-to-end encrypted"
    assert visible(guest, "#security-code-button")
    screenshots(guest, "e2ee-room")
    guest.find("#security-code-button").click()
    guest.wait_for(lambda: visible(guest, "#security-dialog"))
    assert "security code" in guest.find("#security-explanation").text
    guest.screenshot("e2ee-security-dialog-1280x720", 1280, 720)
    guest.find("#security-dialog button").click()
    # Every frame the camera and microphone produce goes through the worker: encrypted, or held back.
    guest.wait_for(lambda: sum((e2ee_stats(guest).get("encrypted") or {}).values()) + sum((e2ee_stats(guest).get("unsent") or {}).values()) > 20, timeout=SLOW)
    stats = e2ee_stats(guest)
    if epoch(guest) == 0:
        # No keys (a server without the E2EE messages): nothing was sent, and the code waits.
        assert sum(stats["encrypted"].values()) == 0, stats
        assert "Waiting" in code(guest)
    else:
        assert CODE.match(code(guest)), code(guest)
        assert int(guest.find("#security-code").get_attribute("data-epoch")) == epoch(guest)
    assert guest.problems() == []


def test_two_participants_agree_on_keys_and_code_decrypt_media_and_chat_and_a_leaver_is_cut_off(world, browsers):
    server = world.server
    meeting = create_meeting(world.members["alan"], "Private sync", e2ee=True)
    ada = browsers()
    enter(ada, server, meeting["id"], "Ada Guest")
    ada.wait_for(lambda: announce_error(ada) is not None or epoch(ada) > 0, timeout=SLOW)
    if epoch(ada) == 0:
        pytest.skip(f"this server refuses e2ee_public_key ({announce_error(ada)})")
    assert epoch(ada) == 1, "the first participant is the key leader and keys epoch 1"

    bob = browsers()
    enter(bob, server, meeting["id"], "Bob Guest")
    # Bob's join ratchets: both at epoch 2 with the same security code, shown in the header.
    for browser in (ada, bob):
        browser.wait_for(lambda b=browser: epoch(b) == 2 and CODE.match(code(b)), timeout=SLOW)
    ada.wait_for(lambda: code(ada) == code(bob), timeout=SLOW)

    # Media decrypts both ways: frames decrypted, decoded, and no authentication failure at steady state.
    for browser in (ada, bob):
        browser.wait_for(lambda b=browser: (e2ee_stats(b).get("decrypted") or {}).get("video", 0) > 30, timeout=SLOW)
        stats = e2ee_stats(browser)
        assert stats["encrypted"]["video"] > 0 and stats["encrypted"]["audio"] > 0, stats
        assert stats["sendEpoch"] == epoch(browser)

    # Chat is encrypted: Bob reads Ada's message (the server only relayed ciphertext).
    ada.find("#chat-toggle").click()
    ada.wait_for(lambda: visible(ada, "#chat-input"))
    ada.find("#chat-input").send_keys("The launch code is 0000" + Keys.ENTER)
    bob.find("#chat-toggle").click()
    bob.wait_for(lambda: "The launch code is 0000" in text_of(bob, "#chat-list"), timeout=SLOW)

    # Carol joins (ratchet, epoch 3) and leaves (fresh key, epoch 4): she never gets epoch 4.
    carol = browsers()
    enter(carol, server, meeting["id"], "Carol Guest")
    for browser in (ada, bob, carol):
        browser.wait_for(lambda b=browser: epoch(b) == 3, timeout=SLOW)
    ada.wait_for(lambda: code(ada) == code(bob) == code(carol), timeout=SLOW)
    carol.find("#leave-button").click()
    for browser in (ada, bob):
        browser.wait_for(lambda b=browser: epoch(b) == 4, timeout=SLOW)
    ada.wait_for(lambda: code(ada) == code(bob), timeout=SLOW)
    assert ada.problems() == [] and bob.problems() == [], json.dumps([ada.problems(), bob.problems()])

"""End-to-end encrypted meetings in the meeting page (docs/e2ee.md), through the real server and SFU.

- A browser without encoded transforms is told why before it tries to join.
- In an E2EE room the header shows the shield, "End-to-end encrypted" and the security code, and the
  dialog behind it explains the code in one sentence; every frame goes through the media worker.
- Two participants agree on the epoch and the security code, decrypt each other's video and chat; a
  third one's join ratchets and its leave rekeys.
- Three browsers see each other while the SFU's copy of their video (DIGITALMEET_TEST_MEDIA_CAPTURE)
  does not decode as VP8, unlike an ordinary meeting's; a removal rekeys within two seconds.
- A key the server substitutes (DIGITALMEET_TEST_SUBSTITUTE_E2EE_KEY, a simulated malicious server)
  shows as a different security code, and its victim decrypts nothing.

One SQLite server for the module: what is tested happens in browsers and the SFU, the same on either
database.
"""

from __future__ import annotations

import json
import re

import pytest
from selenium.webdriver.common.keys import Keys

import time
from pathlib import Path

from browser import Browser, sign_in
from rtp_capture import captured_video
from signaling import MEMBERS, create_meeting, make_world
from test_meeting_ui import SLOW, browsers, frames_grow, in_room, join_as, join_page, person_action, screenshots, seat_of, text_of, visible  # noqa: F401 - browsers is a fixture

VICTIM = "Eve Target"


@pytest.fixture(scope="module")
def capture_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("capture")


@pytest.fixture(scope="module")
def world(tmp_path_factory, capture_dir):
    yield from make_world("test_e2ee_ui", "sqlite", tmp_path_factory, TEST_MEDIA_CAPTURE=str(capture_dir), TEST_SUBSTITUTE_E2EE_KEY=VICTIM)

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


def enter(browser: Browser, server, meeting_id: str, name: str | None) -> None:
    """Joins as a guest called `name`, or (None) as whoever the browser is signed in as."""
    join_page(browser, server, meeting_id)
    join_as(browser, name)
    browser.wait_for(lambda: in_room(browser), timeout=SLOW)


def member(browsers, server, name: str) -> Browser:
    browser = browsers()
    sign_in(browser, server, MEMBERS[name]["email"], MEMBERS[name]["password"])
    browser.wait_for(lambda: "/account" in browser.driver.current_url, timeout=SLOW)
    return browser


def capture_of(capture_dir: Path, seat: str, source: str = "camera") -> Path:
    return capture_dir / f"{seat.upper()}-{source}.rtp"


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
    assert epoch(guest) == 1, announce_error(guest)
    assert CODE.match(code(guest)), code(guest)
    assert int(guest.find("#security-code").get_attribute("data-epoch")) == epoch(guest)
    assert guest.problems() == []


def test_two_participants_agree_on_keys_and_code_decrypt_media_and_chat_and_a_leaver_is_cut_off(world, browsers):
    server = world.server
    meeting = create_meeting(world.members["alan"], "Private sync", e2ee=True)
    ada = browsers()
    enter(ada, server, meeting["id"], "Ada Guest")
    ada.wait_for(lambda: announce_error(ada) is not None or epoch(ada) > 0, timeout=SLOW)
    assert epoch(ada) == 1, f"the first participant is the key leader and keys epoch 1 (announce: {announce_error(ada)})"

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


def test_an_ordinary_meeting_forwards_video_that_decodes(world, browsers, capture_dir):
    """The control for the check below: the SFU's capture of an ordinary meeting is VP8 that decodes."""
    meeting = create_meeting(world.members["alan"], "Plain", waitingRoom="off")
    host = member(browsers, world.server, "alan")
    enter(host, world.server, meeting["id"], None)
    guest = browsers()
    enter(guest, world.server, meeting["id"], "Rita Guest")
    rita = seat_of(host, "Rita Guest")
    frames_grow(host, rita, "camera")
    path = capture_of(capture_dir, rita)
    host.wait_for(lambda: path.exists() and captured_video(path).decoded >= 20, timeout=SLOW)
    result = captured_video(path)
    assert result.key_frames >= 1 and result.errors == 0, result
    assert not visible(guest, "#security-code-button")


def test_three_browsers_meet_encrypted_the_sfu_cannot_decode_and_a_removal_rekeys(world, browsers, capture_dir):
    meeting = create_meeting(world.members["alan"], "Board", waitingRoom="off", e2ee=True)
    host = member(browsers, world.server, "alan")
    enter(host, world.server, meeting["id"], None)
    grace = member(browsers, world.server, "grace")
    enter(grace, world.server, meeting["id"], None)
    sam = browsers()
    enter(sam, world.server, meeting["id"], "Sam Guest")
    people = {"host": host, "grace": grace, "sam": sam}
    names = {"host": MEMBERS["alan"]["name"], "grace": MEMBERS["grace"]["name"], "sam": "Sam Guest"}
    seats = {key: seat_of(host, names[key]) for key in ("grace", "sam")}
    seats["host"] = seat_of(grace, names["host"])

    # Everyone decodes everyone's camera, decrypted in their own browser, under one security code.
    for key, browser in people.items():
        for other in people:
            if other != key:
                frames_grow(browser, seats[other], "camera")
    host.wait_for(lambda: CODE.match(code(host)) and code(host) == code(grace) == code(sam), timeout=SLOW)

    # What the SFU forwarded of each camera does not decode as VP8: it is SFrame ciphertext.
    for key in people:
        path = capture_of(capture_dir, seats[key])
        host.wait_for(lambda p=path: p.exists() and captured_video(p).frames >= 20, timeout=SLOW)
        result = captured_video(path)
        assert result.frames >= 10 and result.key_frames >= 1 and result.decoded == 0, (key, result)

    # Grace is removed: the leader (Alan, there longest) makes a fresh key at once, and within two
    # seconds everyone left sends under it; Grace never had it, and the others keep decoding.
    before = epoch(host)
    grace_epochs = set(e2ee_stats(grace).get("epochs") or [])
    person_action(host, names["grace"], "remove")
    host.find("#remove-confirm").click()
    removed_at = time.monotonic()
    switched: dict[str, float] = {}
    while len(switched) < 2 and time.monotonic() - removed_at < SLOW:
        for key in ("host", "sam"):
            if key not in switched and epoch(people[key]) > before:
                switched[key] = time.monotonic() - removed_at
        time.sleep(0.05)
    assert set(switched) == {"host", "sam"} and max(switched.values()) < 2.0, f"seconds from the removal to sending under a new key: {switched}"
    new = epoch(host)
    assert new not in grace_epochs and epoch(sam) == new and e2ee_stats(sam)["sendEpoch"] == new
    grace.wait_for(lambda: visible(grace, "#final"), timeout=SLOW)
    frames_grow(host, seats["sam"], "camera")
    frames_grow(sam, seats["host"], "camera")
    host.wait_for(lambda: code(host) == code(sam) and CODE.match(code(host)), timeout=SLOW)


def test_a_substituted_key_shows_as_a_different_security_code(world, browsers):
    """The server (its test hook) swaps the public key Eve announces for one of its own: Alan and Sam
    agree with each other, Eve's code does not match theirs, and Eve decrypts nothing."""
    meeting = create_meeting(world.members["alan"], "Watched", waitingRoom="off", e2ee=True)
    host = member(browsers, world.server, "alan")
    enter(host, world.server, meeting["id"], None)
    sam = browsers()
    enter(sam, world.server, meeting["id"], "Sam Guest")
    frames_grow(host, seat_of(host, "Sam Guest"), "camera")
    eve = browsers()
    enter(eve, world.server, meeting["id"], VICTIM)
    host.wait_for(lambda: CODE.match(code(host)) and code(host) == code(sam) and epoch(host) == 3, timeout=SLOW)
    time.sleep(3)
    assert code(eve) != code(host), code(eve)
    # Eve's browser notices that the server lists another key than the one it announced.
    assert eve.driver.execute_script("return window.__dmE2EE.ownKeyMismatch") is True
    stats = e2ee_stats(eve)
    assert sum((stats.get("decrypted") or {}).values()) == 0, stats

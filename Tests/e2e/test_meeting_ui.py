"""The meeting side of the web client in headless Chromium (fake camera and microphone) against the
real server: the home page's meetings, the join page, the waiting room, the meeting room and its host
controls, and the final screens.

Each person is a separate Chromium (own cookies): Alan (a member) hosts, Bob is a guest who waits to
be let in, Grace (a member) joins directly and is later removed. Every assertion checks what someone
sees on their own screen after another person acted. Media goes through the server's SFU on loopback:
each browser decodes the others' video (RTCPeerConnection stats, read through the DevTools-injected
recorder in browser.py), over DTLS-SRTP, and a host's mute stops that person's audio at the others.
Screenshots of the main screens at 1280x720 and 390x844 go to Tests/e2e/artifacts/<test>/; console
errors and CSP violations fail the test. (The room without media is covered by the JS unit tests.)
"""

from __future__ import annotations

import json
import time

import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from browser import Browser, fill, sign_in
from signaling import MEMBERS, PERMISSIVE_POLICY, create_meeting, ok_json, world  # noqa: F401 - world is a fixture

SLOW = 60


@pytest.fixture
def browsers(artifacts_dir):
    """Makes independent Chromium instances (each its own profile and cookies); closes them all."""
    made: list[Browser] = []

    def make() -> Browser:
        browser = Browser(artifacts_dir)
        made.append(browser)
        return browser

    yield make
    for browser in made:
        browser.close()


def elements(browser, css: str) -> list:
    return browser.driver.find_elements(By.CSS_SELECTOR, css)


def visible(browser, css: str) -> bool:
    found = elements(browser, css)
    return bool(found) and found[0].is_displayed()


def text_of(browser, css: str) -> str:
    found = elements(browser, css)
    return found[0].get_attribute("textContent") if found else ""


def screenshots(browser, name: str) -> None:
    browser.screenshot(f"{name}-1280x720", 1280, 720)
    browser.screenshot(f"{name}-390x844", 390, 844)
    browser.driver.set_window_size(1280, 720)


def tile_names(browser) -> list[str]:
    return [tile.get_attribute("textContent") for tile in elements(browser, "#tiles .tile .tile__name")]


def tile_label(browser, name: str) -> str:
    for tile in elements(browser, "#tiles .tile"):
        label = tile.get_attribute("aria-label") or ""
        if label.startswith(name):
            return label
    return ""


def announced(browser) -> str:
    return text_of(browser, "#announcer")


def toasts(browser) -> str:
    return text_of(browser, "#toasts")


def open_people(browser) -> None:
    if browser.find("#panel-people").is_displayed():
        return
    browser.find("#people-toggle").click()
    browser.wait_for(lambda: browser.find("#panel-people").is_displayed())


def person_action(browser, name: str, action: str) -> None:
    """Opens the Actions menu of `name` in the People panel and clicks the action (data-action prefix)."""
    open_people(browser)

    def row():
        for item in elements(browser, "#people-list .people__item"):
            if item.find_element(By.CSS_SELECTOR, ".people__name").get_attribute("textContent").startswith(name):
                return item
        return None

    browser.wait_for(lambda: row() is not None)
    details = row().find_element(By.CSS_SELECTOR, "details")
    if not details.get_attribute("open"):
        details.find_element(By.CSS_SELECTOR, "summary").click()
    browser.wait_for(lambda: row().find_element(By.CSS_SELECTOR, f"[data-action^='{action}:']").is_displayed())
    row().find_element(By.CSS_SELECTOR, f"[data-action^='{action}:']").click()


def join_page(browser, server, meeting_id: str) -> None:
    browser.open(server.url(f"/m/{meeting_id}"))
    browser.wait_for(lambda: visible(browser, "#prejoin"), timeout=SLOW)


def join_as(browser, name: str | None = None) -> None:
    """On the join page: the name (guests), then Join."""
    if name is not None:
        fill(browser, displayName=name)
    browser.find("#join-button").click()


def in_room(browser) -> bool:
    return visible(browser, "#room") and len(elements(browser, "#tiles .tile")) > 0


# --- Media, from the page's RTCPeerConnection stats ---------------------------------------------------

SRTP_CIPHERS = ("AEAD_AES_128_GCM", "AES_CM_128_HMAC_SHA1_80")


def srtp_cipher(name: str | None) -> str | None:
    """The profile's name without the "SRTP_" prefix that this Chromium reports (SRTP_AEAD_AES_128_GCM)."""
    return name[len("SRTP_"):] if name and name.startswith("SRTP_") else name


def seat_of(browser, name: str) -> str:
    """The seat of the tile whose name starts with `name` (tiles carry it as data-seat)."""
    for tile in elements(browser, "#tiles .tile"):
        if tile.find_element(By.CSS_SELECTOR, ".tile__name").get_attribute("textContent").startswith(name):
            return tile.get_attribute("data-seat")
    raise AssertionError(f"no tile for {name}")


def inbound(browser, seat: str, source: str) -> dict:
    """Totals of the subscribe side's inbound stream whose msid track id is `<seat>-<source>`."""
    wanted = f"{seat}-{source}".lower()
    total = {"framesDecoded": 0, "packetsReceived": 0, "streams": 0}
    for connection in browser.media():
        if connection["role"] != "subscribe":
            continue
        for stream in connection["inbound"]:
            if (stream["track"] or "").lower() == wanted:
                total["framesDecoded"] += stream["framesDecoded"]
                total["packetsReceived"] += stream["packetsReceived"]
                total["streams"] += 1
    return total


def frames_grow(browser, seat: str, source: str = "camera") -> None:
    """Waits until frames of `<seat>-<source>` are decoded, then until more are (video keeps flowing)."""
    try:
        browser.wait_for(lambda: inbound(browser, seat, source)["framesDecoded"] > 0, timeout=SLOW)
        first = inbound(browser, seat, source)["framesDecoded"]
        browser.wait_for(lambda: inbound(browser, seat, source)["framesDecoded"] > first, timeout=SLOW)
    except TimeoutException:
        signals = browser.driver.execute_script("return window.__dmSignals")
        raise AssertionError(f"no frames of {seat}-{source}: {json.dumps(browser.media())}\nsignaling: {json.dumps(signals)}") from None


def publish_feedback(browser) -> dict:
    """Whether the publish connection has remote-inbound-rtp with a round-trip time for video (the SFU's
    receiver reports arrived), and its selected candidate pair's availableOutgoingBitrate."""
    result = {"video": False, "bitrate": 0}
    for connection in browser.media():
        # A connection with no remote description yet also counts as "publish"; only the live one matters.
        if connection["role"] != "publish" or connection["connectionState"] != "connected":
            continue
        if any(r["kind"] == "video" and r["roundTripTime"] is not None for r in connection.get("remoteInbound", [])):
            result["video"] = True
        result["bitrate"] = max([result["bitrate"]] + [t.get("availableOutgoingBitrate") or 0 for t in connection["transports"]])
    return result


def secure_transports(browser) -> list[dict]:
    """Both peer connections are up, each over a connected DTLS transport with an expected SRTP cipher."""
    connections = browser.media()
    roles = sorted(c["role"] for c in connections)
    assert roles == ["publish", "subscribe"], connections
    for connection in connections:
        assert connection["connectionState"] == "connected", connection
        assert connection["transports"], connection
        for transport in connection["transports"]:
            assert transport["dtlsState"] == "connected", transport
            assert srtp_cipher(transport["srtpCipher"]) in SRTP_CIPHERS, transport
    return connections


def audio_stopped(browser, seat: str) -> bool:
    """True once no audio packet of `seat` arrived for a second (samples one second apart agree)."""
    before = inbound(browser, seat, "microphone")["packetsReceived"]
    time.sleep(1)
    return inbound(browser, seat, "microphone")["packetsReceived"] == before


def audio_flowing(browser, seat: str) -> bool:
    before = inbound(browser, seat, "microphone")["packetsReceived"]
    time.sleep(0.5)
    return inbound(browser, seat, "microphone")["packetsReceived"] > before


def join_to_first_frame(browser) -> float | None:
    """Milliseconds from the Join click to the first remote video frame decoded, as the page measured it."""
    marks = browser.driver.execute_script("return window.__dmJoin")
    if not marks or marks["clickedAt"] is None or marks["firstFrameAt"] is None:
        return None
    return round(marks["firstFrameAt"] - marks["clickedAt"], 1)


def test_home_schedules_meetings_within_the_organisation_floor(world, browsers):
    """A host schedules a meeting from the home page: the organisation's refusal shows next to the
    setting it names, the saved meeting is listed with its invite link, edits show, and ending it
    removes it from the list (and the server reports it ended)."""
    alan = MEMBERS["alan"]
    world.set_policy(whoMayShareScreen="hosts")
    try:
        host = browsers()
        sign_in(host, world.server, alan["email"], alan["password"])
        host.wait_for(lambda: host.driver.current_url.rstrip("/").endswith("/account") or "/account" in host.driver.current_url, timeout=SLOW)
        host.open(world.server.url("/"))
        host.wait_for(lambda: visible(host, "#meetings"), timeout=SLOW)
        host.find("#schedule-meeting").click()
        host.wait_for(lambda: visible(host, "#meeting-form"))
        fill(host, title="Design review")
        # A datetime-local input's typing order depends on the locale; set it as a person's picker would.
        host.driver.execute_script("arguments[0].value = '2031-01-01T09:30'", host.find("#scheduledFor"))
        Select(host.find("#waitingRoom")).select_by_value("everyone")
        Select(host.find("#whoMayShareScreen")).select_by_value("everyone")
        host.find("#passcodeRequired").click()
        fill(host, passcode="24681357")
        host.find("#meeting-save").click()
        # The floor refuses screen sharing for everyone; the message sits next to that setting.
        host.wait_for(lambda: "only hosts share screens" in text_of(host, "#whoMayShareScreen-error"), timeout=SLOW)
        assert host.find("#whoMayShareScreen").get_attribute("aria-invalid") == "true"
        screenshots(host, "home-schedule-refused")

        Select(host.find("#whoMayShareScreen")).select_by_value("hosts")
        host.find("#meeting-save").click()
        host.wait_for(lambda: "Scheduled “Design review”" in text_of(host, "#meetings-status"), timeout=SLOW)
        host.wait_for(lambda: "Design review" in text_of(host, "#meetings-list"))
        listed = ok_json(world.members["alan"].get("/api/v1/meetings"))["meetings"]
        meeting = next(m for m in listed if m["title"] == "Design review")
        assert meeting["settings"]["waitingRoom"] == "everyone"
        assert meeting["passcodeRequired"] is True
        assert meeting["scheduledFor"].startswith("2031-01-01")
        link = host.find(f"#link-{meeting['id']}").get_attribute("value")
        assert link == world.server.url(f"/m/{meeting['id']}")
        host.find(f"[data-meeting='{meeting['id']}'] .row-actions button").click()  # Copy invite link
        host.wait_for(lambda: "Design review" in text_of(host, "#meetings-status") and ("copied" in text_of(host, "#meetings-status") or "copy the link" in text_of(host, "#meetings-status")))
        screenshots(host, "home-meetings")

        # A guest with the link needs the passcode: a wrong one is refused next to the field, the
        # right one leads to the waiting room (this meeting has one for everyone).
        guest = browsers()
        join_page(guest, world.server, meeting["id"])
        assert guest.find("#passcode").is_displayed()
        fill(guest, displayName="Pat Guest", passcode="11112222")
        guest.find("#join-button").click()
        guest.wait_for(lambda: "passcode is not right" in text_of(guest, "#passcode-error"), timeout=SLOW)
        assert guest.find("#passcode").get_attribute("aria-invalid") == "true"
        fill(guest, passcode="24681357")
        guest.find("#join-button").click()
        guest.wait_for(lambda: visible(guest, "#waiting"), timeout=SLOW)
        assert guest.problems(expected_api_statuses=(401, 403)) == []

        host.find(f"[data-meeting='{meeting['id']}'] button[aria-label='Edit Design review']").click()
        host.wait_for(lambda: host.find("#title").get_attribute("value") == "Design review")
        assert Select(host.find("#waitingRoom")).first_selected_option.get_attribute("value") == "everyone"
        fill(host, title="Design review (moved)")
        host.find("#meeting-save").click()
        host.wait_for(lambda: "Design review (moved)" in text_of(host, "#meetings-list"), timeout=SLOW)

        host.find(f"[data-meeting='{meeting['id']}'] button[aria-label='End Design review (moved)']").click()
        host.wait_for(lambda: visible(host, "#end-meeting-dialog"))
        host.find("#end-meeting-confirm").click()
        host.wait_for(lambda: "Ended “Design review (moved)”" in text_of(host, "#meetings-status"), timeout=SLOW)
        assert f"data-meeting=\"{meeting['id']}\"" not in host.find("#meetings-list").get_attribute("innerHTML")
        assert ok_json(world.members["alan"].get(f"/api/v1/meetings/{meeting['id']}"))["ended"] is True
        # Pat, still in the waiting room, is told too.
        guest.wait_for(lambda: visible(guest, "#final") and guest.find("#final-title").text == "The meeting has ended", timeout=SLOW)
        # "New meeting" starts one now and goes straight to its join page.
        host.find("#new-meeting").click()
        host.wait_for(lambda: "/m/" in host.driver.current_url and visible(host, "#prejoin"), timeout=SLOW)
        assert host.find("#prejoin-title").text == "Join “Alan Turing's meeting”"
        instant_id = host.driver.current_url.rsplit("/m/", 1)[1]
        assert ok_json(world.members["alan"].get(f"/api/v1/meetings/{instant_id}"))["title"] == "Alan Turing's meeting"
        # The refused save is the only failed request the page made.
        assert host.problems(expected_api_statuses=(400,)) == []
    finally:
        world.set_policy(**PERMISSIVE_POLICY)


def test_host_and_two_participants_through_the_meeting_ui(world, browsers):
    """Waiting room → admit; chat; raise hand; mute (with the banner); the screen-share restriction;
    remove (and the failed rejoin); lock (a newcomer is refused); end for all."""
    server = world.server
    alan, grace = MEMBERS["alan"], MEMBERS["grace"]
    meeting = create_meeting(world.members["alan"], "Weekly sync", waitingRoom="guests", whoMayShareScreen="hosts")
    meeting_id = meeting["id"]

    # Alan, the host, signs in and checks his devices before joining.
    host = browsers()
    sign_in(host, server, alan["email"], alan["password"])
    host.wait_for(lambda: "/account" in host.driver.current_url, timeout=SLOW)
    join_page(host, server, meeting_id)
    assert "Weekly sync" in host.find("#prejoin-title").text
    assert host.find("#displayName").get_attribute("value") == alan["name"]
    assert host.find("#displayName").get_attribute("readonly") is not None
    assert not host.find("#passcode-field").is_displayed()
    # The fake camera plays in the preview, and the device pickers list the fake devices.
    host.wait_for(lambda: host.driver.execute_script("return document.getElementById('preview-video').videoWidth") > 0, timeout=SLOW)
    assert len(elements(host, "#camera-select option")) >= 1
    assert len(elements(host, "#mic-select option")) >= 1
    screenshots(host, "join-device-check")
    join_as(host)
    host.wait_for(lambda: in_room(host), timeout=SLOW)
    assert tile_names(host) == [f"{alan['name']} (you)"]
    # Media works here: no "not available" notice; the host's own tile shows his camera.
    host.wait_for(lambda: len([c for c in host.media() if c["role"] == "publish" and c["connectionState"] == "connected"]) == 1, timeout=SLOW)
    assert not visible(host, "#media-status")
    assert host.find(".tile .tile__avatar").get_attribute("textContent") == "AT"
    # The SFU's receiver reports reach the publishing browser (remote-inbound-rtp with a round-trip
    # time), and with REMB and loss-free reports Chromium's estimate leaves its 300 kbps start.
    try:
        host.wait_for(lambda: publish_feedback(host)["video"] and publish_feedback(host)["bitrate"] > 300_000, timeout=SLOW)
    except TimeoutException:
        raise AssertionError(f"no receiver feedback on the publish connection: {json.dumps(host.media())}") from None
    assert host.driver.execute_script("return document.querySelector('#tiles .tile--self video').videoWidth") > 0

    # Bob, a guest, waits; the waiting screen shows nothing of the meeting.
    bob = browsers()
    join_page(bob, server, meeting_id)
    assert bob.find("#displayName").get_attribute("readonly") is None
    join_as(bob, "Bob Guest")
    bob.wait_for(lambda: visible(bob, "#waiting"), timeout=SLOW)
    # The host is told at once (a toast, and a count on the People button).
    host.wait_for(lambda: "Bob Guest is waiting to join." in toasts(host), timeout=SLOW)
    assert host.find("#people-waiting").text == "1"
    assert bob.find("#waiting-title").text == "The host will let you in soon"
    waiting_text = bob.find("#waiting").text
    assert "Weekly sync" not in waiting_text and alan["name"] not in waiting_text
    screenshots(bob, "waiting-room")

    # The host admits Bob from the People panel.
    open_people(host)
    host.wait_for(lambda: "Bob Guest" in text_of(host, "#waiting-list"))
    screenshots(host, "room-host-waiting-list")
    host.find("#waiting-list [data-action^='admit:']").click()
    host.wait_for(lambda: "You admitted Bob Guest." in toasts(host), timeout=SLOW)
    bob.wait_for(lambda: in_room(bob), timeout=SLOW)
    assert sorted(tile_names(bob)) == sorted([alan["name"], "Bob Guest (you)"])
    host.wait_for(lambda: "Bob Guest (you)" not in tile_names(host) and "Bob Guest" in tile_names(host))
    host.wait_for(lambda: "Bob Guest joined" in announced(host))

    # Grace, a member, joins directly (the waiting room is for guests).
    grace_browser = browsers()
    sign_in(grace_browser, server, grace["email"], grace["password"])
    grace_browser.wait_for(lambda: "/account" in grace_browser.driver.current_url, timeout=SLOW)
    join_page(grace_browser, server, meeting_id)
    join_as(grace_browser)
    grace_browser.wait_for(lambda: in_room(grace_browser), timeout=SLOW)
    for browser in (host, bob, grace_browser):
        browser.wait_for(lambda b=browser: len(tile_names(b)) == 3, timeout=SLOW)
    bob.wait_for(lambda: "Grace Hopper joined" in announced(bob))

    # Everyone sees everyone else's video: frames of each other person's camera are decoded (by msid
    # "<SEAT>-camera"), and keep coming, over DTLS-SRTP with a negotiated SRTP profile.
    people = {"host": host, "bob": bob, "grace": grace_browser}
    names = {"host": alan["name"], "bob": "Bob Guest", "grace": grace["name"]}
    seats = {key: seat_of(host, names[key]) for key in people if key != "host"}
    seats["host"] = seat_of(bob, alan["name"])
    for key, browser in people.items():
        for other in people:
            if other != key:
                frames_grow(browser, seats[other], "camera")
                browser.wait_for(lambda b=browser, o=other: b.driver.execute_script(
                    "return document.querySelector(`#tiles .tile[data-seat='${arguments[0]}'] video`).videoWidth", seats[o]) > 0, timeout=SLOW)
        secure_transports(browser)
    # How long Grace (who joined straight into a meeting with two people sending) waited for video.
    timing = {
        "joinToFirstRemoteVideoFrameMs": {"grace": join_to_first_frame(grace_browser)},
        "graceTransports": [{"role": c["role"], "transports": c["transports"]} for c in grace_browser.media()],
        # [page ms, direction, type, event, id, version, …]: the signaling and connection milestones.
        "graceTimeline": grace_browser.driver.execute_script("return window.__dmSignals"),
        "graceFirstFrameAt": grace_browser.driver.execute_script("return window.__dmJoin"),
    }
    (grace_browser.artifacts / "join-to-first-frame.json").write_text(json.dumps(timing, indent=2) + "\n")
    print(f"Join click -> first remote video frame decoded (Grace): {timing['joinToFirstRemoteVideoFrameMs']['grace']} ms")
    screenshots(host, "room-live-video")
    screenshots(grace_browser, "room-live-video-grace")
    # Bob joined with his microphone on: his audio reaches Alan and Grace.
    for browser in (host, grace_browser):
        browser.wait_for(lambda b=browser: audio_flowing(b, seats["bob"]), timeout=SLOW)

    # Chat: Bob writes; the host reads it in the chat panel and Grace hears it through the live region.
    bob.find("#chat-toggle").click()
    bob.wait_for(lambda: visible(bob, "#chat-input"))
    bob.find("#chat-input").send_keys("Hello from Bob" + Keys.ENTER)
    grace_browser.wait_for(lambda: "Bob Guest says: Hello from Bob" in announced(grace_browser), timeout=SLOW)
    host.wait_for(lambda: host.find("#chat-unread").text == "1")
    host.find("#chat-toggle").click()
    host.wait_for(lambda: "Hello from Bob" in text_of(host, "#chat-list"))
    bob.wait_for(lambda: "You" in text_of(bob, "#chat-list .chat__message--mine"))
    screenshots(bob, "room-chat")

    # Raise hand with the keyboard shortcut: everyone sees and hears it.
    grace_browser.find("body").send_keys("h")
    host.wait_for(lambda: "hand raised" in tile_label(host, "Grace Hopper"), timeout=SLOW)
    host.wait_for(lambda: "Grace Hopper raised their hand" in announced(host))
    bob.wait_for(lambda: "hand raised" in tile_label(bob, "Grace Hopper"))
    assert grace_browser.find("#hand-toggle").get_attribute("aria-pressed") == "true"

    # The host mutes Bob: Bob sees the banner and his microphone off; everyone sees him muted.
    person_action(host, "Bob Guest", "mute")
    bob.wait_for(lambda: "The host muted you." in text_of(bob, "#banners"), timeout=SLOW)
    assert bob.find("#mic-label").text == "Unmute"
    assert bob.find("#mic-toggle").get_attribute("aria-pressed") == "false"
    host.wait_for(lambda: "You muted Bob Guest." in toasts(host))
    grace_browser.wait_for(lambda: "muted" in tile_label(grace_browser, "Bob Guest"))
    # The SFU stops forwarding Bob's microphone: no more of his audio packets reach the others.
    for browser in (host, grace_browser):
        browser.wait_for(lambda b=browser: audio_stopped(b, seats["bob"]), timeout=SLOW)
    screenshots(bob, "room-muted-banner")
    # A host can only ask: Bob gets the request with an Unmute button, and unmuting is his own act.
    person_action(host, "Bob Guest", "ask")
    bob.wait_for(lambda: "The host asks you to unmute." in text_of(bob, "#banners"), timeout=SLOW)
    assert bob.find("#mic-label").text == "Unmute"
    bob.find("#banners [data-banner='unmute'] .button--primary").click()
    bob.wait_for(lambda: bob.find("#mic-label").text == "Mute")
    host.wait_for(lambda: "microphone on" in tile_label(host, "Bob Guest"), timeout=SLOW)
    # Unmuting himself sends his audio again.
    for browser in (host, grace_browser):
        browser.wait_for(lambda b=browser: audio_flowing(b, seats["bob"]), timeout=SLOW)

    # Screen sharing is for hosts here: Bob's button is disabled and says why.
    share = bob.find("#share-toggle")
    assert share.get_attribute("aria-disabled") == "true"
    assert "Only the host and co-hosts can share their screen" in bob.find("#share-reason").text
    share.click()
    bob.wait_for(lambda: "Only the host and co-hosts can share their screen" in toasts(bob))
    # The host opens it to everyone; Bob's button comes alive with a notice.
    open_people(host)
    Select(host.find("#share-rule")).select_by_value("everyone")
    bob.wait_for(lambda: bob.find("#share-toggle").get_attribute("aria-disabled") == "false", timeout=SLOW)
    assert "Everyone can share their screen now." in toasts(bob)
    assert not bob.find("#share-reason").is_displayed()
    # Bob shares (the fake capture picks a screen): everyone sees him presenting, his tile large.
    bob.find("#share-toggle").click()
    bob.wait_for(lambda: "You're sharing your screen." in toasts(bob), timeout=SLOW)
    assert bob.find("#share-label").text == "Stop sharing"
    host.wait_for(lambda: "presenting" in tile_label(host, "Bob Guest"), timeout=SLOW)
    host.wait_for(lambda: "tile--screen" in host.find("#tiles .tile").get_attribute("class"))
    assert host.find("#tiles").get_attribute("data-mode") == "screen"
    # The screen is a new track on Bob's publish connection: the host and Grace decode it, and the
    # host's large tile shows it.
    for browser in (host, grace_browser):
        frames_grow(browser, seats["bob"], "screen")
    host.wait_for(lambda: host.driver.execute_script("return document.querySelector('#tiles .tile--screen video').videoWidth") > 0, timeout=SLOW)
    screenshots(host, "room-screen-share")
    # The host stops it; Bob is told and his capture ends.
    person_action(host, "Bob Guest", "share")
    bob.wait_for(lambda: "The host stopped your screen share." in text_of(bob, "#banners"), timeout=SLOW)
    bob.wait_for(lambda: bob.find("#share-label").text == "Share screen")
    host.wait_for(lambda: "presenting" not in tile_label(host, "Bob Guest"))
    assert bob.driver.execute_script("return document.querySelector('#tiles .tile--screen') === null")
    # Bob's camera still reaches the others after the screen went away.
    frames_grow(host, seats["bob"], "camera")

    # Remove Grace without allowing her back: she sees why, and her rejoin is refused.
    person_action(host, "Grace Hopper", "remove")
    host.wait_for(lambda: visible(host, "#remove-dialog"))
    assert host.find("#remove-name").text == "Grace Hopper"
    assert not host.find("#remove-allow-rejoin").is_selected()
    host.find("#remove-confirm").click()
    grace_browser.wait_for(lambda: visible(grace_browser, "#final"), timeout=SLOW)
    assert grace_browser.find("#final-title").text == "A host removed you from the meeting"
    assert "can't join this meeting again" in grace_browser.find("#final-text").text
    assert not grace_browser.find("#final-rejoin").is_displayed()
    screenshots(grace_browser, "final-removed")
    host.wait_for(lambda: len(tile_names(host)) == 2, timeout=SLOW)
    bob.wait_for(lambda: "Grace Hopper was removed from the meeting" in announced(bob))
    join_page(grace_browser, server, meeting_id)
    join_as(grace_browser)
    grace_browser.wait_for(lambda: "removed you from this meeting" in text_of(grace_browser, "#prejoin-message"), timeout=SLOW)
    assert visible(grace_browser, "#prejoin-message")

    # Lock: everyone sees the lock; a newcomer (a fresh guest) is refused with a clear message.
    open_people(host)
    host.find("#lock-toggle").click()
    host.wait_for(lambda: visible(host, "#indicator-locked"), timeout=SLOW)
    bob.wait_for(lambda: visible(bob, "#indicator-locked"))
    bob.wait_for(lambda: "Alan Turing locked the meeting." in toasts(bob))
    assert host.find("#lock-toggle").text == "Unlock meeting"
    screenshots(host, "room-host-locked")
    late = browsers()
    join_page(late, server, meeting_id)
    join_as(late, "Late Larry")
    late.wait_for(lambda: "This meeting is locked" in text_of(late, "#prejoin-message"), timeout=SLOW)
    screenshots(late, "join-refused-locked")
    assert "Late" not in text_of(host, "#waiting-list")

    # Recording: everyone else is asked to consent (or leave); all see the red indicator.
    open_people(host)
    host.find("#recording-toggle").click()
    bob.wait_for(lambda: visible(bob, "#consent-dialog"), timeout=SLOW)
    assert "being recorded" in bob.find("#consent-title").text
    screenshots(bob, "room-recording-consent")
    bob.find("#consent-stay").click()
    bob.wait_for(lambda: "You're staying in the recorded meeting." in toasts(bob), timeout=SLOW)
    for browser in (host, bob):
        browser.wait_for(lambda b=browser: visible(b, "#indicator-recording"))
    assert not visible(host, "#consent-dialog")
    host.wait_for(lambda: host.find("#recording-toggle").text == "Stop recording")

    # The keyboard help lists the shortcuts.
    bob.find("#help-button").click()
    bob.wait_for(lambda: visible(bob, "#help-dialog"))
    assert "Raise or lower your hand" in bob.find("#shortcut-list").text
    screenshots(bob, "room-shortcuts")
    bob.find("#help-dialog button").click()

    # End for all: everyone sees the end screen.
    open_people(host)
    host.find("#end-for-all").click()
    host.wait_for(lambda: visible(host, "#end-dialog"))
    host.find("#end-confirm").click()
    for browser in (host, bob):
        browser.wait_for(lambda b=browser: visible(b, "#final") and b.find("#final-title").text == "The meeting has ended", timeout=SLOW)
    screenshots(bob, "final-ended")
    assert ok_json(world.members["alan"].get(f"/api/v1/meetings/{meeting_id}"))["ended"] is True

    # No console errors or CSP violations anywhere, except the refusals the test provoked (403 tickets).
    for name, browser in (("host", host), ("bob", bob), ("grace", grace_browser), ("late", late)):
        assert browser.problems(expected_api_statuses=(403,)) == [], name


def test_deny_and_a_co_host_who_admits(world, browsers):
    """The host turns a waiting guest away (the guest sees that they were not let in), makes a member
    co-host (she is told, and gets the waiting list and controls, but not "end for all"), and the
    co-host admits the next guest."""
    server = world.server
    alan, grace = MEMBERS["alan"], MEMBERS["grace"]
    meeting = create_meeting(world.members["alan"], "Office hours", waitingRoom="guests")
    meeting_id = meeting["id"]

    host = browsers()
    sign_in(host, server, alan["email"], alan["password"])
    host.wait_for(lambda: "/account" in host.driver.current_url, timeout=SLOW)
    join_page(host, server, meeting_id)
    join_as(host)
    host.wait_for(lambda: in_room(host), timeout=SLOW)

    turned_away = browsers()
    join_page(turned_away, server, meeting_id)
    join_as(turned_away, "Mallory Guest")
    turned_away.wait_for(lambda: visible(turned_away, "#waiting"), timeout=SLOW)
    open_people(host)
    host.wait_for(lambda: "Mallory Guest" in text_of(host, "#waiting-list"), timeout=SLOW)
    host.find("#waiting-list [data-action^='deny:']").click()
    turned_away.wait_for(lambda: visible(turned_away, "#final"), timeout=SLOW)
    assert turned_away.find("#final-title").text == "The host did not let you in"
    host.wait_for(lambda: "You did not let Mallory Guest in." in toasts(host))
    host.wait_for(lambda: "Mallory Guest" not in text_of(host, "#waiting-list"))
    screenshots(turned_away, "final-denied")

    helper = browsers()
    sign_in(helper, server, grace["email"], grace["password"])
    helper.wait_for(lambda: "/account" in helper.driver.current_url, timeout=SLOW)
    join_page(helper, server, meeting_id)
    join_as(helper)
    helper.wait_for(lambda: in_room(helper), timeout=SLOW)
    open_people(helper)
    assert not helper.find("#host-controls").is_displayed()
    person_action(host, "Grace Hopper", "cohost")
    helper.wait_for(lambda: "You are now a co-host." in toasts(helper), timeout=SLOW)
    helper.wait_for(lambda: helper.find("#host-controls").is_displayed())
    assert not helper.find("#end-for-all").is_displayed()
    host.wait_for(lambda: "co-host" in tile_label(host, "Grace Hopper"))

    newcomer = browsers()
    join_page(newcomer, server, meeting_id)
    join_as(newcomer, "Nina Guest")
    newcomer.wait_for(lambda: visible(newcomer, "#waiting"), timeout=SLOW)
    helper.wait_for(lambda: "Nina Guest" in text_of(helper, "#waiting-list"), timeout=SLOW)
    helper.find("#waiting-list [data-action^='admit:']").click()
    newcomer.wait_for(lambda: in_room(newcomer), timeout=SLOW)
    host.wait_for(lambda: "Nina Guest" in tile_names(host))
    for name, browser in (("host", host), ("denied", turned_away), ("co-host", helper), ("newcomer", newcomer)):
        assert browser.problems() == [], name


def test_the_room_resumes_its_place_after_a_server_restart(world, browsers):
    """The server goes away mid-meeting: both people see "Reconnecting…", and once it is back each
    browser resumes its own seat (resume token) by itself: the same people, video flows again, and
    chat reaches the other side again. (Runs last in this module: it restarts the module's server.)"""
    server = world.server
    alan = MEMBERS["alan"]
    meeting = create_meeting(world.members["alan"], "Resilience drill", waitingRoom="off")

    host = browsers()
    sign_in(host, server, alan["email"], alan["password"])
    host.wait_for(lambda: "/account" in host.driver.current_url, timeout=SLOW)
    join_page(host, server, meeting["id"])
    join_as(host)
    host.wait_for(lambda: in_room(host), timeout=SLOW)
    guest = browsers()
    join_page(guest, server, meeting["id"])
    join_as(guest, "Rita Guest")
    guest.wait_for(lambda: in_room(guest), timeout=SLOW)
    host.wait_for(lambda: "Rita Guest" in tile_names(host), timeout=SLOW)

    server.stop()
    for browser in (host, guest):
        browser.wait_for(lambda b=browser: visible(b, "#reconnecting"), timeout=SLOW)
        assert "Reconnecting" in browser.find("#reconnecting").text
    guest.screenshot("reconnecting-1280x720")
    server.start()
    for browser in (host, guest):
        browser.wait_for(lambda b=browser: not visible(b, "#reconnecting") and visible(b, "#room"), timeout=SLOW)
    assert sorted(tile_names(host)) == sorted([f"{alan['name']} (you)", "Rita Guest"])
    assert sorted(tile_names(guest)) == sorted([alan["name"], "Rita Guest (you)"])
    # The restarted server brought both seats back muted with the camera off; each browser says again
    # what it sends, and media starts again on the new SFU: each side decodes the other's camera.
    host.wait_for(lambda: "camera on" in tile_label(host, "Rita Guest") and "microphone on" in tile_label(host, "Rita Guest"), timeout=SLOW)
    frames_grow(host, seat_of(host, "Rita Guest"), "camera")
    frames_grow(guest, seat_of(guest, alan["name"]), "camera")
    for browser in (host, guest):
        secure_transports(browser)
    guest.find("#chat-toggle").click()
    guest.wait_for(lambda: visible(guest, "#chat-input"))
    guest.find("#chat-input").send_keys("Still here" + Keys.ENTER)
    host.wait_for(lambda: "Rita Guest says: Still here" in announced(host), timeout=SLOW)
    for name, browser in (("host", host), ("guest", guest)):
        # While the server was down the browser could not reach it; nothing else may go wrong.
        problems = [p for p in browser.problems() if "ERR_CONNECTION_REFUSED" not in p and "WebSocket" not in p]
        assert problems == [], name

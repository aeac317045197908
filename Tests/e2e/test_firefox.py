"""The meeting page in Firefox (Debian's firefox-esr over WebDriver BiDi, see firefox.py) with a
Chromium host: a Firefox guest joins from the link with the fake camera and microphone, each side
decodes the other's video through the SFU, chat crosses over, and Firefox's console stays free of
errors and CSP violations; and the same two in an end-to-end encrypted meeting (Firefox's
RTCRtpScriptTransform path), agreeing on the security code.
"""

from __future__ import annotations

import pytest

from firefox import FIREFOX, Firefox, Namespace
from signaling import MEMBERS, create_meeting, make_world
from test_meeting_ui import SLOW, browsers, frames_grow, in_room, join_as, join_page, seat_of, tile_names  # noqa: F401 - browsers is a fixture
from browser import sign_in

pytestmark = pytest.mark.skipif(FIREFOX is None, reason="firefox-esr is not installed (scripts/test installs it)")


@pytest.fixture(scope="module")
def namespace():
    made = Namespace()
    yield made
    made.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory, namespace):
    # SQLite only: this is about the browser; the databases have their own tests. The SFU binds the
    # host end of the namespace's link, where both Firefox (inside) and Chromium (outside) reach it.
    made = make_world("test_firefox", "sqlite", tmp_path_factory, MEDIA_HOST=namespace.host_address, MEDIA_ANNOUNCED_ADDRESSES=namespace.host_address)
    built = next(made)
    namespace.expose_host_port(built.server.https_port)
    yield built
    next(made, None)


@pytest.fixture
def firefox(artifacts_dir, namespace):
    browser = Firefox(artifacts_dir, namespace)
    yield browser
    browser.close()


def firefox_frames(firefox: Firefox, seat: str, source: str = "camera") -> int:
    wanted = f"{seat}-{source}".lower()
    return sum(
        stream["framesDecoded"]
        for connection in firefox.media()
        if connection["role"] == "subscribe"
        for stream in connection["inbound"]
        if (stream["track"] or "").lower() == wanted
    )


def host_joins(world, browsers, meeting_id: str):
    """Alan, signed in, joins from Chromium."""
    alan = MEMBERS["alan"]
    host = browsers()
    sign_in(host, world.server, alan["email"], alan["password"])
    host.wait_for(lambda: "/account" in host.driver.current_url, timeout=SLOW)
    join_page(host, world.server, meeting_id)
    join_as(host)
    host.wait_for(lambda: in_room(host), timeout=SLOW)
    return host


def firefox_joins(firefox: Firefox, server, meeting_id: str, *, screenshot: str | None = None, before_join=None) -> None:
    """Fern opens the link in Firefox, waits for the device check's fake camera, and joins as a guest."""
    firefox.open(server.url(f"/m/{meeting_id}"))
    firefox.wait_for(lambda: firefox.visible("#prejoin"), timeout=SLOW, message="the join page did not show")
    firefox.wait_for(lambda: firefox.run("document.getElementById('preview-video').videoWidth") > 0, timeout=SLOW, message="no camera preview")
    if screenshot:
        firefox.screenshot(screenshot)
    if before_join:
        before_join()
    firefox.fill(displayName="Fern Firefox")
    firefox.click("#join-button")
    firefox.wait_for(lambda: firefox.visible("#room"), timeout=SLOW, message="Firefox did not enter the room")


def each_decodes_the_other(host, firefox: Firefox) -> None:
    """Chromium decodes Fern's camera and Firefox decodes Alan's, and both keep coming."""
    frames_grow(host, seat_of(host, "Fern Firefox"), "camera")
    alan_seat = firefox.run("document.querySelector('#tiles .tile:not(.tile--self)').dataset.seat")
    first = firefox.wait_for(lambda: firefox_frames(firefox, alan_seat), timeout=SLOW, message=f"Firefox decoded no frames: {firefox.media()}")
    firefox.wait_for(lambda: firefox_frames(firefox, alan_seat) > first, timeout=SLOW, message="Firefox's video stalled")


def test_a_firefox_guest_meets_a_chromium_host(world, browsers, firefox):
    alan = MEMBERS["alan"]
    meeting = create_meeting(world.members["alan"], "Across browsers", waitingRoom="off")
    host = host_joins(world, browsers, meeting["id"])
    firefox_joins(firefox, world.server, meeting["id"], screenshot="firefox-join-1280x720")
    try:
        each_decodes_the_other(host, firefox)
    except AssertionError as error:
        raise AssertionError(f"{error}\nFirefox's signaling: {firefox.run('window.__dmSignals')}\nFirefox's media: {firefox.media()}") from None
    assert sorted(firefox.run("[...document.querySelectorAll('#tiles .tile .tile__name')].map((e) => e.textContent)")) == sorted(
        [alan["name"], "Fern Firefox (you)"]
    )
    firefox.screenshot("firefox-room-1280x720")

    # Chat from Firefox reaches the host.
    firefox.click("#chat-toggle")
    firefox.fill(**{"chat-input": "Hello from Firefox"})
    firefox.click("#chat-send")
    host.wait_for(lambda: "Hello from Firefox" in host.find("#chat-list").get_attribute("textContent") or "Hello from Firefox" in host.find("#toasts").get_attribute("textContent"), timeout=SLOW)

    assert firefox.problems() == []
    assert host.problems() == []


def test_firefox_and_chromium_meet_end_to_end_encrypted(world, browsers, firefox):
    """Firefox encrypts through RTCRtpScriptTransform in a worker (Chromium here takes the same path):
    each decodes the other's camera, and both show the same security code."""
    meeting = create_meeting(world.members["alan"], "Across browsers, encrypted", waitingRoom="off", e2ee=True)
    host = host_joins(world, browsers, meeting["id"])

    def has_script_transform():
        assert firefox.run("typeof RTCRtpScriptTransform") == "function"

    firefox_joins(firefox, world.server, meeting["id"], before_join=has_script_transform)
    each_decodes_the_other(host, firefox)

    def code_of_host() -> str:
        return host.find("#security-code").get_attribute("textContent").strip()

    firefox.wait_for(
        lambda: firefox.run("document.getElementById('security-code').textContent.trim()") == code_of_host() and code_of_host()[:1].isdigit(),
        timeout=SLOW,
        message="the security codes differ",
    )
    stats = firefox.run("window.__dmE2EE.stats()")
    assert stats["decrypted"]["video"] > 0 and stats["encrypted"]["video"] > 0, stats
    firefox.screenshot("firefox-e2ee-room-1280x720")
    assert firefox.problems() == []
    assert host.problems() == []

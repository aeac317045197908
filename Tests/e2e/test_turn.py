"""Media relayed through a real TURN server (Debian's coturn) with the time-limited credentials the
join answer hands out: with `turn.relayOnly` the participants' aiortc peers may use only relay
candidates, so decoded frames prove the path browser → coturn → SFU → coturn → browser works. coturn
holds two secrets, as during a rotation: credentials made with either work, a wrong or expired one
does not."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
import shutil
import subprocess
import time

import pytest
from aiortc import RTCConfiguration, RTCIceServer
from aiortc.rtcconfiguration import RTCIceTransportPolicy

from conftest import free_udp_port
from media import MediaParticipant, configuration_from
from signaling import _server_logs_on_failure, create_meeting, make_world, Party, run  # noqa: F401

VIDEO_FRAMES = 30
OLD_SECRET = secrets.token_hex(32)
NEW_SECRET = secrets.token_hex(32)
REALM = "digitalmeet.test"


@pytest.fixture(scope="module")
def coturn(tmp_path_factory):
    """coturn on 127.0.0.1 with both secrets, relaying on 127.0.0.1 (loopback peers allowed for the test)."""
    if shutil.which("turnserver") is None:
        pytest.fail("coturn's turnserver is not installed (scripts/test installs the coturn package)")
    folder = tmp_path_factory.mktemp("coturn")
    port = free_udp_port()
    relay_start = 40000 + secrets.randbelow(20000)
    config = folder / "turnserver.conf"
    config.write_text(
        "\n".join(
            [
                "listening-ip=127.0.0.1",
                f"listening-port={port}",
                "relay-ip=127.0.0.1",
                f"min-port={relay_start}",
                f"max-port={relay_start + 200}",
                "use-auth-secret",
                f"static-auth-secret={OLD_SECRET}",
                f"static-auth-secret={NEW_SECRET}",
                f"realm={REALM}",
                "allow-loopback-peers",
                "no-multicast-peers",
                "no-tls",
                "no-dtls",
                "no-cli",
                "fingerprint",
                f"pidfile={folder / 'turnserver.pid'}",
                f"log-file={folder / 'turnserver.log'}",
                "simple-log",
                "verbose",
            ]
        )
        + "\n"
    )
    process = subprocess.Popen(["turnserver", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        log = folder / "turnserver.log"
        while not (log.exists() and "listener opened on" in log.read_text(errors="replace")):
            assert process.poll() is None, f"coturn exited: {log.read_text(errors='replace') if log.exists() else ''}"
            assert time.monotonic() < deadline, "coturn did not start"
            time.sleep(0.1)
        yield {"port": port, "log": log}
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def world(coturn, tmp_path_factory):
    yield from make_world(
        "test_turn",
        "sqlite",
        tmp_path_factory,
        TURN_URLS=f"turn:127.0.0.1:{coturn['port']}?transport=udp",
        TURN_SECRET=NEW_SECRET,
        TURN_RELAY_ONLY="true",
    )


def credential(secret: str, expires: int, user: str = "test") -> tuple[str, str]:
    username = f"{expires}:{user}"
    return username, base64.b64encode(hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()).decode()


def relay_only(coturn, username: str, password: str) -> RTCConfiguration:
    server = RTCIceServer(urls=[f"turn:127.0.0.1:{coturn['port']}?transport=udp"], username=username, credential=password)
    return RTCConfiguration(iceServers=[server], iceTransportPolicy=RTCIceTransportPolicy.RELAY)


async def on_air(socket, configuration: RTCConfiguration) -> MediaParticipant:
    await socket.ok("media", audioMuted=False, videoOn=True)
    media = MediaParticipant(socket, configuration)
    assert (await media.publish()).get("type") == "ok"
    assert (await media.subscribe()).get("type") == "ok"
    return media


def test_relay_only_participants_meet_through_coturn_with_the_credentials_they_were_given(world, coturn):
    meeting = create_meeting(world.owner, "Relayed")

    async def scenario():
        async with Party(world.server) as party:
            host = await party.enter(world.owner, meeting["id"], "Ada")
            alan = await party.enter(world.members["alan"], meeting["id"], "Alan")
            given = host.joined["meeting"]["media"]
            assert given["iceTransportPolicy"] == "relay"
            people = [await on_air(socket, configuration_from(socket.joined["meeting"]["media"])) for socket in (host, alan)]
            try:
                await people[0].wait_for_frames(f"{alan.seat}-camera", VIDEO_FRAMES)
                await people[1].wait_for_frames(f"{host.seat}-camera", VIDEO_FRAMES)
            finally:
                for media in people:
                    await media.close()

    run(scenario())
    log = coturn["log"].read_text(errors="replace")
    assert "ALLOCATE processed, success" in log, "the media did not go through coturn"


def test_during_a_rotation_old_and_new_credentials_work_and_wrong_or_expired_ones_do_not(world, coturn):
    meeting = create_meeting(world.owner, "Rotation")
    later = int(time.time()) + 3600

    async def connects(configuration: RTCConfiguration) -> bool:
        async with Party(world.server) as party:
            host = await party.enter(world.owner, meeting["id"], "Ada")
            media = MediaParticipant(host, configuration)
            try:
                await host.ok("media", audioMuted=False, videoOn=True)
                reply = await media.publish()
                if reply.get("type") != "ok":
                    return False
                for _ in range(150):
                    if media.publisher.connectionState in ("connected", "failed", "closed"):
                        break
                    await asyncio.sleep(0.1)
                return media.publisher.connectionState == "connected"
            finally:
                await media.close()
                await host.ok("leave")

    assert run(connects(relay_only(coturn, *credential(OLD_SECRET, later)))), "a credential made before the switch stops working"
    assert run(connects(relay_only(coturn, *credential(NEW_SECRET, later))))
    assert not run(connects(relay_only(coturn, *credential(secrets.token_hex(32), later)))), "coturn accepted a forged credential"
    assert not run(connects(relay_only(coturn, *credential(NEW_SECRET, int(time.time()) - 60)))), "coturn accepted an expired credential"

"""End-to-end encrypted meetings against the real server (docs/e2ee.md, "Signaling" and "Test hooks"):
public keys are announced once per seat with a growing order, wrapped secrets reach their addressee only,
ratchet notices reach everyone else, chat is ciphertext only (and archived as such), encryption cannot be
switched with people inside, recording is refused; and the two test hooks: the SFU's capture of the packets
it forwards, and the substitution of one participant's key (a malicious server, for the security code).

The module's server runs with both hooks on; production servers never set them."""

from __future__ import annotations

import asyncio
import base64
import os
import struct

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from media import MediaParticipant
from signaling import (  # noqa: F401 (fixtures)
    Party,
    _server_logs_on_failure,
    attempt,
    call,
    create_meeting,
    make_world,
    ok_json,
    run,
    ticket,
)

SUBSTITUTED = "Mallory Substituted"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_key() -> str:
    """A fresh P-256 public key, uncompressed, base64url: what a browser announces."""
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    return b64url(key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint))


@pytest.fixture(scope="module")
def capture_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("capture")


@pytest.fixture(scope="module")
def world(tmp_path_factory, capture_dir):
    """One SQLite-backed server with both test hooks switched on."""
    yield from make_world(
        "test_e2ee_signaling",
        "sqlite",
        tmp_path_factory,
        TEST_MEDIA_CAPTURE=str(capture_dir),
        TEST_SUBSTITUTE_E2EE_KEY=SUBSTITUTED,
    )


def test_the_server_warns_loudly_that_test_hooks_are_on(world):
    logs = world.server.stdout + world.server.stderr
    assert "TEST HOOK ENABLED" in logs and "DIGITALMEET_TEST_MEDIA_CAPTURE" in logs, logs[-2000:]
    assert "DIGITALMEET_TEST_SUBSTITUTE_E2EE_KEY" in logs


def test_keys_are_announced_once_per_seat_and_relayed_only_where_they_belong(world):
    meeting = create_meeting(world.owner, "Encrypted", e2ee=True, waitingRoom="guests")

    async def scenario():
        async with Party(world.server) as party:
            host = await party.enter(world.owner, meeting["id"], "Ada")
            alan = await party.enter(world.members["alan"], meeting["id"], "Alan")
            grace = await party.enter(world.members["grace"], meeting["id"], "Grace")
            waiting = await party.enter(world.guest(), meeting["id"], "Visitor", status="waiting")
            assert host.joined["meeting"]["settings"]["e2ee"] is True

            # Nobody waiting may announce or send anything.
            await waiting.refused("e2ee_public_key", "forbidden", publicKey=public_key())

            # Malformed keys never reach the meeting.
            point = base64.urlsafe_b64decode(public_key() + "=")
            off_curve = b"\x04" + b"\x00" * 31 + b"\x01" + b"\x00" * 31 + b"\x01"
            for bad in [b64url(point[:-1]), b64url(b"\x02" + point[1:33]), b64url(off_curve), b64url(point) + "=", "a+b/", ""]:
                await host.refused("e2ee_public_key", "invalid_message", publicKey=bad)
            # Sending before announcing is a conflict.
            await host.refused("e2ee_ratchet", "conflict", epoch=2)

            keys = {}
            for order, socket in enumerate((host, alan, grace), start=1):
                keys[socket.seat] = public_key()
                await socket.ok("e2ee_public_key", publicKey=keys[socket.seat])
                for watcher in (host, alan, grace):
                    changed = await watcher.next_event("participant_changed", where=lambda m, s=socket: m["participant"]["seat"] == s.seat)
                    assert changed["participant"]["e2ee"] == {"publicKey": keys[socket.seat], "order": order}, changed
            await waiting.quiet(within=0.5, names={"participant_changed"})
            # The same key again is fine (and silent); another one for the seat is a conflict.
            await alan.ok("e2ee_public_key", publicKey=keys[alan.seat])
            await alan.refused("e2ee_public_key", "conflict", publicKey=public_key())

            # A wrapped secret reaches its addressee only.
            payload = b64url(os.urandom(60))
            await host.ok("e2ee_key", to=alan.seat, epoch=3, payload=payload)
            delivered = await alan.next_event("e2ee_key")
            assert {k: delivered[k] for k in ("from", "epoch", "payload")} == {"from": host.seat, "epoch": 3, "payload": payload}
            await asyncio.gather(*(s.quiet(within=1.0, names={"e2ee_key"}) for s in (host, grace, waiting)))
            # Not to the waiting room, an unknown seat or oneself; nothing oversized, no bad epochs.
            await host.refused("e2ee_key", "not_found", to=waiting.seat, epoch=3, payload=payload)
            await host.refused("e2ee_key", "not_found", to="6F1C2A4E-0000-4000-8000-000000000000", epoch=3, payload=payload)
            await host.refused("e2ee_key", "invalid_input", to=host.seat, epoch=3, payload=payload)
            await host.refused("e2ee_key", "invalid_message", to=alan.seat, epoch=3, payload=b64url(os.urandom(1025)))
            for epoch in (0, -1, 1.5, "2", 2**53 + 1):
                await host.refused("e2ee_key", "invalid_message", to=alan.seat, epoch=epoch, payload=payload)

            # A ratchet notice reaches everyone else in the meeting.
            await host.ok("e2ee_ratchet", epoch=4)
            for socket in (alan, grace):
                notice = await socket.next_event("e2ee_ratchet")
                assert notice["from"] == host.seat and notice["epoch"] == 4, notice
            await asyncio.gather(host.quiet(within=1.0, names={"e2ee_ratchet"}), waiting.quiet(within=0.1, names={"e2ee_ratchet"}))

            # Recording stays refused: the server has nothing it could record.
            await host.refused("start_recording", "forbidden")

            # The key stays with the seat across a dropped connection and resume.
            token = grace.resume_token
            grace.abort()
            await grace.wait_closed()
            # A rekey while Grace is away (whether or not the server has noticed yet): her wrapped
            # secret and the ratchet notice wait for her.
            missed = b64url(os.urandom(60))
            await host.ok("e2ee_key", to=grace.seat, epoch=5, payload=missed)
            await host.ok("e2ee_ratchet", epoch=6)
            await alan.next_event("e2ee_ratchet", where=lambda m: m["epoch"] == 6)
            await host.ok("raise_hand")
            back = await party.connect(world.members["grace"], "Grace again")
            resumed = await back.resume(token)
            assert resumed.get("type") == "ok", resumed
            seen = {p["seat"]: p.get("e2ee") for p in resumed["meeting"]["participants"]}
            assert seen[back.seat] == {"publicKey": keys[back.seat], "order": 3}, seen
            held = await back.next_event("e2ee_key")
            assert {k: held[k] for k in ("from", "epoch", "payload")} == {"from": host.seat, "epoch": 5, "payload": missed}, held
            notice = await back.next_event("e2ee_ratchet", where=lambda m: m["epoch"] == 6)
            assert notice["from"] == host.seat, notice
            # The latest key messages are sent again, oldest first, the ones that reached the old
            # connection too (a dying one may have lost them): epoch 4's notice, 5's key, 6's notice.
            replayed = [(m["event"], m["epoch"]) for m in back.history if m.get("event") in ("e2ee_key", "e2ee_ratchet")]
            assert replayed == [("e2ee_ratchet", 4), ("e2ee_key", 5), ("e2ee_ratchet", 6)], replayed
            # Only key material is held: the raised hand is in the snapshot, not replayed as an event.
            await back.quiet(within=0.5, names={"participant_changed", "e2ee_key", "e2ee_ratchet"})
            await back.refused("e2ee_public_key", "conflict", publicKey=public_key())

    run(scenario())


def test_a_meeting_that_is_not_e2ee_takes_no_keys_and_no_ciphertext(world):
    meeting = create_meeting(world.owner, "Plain")

    async def scenario():
        async with Party(world.server) as party:
            host = await party.enter(world.owner, meeting["id"], "Ada")
            alan = await party.enter(world.members["alan"], meeting["id"], "Alan")
            await host.refused("e2ee_public_key", "policy_violation", publicKey=public_key())
            await host.refused("e2ee_ratchet", "policy_violation", epoch=2)
            await host.refused("e2ee_key", "policy_violation", to=alan.seat, epoch=2, payload="AAAA")
            await host.refused("chat", "policy_violation", e2ee={"epoch": 1, "nonce": b64url(os.urandom(12)), "ciphertext": b64url(os.urandom(40))})
            await host.ok("chat", text="in the clear")
            assert (await alan.next_event("chat"))["text"] == "in the clear"

    run(scenario())


def test_chat_in_an_e2ee_meeting_is_ciphertext_only_and_archived_as_it_came(world):
    meeting = create_meeting(world.owner, "Encrypted chat", e2ee=True)

    async def scenario():
        async with Party(world.server) as party:
            host = await party.enter(world.owner, meeting["id"], "Ada")
            alan = await party.enter(world.members["alan"], meeting["id"], "Alan")
            refused = await alan.refused("chat", "policy_violation", text="hello")
            assert "end-to-end encrypted" in refused["message"], refused
            envelope = {"epoch": 2, "nonce": b64url(os.urandom(12)), "ciphertext": b64url(os.urandom(57))}
            await alan.ok("chat", e2ee=envelope)
            for socket in (host, alan):
                chat = await socket.next_event("chat")
                assert chat["from"] == alan.seat and chat["name"] == "Alan Turing" and chat["e2ee"] == envelope and "text" not in chat, chat
            await alan.refused("chat", "invalid_message", e2ee={**envelope, "nonce": b64url(os.urandom(11))})
            await alan.refused("chat", "invalid_message", e2ee={**envelope, "ciphertext": b64url(os.urandom(8017))})
            await alan.refused("chat", "invalid_message", text="both", e2ee=envelope)
            return alan.seat, envelope

    seat, envelope = run(scenario())
    transcript = ok_json(world.owner.get(f"/api/v1/meetings/{meeting['id']}/chat"))["messages"]
    assert [(m["from"], m["name"], m.get("e2ee"), "text" in m) for m in transcript] == [(seat, "Alan Turing", envelope, False)], transcript


def test_encryption_cannot_be_switched_while_people_are_in_the_meeting(world):
    meeting = create_meeting(world.owner, "Switch", e2ee=False)
    settings = ok_json(world.owner.get(f"/api/v1/meetings/{meeting['id']}/details"))["settings"]

    async def scenario():
        async with Party(world.server) as party:
            host = await party.enter(world.owner, meeting["id"], "Ada")
            refused = call(world.owner, "patch", f"/api/v1/meetings/{meeting['id']}", {"settings": {**settings, "e2ee": True}})
            assert refused.status_code == 409 and refused.json()["error"]["code"] == "conflict", refused.text
            # Other settings still change.
            ok_json(call(world.owner, "patch", f"/api/v1/meetings/{meeting['id']}", {"settings": {**settings, "muteOnEntry": True}}))
            await host.next_event("settings_changed")
            await host.ok("leave")

    run(scenario())
    changed = ok_json(call(world.owner, "patch", f"/api/v1/meetings/{meeting['id']}", {"settings": {**settings, "e2ee": True}}))
    assert changed["settings"]["e2ee"] is True

    async def after():
        async with Party(world.server) as party:
            host = await party.enter(world.owner, meeting["id"], "Ada")
            assert host.joined["meeting"]["settings"]["e2ee"] is True
            await host.ok("e2ee_public_key", publicKey=public_key())

    run(after())


def test_the_substitution_hook_replaces_the_named_participants_key_for_everyone(world):
    meeting = create_meeting(world.owner, "Substituted", e2ee=True)

    async def scenario():
        async with Party(world.server) as party:
            host = await party.enter(world.owner, meeting["id"], "Ada")
            target = await party.enter(world.guest(), meeting["id"], SUBSTITUTED)
            honest, announced = public_key(), public_key()
            await host.ok("e2ee_public_key", publicKey=honest)
            await host.next_event("participant_changed")
            await target.ok("e2ee_public_key", publicKey=announced)
            for socket in (host, target):
                changed = await socket.next_event("participant_changed", where=lambda m: m["participant"]["seat"] == target.seat)
                stored = changed["participant"]["e2ee"]["publicKey"]
                assert stored != announced, "the hook did not substitute the key"
                assert len(base64.urlsafe_b64decode(stored + "=")) == 65
            # Announcing the same key again is still accepted (the same substitute is kept).
            await target.ok("e2ee_public_key", publicKey=announced)

    run(scenario())


def read_records(path) -> list[bytes]:
    data = path.read_bytes()
    records, offset = [], 0
    while offset + 4 <= len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        records.append(data[offset + 4 : offset + 4 + length])
        offset += 4 + length
    assert offset == len(data), f"{path}: a truncated record"
    return records


def vp8_frame_starts(packets: list[bytes]) -> list[bytes]:
    """The first payload bytes of each VP8 frame (RFC 7741: S bit set, partition 0)."""
    starts = []
    for packet in packets:
        csrc = packet[0] & 0x0F
        offset = 12 + 4 * csrc
        if packet[0] & 0x10:  # header extension
            words = struct.unpack(">H", packet[offset + 2 : offset + 4])[0]
            offset += 4 + 4 * words
        descriptor = packet[offset]
        offset += 1
        if descriptor & 0x80:  # X: extended control bits
            extension = packet[offset]
            offset += 1
            if extension & 0x80:  # I: picture id
                offset += 2 if packet[offset] & 0x80 else 1
            if extension & 0x40:  # L: TL0PICIDX
                offset += 1
            if extension & 0x30:  # T/K
                offset += 1
        if descriptor & 0x10 and descriptor & 0x07 == 0:
            starts.append(packet[offset:])
    return starts


def test_the_capture_hook_writes_what_the_sfu_forwards(world, capture_dir):
    meeting = create_meeting(world.owner, "Captured", e2ee=True)

    async def scenario():
        async with Party(world.server) as party:
            host = await party.enter(world.owner, meeting["id"], "Ada")
            alan = await party.enter(world.members["alan"], meeting["id"], "Alan")
            await host.ok("media", audioMuted=False, videoOn=True)
            sender = MediaParticipant(host)
            receiver = MediaParticipant(alan)
            try:
                assert (await sender.publish()).get("type") == "ok"
                assert (await receiver.subscribe()).get("type") == "ok"
                await receiver.wait_for_frames(f"{host.seat}-camera", 30)
                await asyncio.sleep(2)
            finally:
                await sender.close()
                await receiver.close()
            return host.seat

    seat = run(scenario())
    camera = capture_dir / f"{seat}-camera.rtp"
    microphone = capture_dir / f"{seat}-microphone.rtp"
    assert camera.exists() and microphone.exists(), sorted(p.name for p in capture_dir.iterdir())
    packets = read_records(camera)
    assert 30 <= len(packets) <= 300, len(packets)
    assert all(p[0] >> 6 == 2 for p in packets), "every record is an RTP packet"
    # aiortc's frames are not encrypted: the SFU forwarded real VP8, with a key frame's start code.
    starts = vp8_frame_starts(packets)
    assert any(len(s) >= 6 and s[0] & 0x01 == 0 and s[3:6] == b"\x9d\x01\x2a" for s in starts), starts[:3]
    assert len(read_records(microphone)) <= 300

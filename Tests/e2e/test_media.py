"""Media through the SFU, driven through the real signaling: aiortc participants publish VP8 and Opus,
subscribe, and decode each other's frames; the meeting state (waiting room, a host's mute and stop
video, the screen-sharing rule, removal) decides what the SFU forwards, not only what a UI shows.

Frame counts are what aiortc decoded (`track.recv()`), so a count that grows proves decodable media
arrived over ICE, DTLS and SRTP from the SFU."""

from __future__ import annotations

import asyncio

import pytest

from media import MediaParticipant
from signaling import (  # noqa: F401 (fixtures)
    Party,
    _server_logs_on_failure,
    create_meeting,
    make_world,
    run,
)

# Frames a receiver must decode to count as "sees/hears" (synthetic tracks: 30 video fps, 50 audio frames/s).
VIDEO_FRAMES = 30
AUDIO_FRAMES = 25
# How long a paused track is watched for frames that must not come, after letting in-flight packets drain.
SETTLE = 1.5
QUIET_WINDOW = 3.0


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Media does not depend on the database: one SQLite-backed server for the module."""
    yield from make_world("test_media", "sqlite", tmp_path_factory)


def member(world, key: str):
    return world.members[key]


async def on_air(socket, *, camera: bool = True) -> MediaParticipant:
    """Turns microphone (and camera) on in the meeting state, then publishes and subscribes."""
    await socket.ok("media", audioMuted=False, videoOn=camera)
    participant = MediaParticipant(socket)
    published = await participant.publish(camera=camera)
    assert published.get("type") == "ok", published
    subscribed = await participant.subscribe()
    assert subscribed.get("type") == "ok", subscribed
    return participant


def track(socket, source: str) -> str:
    return f"{socket.seat}-{source}"


def test_three_participants_decode_each_others_video_and_audio(world):
    meeting = create_meeting(world.owner, "Media", waitingRoom="guests")

    async def scenario():
        async with Party(world.server) as party:
            host = await party.enter(world.owner, meeting["id"], "Ada")
            alan = await party.enter(member(world, "alan"), meeting["id"], "Alan")
            guest = await party.enter(world.guest(), meeting["id"], "Visitor", status="waiting")
            await host.ok("admit", seat=guest.seat)
            await guest.next_event("admitted")
            people = {socket: await on_air(socket) for socket in (host, alan, guest)}
            try:
                for receiver, media in people.items():
                    for sender in people:
                        if sender is receiver:
                            continue
                        await media.wait_for_frames(track(sender, "camera"), VIDEO_FRAMES)
                        await media.wait_for_frames(track(sender, "microphone"), AUDIO_FRAMES)
                    assert all(not name.startswith(receiver.seat) for name in media.frames), "nobody receives their own tracks"
                    assert "connected" in media.states["publish"] and "connected" in media.states["subscribe"], media.states
            finally:
                for media in people.values():
                    await media.close()

    run(scenario())


def test_the_waiting_room_gets_no_media(world):
    meeting = create_meeting(world.owner, "Waiting media", waitingRoom="guests")

    async def scenario():
        async with Party(world.server) as party:
            await party.enter(world.owner, meeting["id"], "Ada")
            guest = await party.enter(world.guest(), meeting["id"], "Visitor", status="waiting")
            media = MediaParticipant(guest)
            try:
                refused = await media.publish()
                assert refused.get("type") == "error" and refused.get("code") == "forbidden", refused
                refused = await media.subscribe()
                assert refused.get("type") == "error" and refused.get("code") == "forbidden", refused
            finally:
                await media.close()

    run(scenario())


def test_a_hosts_mute_and_stop_video_stop_the_tracks_in_the_sfu_until_the_person_turns_them_on(world):
    meeting = create_meeting(world.owner, "Mute media")

    async def scenario():
        async with Party(world.server) as party:
            host = await party.enter(world.owner, meeting["id"], "Ada")
            alan = await party.enter(member(world, "alan"), meeting["id"], "Alan")
            listener = await on_air(host)
            speaker = await on_air(alan)
            try:
                await listener.wait_for_frames(track(alan, "microphone"), AUDIO_FRAMES)
                await listener.wait_for_frames(track(alan, "camera"), VIDEO_FRAMES)

                await host.ok("mute", seat=alan.seat)
                await host.ok("stop_video", seat=alan.seat)
                await asyncio.sleep(SETTLE)
                assert await listener.frames_within(track(alan, "microphone"), QUIET_WINDOW) == 0, "muted audio still flows"
                assert await listener.frames_within(track(alan, "camera"), QUIET_WINDOW) == 0, "stopped video still flows"
                # Alan's own browser kept sending all along: the SFU is what stopped it.
                assert speaker.publisher is not None and speaker.publisher.connectionState == "connected"

                # Only Alan can turn them back on.
                await alan.ok("media", audioMuted=False, videoOn=True)
                await listener.wait_for_frames(track(alan, "microphone"), AUDIO_FRAMES)
                await listener.wait_for_frames(track(alan, "camera"), VIDEO_FRAMES)
            finally:
                await listener.close()
                await speaker.close()

    run(scenario())


def test_a_screen_is_accepted_only_while_sharing_is_allowed_and_stops_when_a_host_stops_it(world):
    meeting = create_meeting(world.owner, "Screen media", whoMayShareScreen="hosts")

    async def scenario():
        async with Party(world.server) as party:
            host = await party.enter(world.owner, meeting["id"], "Ada")
            alan = await party.enter(member(world, "alan"), meeting["id"], "Alan")
            viewer = await on_air(host)
            presenter = MediaParticipant(alan)
            sharer = MediaParticipant(alan)
            try:
                await alan.ok("media", audioMuted=False, videoOn=True)
                refused = await presenter.publish(screen=True)
                assert refused.get("type") == "error" and refused.get("code") == "forbidden", refused
                await alan.refused("start_screen_share", "forbidden")

                await host.ok("screen_sharing", rule="everyone")
                await alan.ok("start_screen_share")
                accepted = await sharer.publish(screen=True)
                assert accepted.get("type") == "ok", accepted
                await viewer.wait_for_frames(track(alan, "screen"), VIDEO_FRAMES)

                await host.ok("stop_participant_screen_share", seat=alan.seat)
                await asyncio.sleep(SETTLE)
                assert await viewer.frames_within(track(alan, "screen"), QUIET_WINDOW) == 0, "a stopped share still flows"
                # The camera of the same connection is untouched.
                await viewer.wait_for_frames(track(alan, "camera"), VIDEO_FRAMES)
            finally:
                for media in (viewer, presenter, sharer):
                    await media.close()

    run(scenario())


def test_removal_cuts_the_removed_persons_media_both_ways_at_once(world):
    meeting = create_meeting(world.owner, "Removal media")

    async def scenario():
        async with Party(world.server) as party:
            host = await party.enter(world.owner, meeting["id"], "Ada")
            alan = await party.enter(member(world, "alan"), meeting["id"], "Alan")
            kept = await on_air(host)
            removed = await on_air(alan)
            try:
                await kept.wait_for_frames(track(alan, "camera"), VIDEO_FRAMES)
                await removed.wait_for_frames(track(host, "camera"), VIDEO_FRAMES)

                await host.ok("remove", seat=alan.seat, allowRejoin=False)
                await asyncio.sleep(SETTLE)
                assert await kept.frames_within(track(alan, "camera"), QUIET_WINDOW) == 0, "the removed person's video still arrives"
                assert await removed.frames_within(track(host, "camera"), QUIET_WINDOW) == 0, "the removed person still receives"
            finally:
                await kept.close()
                await removed.close()

    run(scenario())

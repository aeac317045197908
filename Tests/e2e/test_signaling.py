"""Signaling against the real server (docs/signaling.md, "The WebSocket"): several scripted clients on
real WebSockets, each a browser with its own cookies. One test per control and per hole: the waiting
room, admitting and denying, removal with and without rejoin, locking, muting (and that nobody can
unmute someone else), the screen-sharing rule, recording in an E2EE meeting, ending for all,
transferring the host, chat and renaming; malformed and unauthorised messages, the rate limit, the
Origin check, a disabled account's live socket, and the durable state across a server restart."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
import uuid

from signaling import (  # noqa: F401 (fixtures)
    MEMBERS,
    TURN_LIFETIME,
    TURN_SECRET,
    Party,
    _server_logs_on_failure,
    assert_error,
    assert_participant_shape,
    attempt,
    call,
    create_meeting,
    handshake_status,
    ok_json,
    participant_seats,
    request_ticket,
    run,
    ticket,
    waiting_title,
    world,
)

# Events a person in the waiting room must never see: they would reveal who is in the meeting.
MEETING_EVENTS = {
    "participant_joined",
    "participant_changed",
    "participant_left",
    "waiting_list",
    "lock_changed",
    "recording_changed",
    "settings_changed",
    "host_changed",
    "chat",
    "admitted",
}


def member(world, key: str):
    return world.members[key]


def name_of(key: str) -> str:
    return MEMBERS[key]["name"]


# --- The waiting room ----------------------------------------------------------------------------


def test_a_guest_waits_until_a_host_admits_them_and_sees_nothing_of_the_meeting_before(world):
    owner, alan = world.owner, member(world, "alan")
    meeting = create_meeting(world.owner, "Waiting room", waitingRoom="guests")
    guest_browser = world.guest()

    async def scenario():
        async with Party(world.server) as party:
            # The guest arrives before anyone else.
            guest = await party.enter(guest_browser, meeting["id"], "Visitor", status="waiting")
            assert waiting_title(guest.joined) == "Waiting room", guest.joined
            assert "participants" not in json.dumps(guest.joined), guest.joined
            assert "settings" not in json.dumps(guest.joined), guest.joined

            # The host arrives: the guest keeps waiting (arriving early never skips the waiting room).
            host = await party.enter(owner, meeting["id"], "Ada")
            snapshot = host.joined["meeting"]
            assert set(snapshot) >= {"title", "settings", "locked", "recording", "you", "participants"}, snapshot
            assert snapshot["you"] == host.seat
            assert guest.seat not in participant_seats(snapshot)
            for participant in snapshot["participants"]:
                assert_participant_shape(participant)
            # A member comes straight in (the waiting room is for guests).
            participant = await party.enter(alan, meeting["id"], "Alan")
            joined = await host.next_event("participant_joined", where=lambda e: e["participant"]["seat"] == participant.seat)
            assert joined["participant"]["displayName"] == name_of("alan") and joined["participant"]["role"] == "participant"
            assert_participant_shape(joined["participant"])
            await host.ok("chat", text="Before the guest is in")
            await participant.next_event("chat")

            # Waiting, the guest can do nothing but leave, and hears nothing.
            for command, fields in [
                ("chat", {"text": "let me in"}),
                ("raise_hand", {}),
                ("media", {"audioMuted": False}),
                ("rename", {"displayName": "Someone else"}),
                ("start_screen_share", {}),
                ("lock", {}),
                ("admit", {"seat": guest.seat}),
            ]:
                await guest.refused(command, **fields)
            await guest.quiet(names=None)
            assert [m for m in guest.history if m.get("type") == "event"] == [], guest.history
            assert all(m.get("event") != "chat" for m in participant.inbox if m.get("text") == "let me in")

            # The host sees who waits and admits the guest.
            await host.ok("admit", seat=guest.seat)
            admitted = await guest.next_event("admitted")
            state = admitted["meeting"]
            assert set(state) >= {"title", "settings", "locked", "recording", "you", "participants"}, state
            assert state["you"] == guest.seat and state["title"] == "Waiting room"
            assert participant_seats(state) == {host.seat, participant.seat, guest.seat}
            for person in state["participants"]:
                assert_participant_shape(person)
            seen = await participant.next_event("participant_joined", where=lambda e: e["participant"]["seat"] == guest.seat)
            assert seen["participant"]["role"] == "guest" and seen["participant"]["status"] == "in_meeting"
            # Now the guest takes part.
            await guest.ok("chat", text="Thanks!")
            said = await participant.next_event("chat", where=lambda e: e["text"] == "Thanks!")
            assert said["from"] == guest.seat and said["name"] == "Visitor"

    run(scenario())


def test_a_host_who_arrives_after_the_guests_learns_who_is_waiting(world):
    """To admit someone a host needs their seat: a host joining (or made co-host) while people wait is
    told who waits, in the join answer or by a `waiting_list` event straight away."""
    meeting = create_meeting(world.owner, "Early guests", waitingRoom="guests")

    def waiting_seats(socket) -> set[str] | None:
        listed = socket.joined.get("waiting") or (socket.joined.get("meeting") or {}).get("waiting")
        return {p["seat"] for p in listed} if listed is not None else None

    async def scenario():
        async with Party(world.server) as party:
            early = await party.enter(world.guest(), meeting["id"], "Early Guest", status="waiting")
            host = await party.enter(world.owner, meeting["id"], "Ada")
            seats = waiting_seats(host)
            if seats is None:
                seats = {p["seat"] for p in (await host.next_event("waiting_list", timeout=5))["waiting"]}
            assert seats == {early.seat}
            # The same for someone made co-host while a guest waits.
            alan = await party.enter(member(world, "alan"), meeting["id"], "Alan")
            await host.ok("make_co_host", seat=alan.seat)
            listed = await alan.next_event("waiting_list", timeout=5)
            assert {p["seat"] for p in listed["waiting"]} == {early.seat}

    run(scenario())


def test_hosts_see_the_waiting_list_deny_one_and_admit_all(world):
    meeting = create_meeting(world.owner, "Admit all", waitingRoom="guests")

    async def scenario():
        async with Party(world.server) as party:
            host = await party.enter(world.owner, meeting["id"], "Ada")
            alan = await party.enter(member(world, "alan"), meeting["id"], "Alan")
            guests = []
            for name in ("Guest One", "Guest Two", "Guest Three"):
                guests.append(await party.enter(world.guest(), meeting["id"], name, status="waiting"))
                waiting = await host.next_event("waiting_list")
                assert guests[-1].seat in {p["seat"] for p in waiting["waiting"]}
            assert {p["seat"] for p in waiting["waiting"]} == {g.seat for g in guests}
            assert {p["displayName"] for p in waiting["waiting"]} == {"Guest One", "Guest Two", "Guest Three"}
            for person in waiting["waiting"]:
                assert_participant_shape(person)
                assert person["status"] == "waiting"
            # Participants are not moderators: they do not get the waiting list.
            await alan.quiet(within=0.5, names={"waiting_list"})

            # Denied: told so, then the socket closes (4403).
            await host.ok("deny", seat=guests[0].seat)
            await guests[0].next_event("denied")
            assert await guests[0].wait_closed() == 4403
            after_deny = await host.next_event("waiting_list")
            assert {p["seat"] for p in after_deny["waiting"]} == {guests[1].seat, guests[2].seat}
            # Denying or admitting someone who is not waiting is refused.
            await host.refused("deny", "not_found", seat=alan.seat)
            await host.refused("admit", "not_found", seat=guests[0].seat)
            await host.refused("admit", "not_found", seat=str(uuid.uuid4()))

            # Leaving is the one thing a waiting person may do.
            leaver = await party.enter(world.guest(), meeting["id"], "Guest Four", status="waiting")
            await host.next_event("waiting_list", where=lambda e: leaver.seat in {p["seat"] for p in e["waiting"]})
            assert (await attempt(leaver, "leave"))["type"] == "ok"
            gone = await host.next_event("waiting_list", where=lambda e: leaver.seat not in {p["seat"] for p in e["waiting"]})
            assert {p["seat"] for p in gone["waiting"]} == {guests[1].seat, guests[2].seat}

            await host.ok("admit_all")
            for guest in guests[1:]:
                admitted = await guest.next_event("admitted")
                assert admitted["meeting"]["you"] == guest.seat
                await alan.next_event("participant_joined", where=lambda e, seat=guest.seat: e["participant"]["seat"] == seat)
            emptied = await host.next_event("waiting_list", where=lambda e: e["waiting"] == [])
            assert emptied["waiting"] == []

    run(scenario())


# --- Removing ------------------------------------------------------------------------------------


def test_a_removed_member_and_a_removed_guest_cannot_come_back(world):
    meeting = create_meeting(world.owner, "No return")
    grace_browser = member(world, "grace")
    guest_browser = world.guest()

    async def scenario():
        async with Party(world.server) as party:
            host = await party.enter(world.owner, meeting["id"], "Ada")
            grace = await party.enter(grace_browser, meeting["id"], "Grace")
            guest = await party.enter(guest_browser, meeting["id"], "Visitor")
            alan = await party.enter(member(world, "alan"), meeting["id"], "Alan")
            # A second ticket Grace got before her removal.
            spare = ticket(grace_browser, meeting["id"], "Grace")

            await host.ok("remove", seat=grace.seat, allowRejoin=False)
            removed = await grace.next_event("removed")
            assert removed["mayRejoin"] is False
            assert await grace.wait_closed() == 4403
            left = await alan.next_event("participant_left", where=lambda e: e["seat"] == grace.seat)
            assert left["reason"] == "removed"
            await host.next_event("participant_left", where=lambda e: e["seat"] == grace.seat)

            # A fresh ticket is refused at once, and the ticket she already held no longer works.
            assert_error(request_ticket(grace_browser, meeting["id"], "Grace"), 403, "removed_from_meeting")
            retry = await party.connect(grace_browser, "grace again")
            refused = await retry.join(spare)
            assert refused["type"] == "error" and refused["code"] == "removed_from_meeting", refused

            # The same for a guest, recognised by the guest cookie.
            await host.ok("remove", seat=guest.seat, allowRejoin=False)
            assert (await guest.next_event("removed"))["mayRejoin"] is False
            assert await guest.wait_closed() == 4403
            assert_error(request_ticket(guest_browser, meeting["id"], "Visitor"), 403, "removed_from_meeting")
            assert_error(request_ticket(guest_browser, meeting["id"], "A new name"), 403, "removed_from_meeting")

            # Nobody else was affected.
            await alan.ok("raise_hand")
            changed = await host.next_event("participant_changed", where=lambda e: e["participant"]["seat"] == alan.seat)
            assert changed["participant"]["handRaised"] is True

    run(scenario())


def test_a_member_removed_with_rejoin_allowed_can_come_back(world):
    meeting = create_meeting(world.owner, "Come back")
    alan_browser = member(world, "alan")

    async def scenario():
        async with Party(world.server) as party:
            host = await party.enter(world.owner, meeting["id"], "Ada")
            alan = await party.enter(alan_browser, meeting["id"], "Alan")
            await host.ok("remove", seat=alan.seat, allowRejoin=True)
            assert (await alan.next_event("removed"))["mayRejoin"] is True
            assert await alan.wait_closed() == 4403
            back = await party.enter(alan_browser, meeting["id"], "Alan")
            assert back.seat != alan.seat
            joined = await host.next_event("participant_joined", where=lambda e: e["participant"]["seat"] == back.seat)
            assert joined["participant"]["displayName"] == name_of("alan")

    run(scenario())


def test_joining_again_from_another_window_replaces_the_earlier_seat(world):
    meeting = create_meeting(world.owner, "Two windows")
    alan_browser = member(world, "alan")

    async def scenario():
        async with Party(world.server) as party:
            host = await party.enter(world.owner, meeting["id"], "Ada")
            first = await party.enter(alan_browser, meeting["id"], "Alan")
            second = await party.enter(alan_browser, meeting["id"], "Alan")
            assert second.seat != first.seat
            left = await host.next_event("participant_left", where=lambda e: e["seat"] == first.seat)
            assert left["reason"] == "joined_elsewhere"
            await host.next_event("participant_joined", where=lambda e: e["participant"]["seat"] == second.seat)
            told = await first.next_event("participant_left", where=lambda e: e["seat"] == first.seat)
            assert told["reason"] == "joined_elsewhere"
            assert await first.wait_closed() is not None
            # One seat each: the meeting has the host and Alan's new seat.
            await second.ok("raise_hand")
            await host.next_event("participant_changed", where=lambda e: e["participant"]["seat"] == second.seat)

    run(scenario())


def test_only_the_host_removes_a_co_host_and_nobody_removes_the_host(world):
    meeting = create_meeting(world.owner, "Co-hosts")

    async def scenario():
        async with Party(world.server) as party:
            host = await party.enter(world.owner, meeting["id"], "Ada")
            alan = await party.enter(member(world, "alan"), meeting["id"], "Alan")
            grace = await party.enter(member(world, "grace"), meeting["id"], "Grace")
            guest = await party.enter(world.guest(), meeting["id"], "Visitor")
            await host.refused("make_co_host", "forbidden", seat=guest.seat)
            await host.ok("make_co_host", seat=alan.seat)
            changed = await grace.next_event("host_changed")
            assert changed["host"] == host.seat and changed["coHosts"] == [alan.seat]
            await alan.refused("remove", "forbidden", seat=host.seat, allowRejoin=False)
            await alan.refused("mute", "forbidden", seat=host.seat)
            await alan.refused("end_for_all", "forbidden")
            await alan.refused("transfer_host", "forbidden", seat=grace.seat)
            await alan.refused("make_co_host", "forbidden", seat=grace.seat)
            # A co-host may do the moderator's work on participants.
            await alan.ok("mute", seat=grace.seat)
            await grace.next_event("muted_by_host", where=lambda e: e["by"] == alan.seat)
            # Over HTTPS a co-host sees the details but may not change the meeting (host only).
            alan_browser = member(world, "alan")
            path = f"/api/v1/meetings/{meeting['id']}"
            assert alan_browser.get(path + "/details").status_code == 200
            assert meeting["id"] in [m["id"] for m in ok_json(alan_browser.get("/api/v1/meetings"))["meetings"]]
            assert call(alan_browser, "patch", path, {"title": "Co-hosted"}).status_code in (403, 404)
            assert call(alan_browser, "delete", path).status_code in (403, 404)
            await host.ok("remove_co_host", seat=alan.seat)
            assert (await grace.next_event("host_changed"))["coHosts"] == []
            await alan.refused("lock", "forbidden")
            assert alan_browser.get(path + "/details").status_code in (403, 404)
            assert meeting["id"] not in [m["id"] for m in ok_json(alan_browser.get("/api/v1/meetings"))["meetings"]]

    run(scenario())


# --- Lock ----------------------------------------------------------------------------------------


def test_a_locked_meeting_lets_nobody_new_in_until_it_is_unlocked(world):
    meeting = create_meeting(world.owner, "Locked")
    grace_browser = member(world, "grace")

    async def scenario():
        async with Party(world.server) as party:
            host = await party.enter(world.owner, meeting["id"], "Ada")
            alan = await party.enter(member(world, "alan"), meeting["id"], "Alan")
            early = ticket(grace_browser, meeting["id"], "Grace")  # obtained before the lock

            await host.ok("lock")
            changed = await alan.next_event("lock_changed")
            assert changed["locked"] is True and changed["by"] == host.seat
            await host.next_event("lock_changed")

            assert_error(request_ticket(grace_browser, meeting["id"], "Grace"), 403, "meeting_locked")
            assert_error(request_ticket(world.guest(), meeting["id"], "Visitor"), 403, "meeting_locked")
            late = await party.connect(grace_browser, "grace")
            refused = await late.join(early)
            assert refused["type"] == "error" and refused["code"] == "meeting_locked", refused
            await alan.quiet(within=0.5, names={"participant_joined"})

            # Locking again changes nothing and tells nobody.
            await host.ok("lock")
            await alan.quiet(within=0.5, names={"lock_changed"})

            await host.ok("unlock")
            assert (await alan.next_event("lock_changed"))["locked"] is False
            grace = await party.enter(grace_browser, meeting["id"], "Grace")
            await alan.next_event("participant_joined", where=lambda e: e["participant"]["seat"] == grace.seat)

    run(scenario())


def test_the_host_may_come_back_to_a_locked_meeting(world):
    meeting = create_meeting(world.owner, "Host returns")

    async def scenario():
        async with Party(world.server) as party:
            host = await party.enter(world.owner, meeting["id"], "Ada")
            alan = await party.enter(member(world, "alan"), meeting["id"], "Alan")
            await host.ok("lock")
            await alan.next_event("lock_changed")
            await host.ok("leave")
            await alan.next_event("participant_left", where=lambda e: e["seat"] == host.seat)
            again = await party.enter(world.owner, meeting["id"], "Ada")
            assert again.joined["meeting"]["locked"] is True
            rejoined = await alan.next_event("participant_joined", where=lambda e: e["participant"]["seat"] == again.seat)
            assert rejoined["participant"]["role"] == "host"

    run(scenario())


# --- Audio, video, screen ------------------------------------------------------------------------


def test_a_host_mutes_but_cannot_unmute_anyone(world):
    meeting = create_meeting(world.owner, "Mute")

    async def scenario():
        async with Party(world.server) as party:
            host = await party.enter(world.owner, meeting["id"], "Ada")
            alan = await party.enter(member(world, "alan"), meeting["id"], "Alan")
            await alan.ok("media", audioMuted=False, videoOn=True)
            on = await host.next_event("participant_changed", where=lambda e: e["participant"]["seat"] == alan.seat)
            assert on["participant"]["audioMuted"] is False and on["participant"]["videoOn"] is True

            await host.ok("mute", seat=alan.seat)
            muted = await alan.next_event("muted_by_host")
            assert muted["by"] == host.seat
            change = await host.next_event("participant_changed", where=lambda e: e["participant"]["seat"] == alan.seat)
            assert change["participant"]["audioMuted"] is True

            # No command unmutes someone else.
            for command in ("unmute", "unmute_participant"):
                await host.refused(command, "unknown_type", seat=alan.seat)
            # `media` is about oneself: a seat in it does not make it about someone else.
            await host.ok("media", audioMuted=False, seat=alan.seat)
            await asyncio.sleep(0.5)
            about_alan = [m for m in host.drain() if m.get("event") == "participant_changed" and m["participant"]["seat"] == alan.seat]
            assert about_alan == [], about_alan

            # Asking only asks.
            await host.ok("ask_to_unmute", seat=alan.seat)
            asked = await alan.next_event("asked_to_unmute")
            assert asked["by"] == host.seat
            await host.quiet(within=0.5, names={"participant_changed"})

            # The participant unmutes themselves.
            await alan.ok("media", audioMuted=False)
            back = await host.next_event("participant_changed", where=lambda e: e["participant"]["seat"] == alan.seat)
            assert back["participant"]["audioMuted"] is False

            # Stopping video is the host's to do; starting it again is the participant's.
            await host.ok("stop_video", seat=alan.seat)
            assert (await alan.next_event("video_stopped_by_host"))["by"] == host.seat
            await host.ok("mute_all")
            await alan.next_event("muted_by_host")
            hosts_own = [m for m in host.drain() if m.get("event") == "muted_by_host"]
            assert hosts_own == [], "mute_all does not mute the host"

    run(scenario())


def test_the_screen_sharing_rule_is_enforced_and_switching_back_stops_a_share(world):
    meeting = create_meeting(world.owner, "Screens", whoMayShareScreen="hosts")

    async def scenario():
        async with Party(world.server) as party:
            host = await party.enter(world.owner, meeting["id"], "Ada")
            alan = await party.enter(member(world, "alan"), meeting["id"], "Alan")
            await alan.refused("start_screen_share", "forbidden")
            await alan.refused("screen_sharing", "forbidden", rule="everyone")

            await host.ok("screen_sharing", rule="everyone")
            changed = await alan.next_event("settings_changed")
            assert changed["settings"]["whoMayShareScreen"] == "everyone" and changed["by"] == host.seat
            await alan.ok("start_screen_share")
            sharing = await host.next_event("participant_changed", where=lambda e: e["participant"]["seat"] == alan.seat)
            assert sharing["participant"]["sharingScreen"] is True
            # One screen at a time.
            await host.refused("start_screen_share", "conflict")
            # A host may stop one person's share (and they may start again while the rule allows).
            await host.ok("stop_participant_screen_share", seat=alan.seat)
            assert (await alan.next_event("screen_share_stopped_by_host"))["by"] == host.seat
            stopped_one = await host.next_event("participant_changed", where=lambda e: e["participant"]["seat"] == alan.seat)
            assert stopped_one["participant"]["sharingScreen"] is False
            await alan.ok("start_screen_share")
            await host.next_event("participant_changed", where=lambda e: e["participant"]["seat"] == alan.seat)
            # Hands: a host lowers someone's raised hand.
            await alan.ok("raise_hand")
            await host.next_event("participant_changed", where=lambda e: e["participant"]["seat"] == alan.seat and e["participant"]["handRaised"])
            await host.ok("lower_participant_hand", seat=alan.seat)
            lowered = await alan.next_event("participant_changed", where=lambda e: e["participant"]["seat"] == alan.seat and not e["participant"]["handRaised"])
            assert lowered["participant"]["sharingScreen"] is True
            await host.next_event("participant_changed", where=lambda e: e["participant"]["seat"] == alan.seat and not e["participant"]["handRaised"])

            await host.ok("screen_sharing", rule="hosts")
            stopped = await alan.next_event("screen_share_stopped_by_host")
            assert stopped["by"] == host.seat
            after = await host.next_event("participant_changed", where=lambda e: e["participant"]["seat"] == alan.seat)
            assert after["participant"]["sharingScreen"] is False
            assert (await alan.next_event("settings_changed"))["settings"]["whoMayShareScreen"] == "hosts"
            await alan.refused("start_screen_share", "forbidden")
            await host.refused("screen_sharing", "invalid_message", rule="nobody")
            # The host may share.
            await host.ok("start_screen_share")
            await host.ok("stop_screen_share")

    run(scenario())


def test_the_screen_sharing_rule_cannot_go_beyond_the_organisation_policy(world):
    world.set_policy(whoMayShareScreen="hosts")
    try:
        meeting = create_meeting(world.owner, "Policy screens", whoMayShareScreen="hosts")

        async def scenario():
            async with Party(world.server) as party:
                host = await party.enter(world.owner, meeting["id"], "Ada")
                alan = await party.enter(member(world, "alan"), meeting["id"], "Alan")
                await host.refused("screen_sharing", "policy_violation", rule="everyone")
                await alan.quiet(within=0.5, names={"settings_changed"})

        run(scenario())
    finally:
        world.set_policy(whoMayShareScreen="everyone")


# --- Recording -----------------------------------------------------------------------------------


def test_recording_cannot_start_in_an_end_to_end_encrypted_meeting(world):
    encrypted = create_meeting(world.owner, "Encrypted", e2ee=True)
    plain = create_meeting(world.owner, "Plain")
    no_recording = create_meeting(world.owner, "No recording", whoMayRecord="nobody")

    async def scenario():
        async with Party(world.server) as party:
            host = await party.enter(world.owner, encrypted["id"], "Ada")
            alan = await party.enter(member(world, "alan"), encrypted["id"], "Alan")
            refused = await host.refused("start_recording", "forbidden")
            assert "end-to-end" in refused["message"], refused
            await alan.quiet(within=0.5, names={"recording_changed"})
            await host.ok("leave")
            await alan.ok("leave")

            host = await party.enter(world.owner, no_recording["id"], "Ada")
            await host.refused("start_recording", "forbidden")
            await host.ok("leave")

            # Where recording is allowed, everyone is told and asked.
            host = await party.enter(world.owner, plain["id"], "Ada")
            alan = await party.enter(member(world, "alan"), plain["id"], "Alan")
            grace = await party.enter(member(world, "grace"), plain["id"], "Grace")
            await alan.refused("start_recording", "forbidden")
            await host.ok("start_recording")
            started = await alan.next_event("recording_changed")
            assert started["recording"] is True and started["by"] == host.seat
            await alan.ok("recording_consent", consent=True)
            # Declining the recording means leaving it.
            await grace.next_event("recording_changed")
            await attempt(grace, "recording_consent", consent=False)
            declined = await host.next_event("participant_left", where=lambda e: e["seat"] == grace.seat)
            assert declined["reason"] == "left"
            await host.ok("stop_recording")
            assert (await alan.next_event("recording_changed"))["recording"] is False

    run(scenario())


# --- Ending and hosting --------------------------------------------------------------------------


def test_end_for_all_ends_it_for_everyone_including_the_waiting_room(world):
    meeting = create_meeting(world.owner, "The end", waitingRoom="guests")

    async def scenario():
        async with Party(world.server) as party:
            host = await party.enter(world.owner, meeting["id"], "Ada")
            alan = await party.enter(member(world, "alan"), meeting["id"], "Alan")
            guest = await party.enter(world.guest(), meeting["id"], "Visitor", status="waiting")
            await alan.refused("end_for_all", "forbidden")

            end = await host.post("end_for_all")
            for socket in (alan, guest, host):
                ended = await socket.next_event("ended")
                assert ended["by"] == host.seat, ended
                assert await socket.wait_closed() == 4410, socket
            errors = [m for m in host.history if m.get("re") == end and m.get("type") == "error"]
            assert errors == [], errors

        assert ok_json(world.guest().get(f"/api/v1/meetings/{meeting['id']}"))["ended"] is True
        assert_error(request_ticket(member(world, "alan"), meeting["id"], "Alan"), 410, "meeting_ended")
        assert_error(request_ticket(world.owner, meeting["id"], "Ada"), 410, "meeting_ended")

    run(scenario())


def test_deleting_the_meeting_over_https_ends_it_for_those_in_it(world):
    meeting = create_meeting(world.owner, "Deleted")

    async def scenario():
        async with Party(world.server) as party:
            host = await party.enter(world.owner, meeting["id"], "Ada")
            alan = await party.enter(member(world, "alan"), meeting["id"], "Alan")
            assert call(world.owner, "delete", f"/api/v1/meetings/{meeting['id']}").status_code == 204
            for socket in (alan, host):
                ended = await socket.next_event("ended")
                # The host is in the meeting, so the event names their seat.
                assert ended["by"] == host.seat, ended
                assert await socket.wait_closed() == 4410

    run(scenario())


def test_a_host_outside_the_meeting_ends_it_over_https_without_a_seat_to_name(world):
    meeting = create_meeting(world.owner, "Ended from the dashboard")

    async def scenario():
        async with Party(world.server) as party:
            alan = await party.enter(member(world, "alan"), meeting["id"], "Alan")
            assert call(world.owner, "delete", f"/api/v1/meetings/{meeting['id']}").status_code == 204
            ended = await alan.next_event("ended")
            assert "by" not in ended, ended
            assert await alan.wait_closed() == 4410

    run(scenario())


def test_the_host_transfers_hosting_to_a_member(world):
    meeting = create_meeting(world.owner, "Handover")
    alan_browser = member(world, "alan")

    async def scenario():
        async with Party(world.server) as party:
            host = await party.enter(world.owner, meeting["id"], "Ada")
            alan = await party.enter(alan_browser, meeting["id"], "Alan")
            grace = await party.enter(member(world, "grace"), meeting["id"], "Grace")
            guest = await party.enter(world.guest(), meeting["id"], "Visitor")
            await host.refused("transfer_host", "forbidden", seat=guest.seat)
            await grace.refused("transfer_host", "forbidden", seat=grace.seat)

            await host.ok("transfer_host", seat=alan.seat)
            for socket in (host, alan, grace, guest):
                changed = await socket.next_event("host_changed")
                assert changed["host"] == alan.seat and changed["coHosts"] == [host.seat], changed
            role = await grace.next_event("participant_changed", where=lambda e: e["participant"]["seat"] == alan.seat)
            assert role["participant"]["role"] == "host"

            # The new host has the host's powers; the old one is a co-host.
            await alan.ok("lock")
            await grace.next_event("lock_changed")
            await host.refused("end_for_all", "forbidden")
            await host.refused("transfer_host", "forbidden", seat=grace.seat)
            await host.ok("unlock")
            # Over HTTPS too: the new host sees the details and may change the meeting.
            details = alan_browser.get(f"/api/v1/meetings/{meeting['id']}/details")
            assert details.status_code == 200, details.text
            assert call(alan_browser, "patch", f"/api/v1/meetings/{meeting['id']}", {"title": "Handed over"}).status_code == 200
            assert call(world.owner, "patch", f"/api/v1/meetings/{meeting['id']}", {"title": "Taken back"}).status_code in (403, 404)
            # "Meetings you host or co-host": now Alan's (host) and still Ada's (co-host).
            assert meeting["id"] in [m["id"] for m in ok_json(alan_browser.get("/api/v1/meetings"))["meetings"]]
            assert meeting["id"] in [m["id"] for m in ok_json(world.owner.get("/api/v1/meetings"))["meetings"]]

    run(scenario())


# --- Media access -----------------------------------------------------------------------------------


def test_the_admitted_get_time_limited_turn_credentials_for_their_seat_and_the_waiting_do_not(world):
    meeting = create_meeting(world.owner, "Media", waitingRoom="guests")

    async def scenario():
        async with Party(world.server) as party:
            host = await party.enter(world.owner, meeting["id"], "Ada")
            guest = await party.enter(world.guest(), meeting["id"], "Visitor", status="waiting")
            assert "meeting" not in guest.joined
            await host.ok("admit", seat=guest.joined["seat"])
            admitted = await guest.next_event("admitted")
            return host.joined, admitted, guest.joined["seat"]

    started = time.time()
    joined, admitted, guest_seat = run(scenario())
    for seat, media in ((joined["seat"], joined["meeting"]["media"]), (guest_seat, admitted["meeting"]["media"])):
        assert media["iceTransportPolicy"] == "all"
        [server] = media["iceServers"]
        assert server["urls"] == ["turn:127.0.0.1:3478?transport=udp", "turns:127.0.0.1:5349?transport=tcp"]
        expiry, user = server["username"].split(":", 1)
        assert user == seat.lower(), "the TURN user is the seat id, nothing that names the person"
        assert started + TURN_LIFETIME - 5 <= int(expiry) <= time.time() + TURN_LIFETIME + 1
        expected = base64.b64encode(hmac.new(TURN_SECRET.encode(), server["username"].encode(), hashlib.sha1).digest()).decode()
        assert server["credential"] == expected


# --- Chat and names ------------------------------------------------------------------------------


def test_chat_reaches_everyone_in_the_meeting_but_not_the_waiting_room(world):
    meeting = create_meeting(world.owner, "Chat", waitingRoom="guests")
    quiet_meeting = create_meeting(world.owner, "No chat", chatEnabled=False)

    async def scenario():
        async with Party(world.server) as party:
            host = await party.enter(world.owner, meeting["id"], "Ada")
            alan = await party.enter(member(world, "alan"), meeting["id"], "Alan")
            guest = await party.enter(world.guest(), meeting["id"], "Visitor", status="waiting")
            await alan.ok("chat", text="  Hello, everyone  ")
            for socket in (host, alan):
                said = await socket.next_event("chat")
                assert said["from"] == alan.seat and said["name"] == name_of("alan") and said["text"] == "Hello, everyone", said
            await guest.quiet(names=None)
            await alan.refused("chat", "invalid_input", text="x" * 2001)
            await alan.refused("chat", "invalid_input", text="   ")
            await alan.ok("chat", text="y" * 2000)
            assert len((await host.next_event("chat"))["text"]) == 2000
            await alan.refused("chat", "invalid_message", text=42)

            host2 = await party.enter(world.owner, quiet_meeting["id"], "Ada")
            await host2.refused("chat", "forbidden", text="Anyone?")
            return alan.seat

    alan_seat = run(scenario())

    # The archive kept the two messages, sealed: the host reads them back as a transcript (audited),
    # a participant without a host role and a browser without a session cannot.
    transcript = ok_json(world.owner.get(f"/api/v1/meetings/{meeting['id']}/chat"))
    assert [(m["from"], m["name"], m["text"][:15]) for m in transcript["messages"]] == [
        (alan_seat, name_of("alan"), "Hello, everyone"),
        (alan_seat, name_of("alan"), "y" * 15),
    ], transcript
    assert transcript.get("next") is None
    first = transcript["messages"][0]["id"]
    assert [m["text"][:1] for m in ok_json(world.owner.get(f"/api/v1/meetings/{meeting['id']}/chat?after={first}"))["messages"]] == ["y"]
    assert_error(world.owner.get(f"/api/v1/meetings/{meeting['id']}/chat?limit=0"), 400, "invalid_input", "limit")
    assert_error(world.owner.get(f"/api/v1/meetings/{meeting['id']}/chat?after=nope"), 400, "invalid_input", "after")
    assert_error(member(world, "alan").get(f"/api/v1/meetings/{meeting['id']}/chat"), 404, "not_found")
    assert world.guest().get(f"/api/v1/meetings/{meeting['id']}/chat").status_code == 401
    assert ok_json(world.owner.get(f"/api/v1/meetings/{quiet_meeting['id']}/chat"))["messages"] == []
    reads = [e for e in world.audit("&action=meeting.chat_read") if e["target"]["id"] == meeting["id"]]
    assert reads and reads[0]["details"]["count"] == "2", reads

    backend = world.server.backend
    stored = backend.query_scalar(f"SELECT count(*) FROM chat_messages WHERE meeting_id = '{meeting['id']}'")
    assert stored == 2
    if backend.name == "sqlite":
        clear = "instr(message_ciphertext, CAST('Hello, everyone' AS BLOB)) > 0 OR instr(message_ciphertext, CAST('Alan' AS BLOB)) > 0"
    else:
        clear = "position(convert_to('Hello, everyone', 'UTF8') in message_ciphertext) > 0 OR position(convert_to('Alan', 'UTF8') in message_ciphertext) > 0"
    assert backend.query_scalar(f"SELECT count(*) FROM chat_messages WHERE {clear}") == 0, "chat is stored in clear"


def test_renaming_follows_the_meeting_setting_and_is_not_for_guests(world):
    meeting = create_meeting(world.owner, "Names")
    fixed = create_meeting(world.owner, "Fixed names", allowRename=False)

    async def scenario():
        async with Party(world.server) as party:
            host = await party.enter(world.owner, meeting["id"], "Ada")
            alan = await party.enter(member(world, "alan"), meeting["id"], "Alan")
            guest = await party.enter(world.guest(), meeting["id"], "Visitor")
            await alan.ok("rename", displayName="Alan M. Turing")
            renamed = await host.next_event("participant_changed", where=lambda e: e["participant"]["seat"] == alan.seat)
            assert renamed["participant"]["displayName"] == "Alan M. Turing"
            await alan.refused("rename", "invalid_input", displayName=" ")
            await alan.refused("rename", "invalid_input", displayName="n" * 101)
            await guest.refused("rename", "forbidden", displayName="Totally the host")

            grace = await party.enter(member(world, "grace"), fixed["id"], "Grace")
            await grace.refused("rename", "forbidden", displayName="Amazing Grace")

    run(scenario())


# --- Bad input -----------------------------------------------------------------------------------


def test_malformed_messages_get_an_error_and_change_nothing(world):
    meeting = create_meeting(world.owner, "Garbage")

    async def scenario():
        async with Party(world.server) as party:
            host = await party.enter(world.owner, meeting["id"], "Ada")
            alan = await party.enter(member(world, "alan"), meeting["id"], "Alan")

            async def expect(raw, code, re=None):
                await alan.send_raw(raw)
                error = await alan.next_error()
                assert error["code"] == code, (raw if len(raw) < 200 else raw[:200], error)
                assert error.get("v") == 1 and error.get("message")
                if re is not None:
                    assert error.get("re") == re, error

            await expect("this is not JSON", "invalid_message")
            await expect("[1, 2, 3]", "invalid_message")
            await expect(json.dumps({"v": 2, "type": "raise_hand", "id": "a"}), "unsupported_version", re="a")
            await alan.send_raw(json.dumps({"type": "raise_hand", "id": "b"}))  # no "v" at all
            assert (await alan.next_error())["code"] in ("unsupported_version", "invalid_message")
            await expect(json.dumps({"v": 1, "type": "raise_hand"}), "invalid_message")
            await expect(json.dumps({"v": 1, "type": "raise_hand", "id": "x" * 65}), "invalid_message")
            await expect(json.dumps({"v": 1, "id": "c"}), "invalid_message", re="c")
            await expect(json.dumps({"v": 1, "type": "teleport", "id": "d"}), "unknown_type", re="d")
            await expect(json.dumps({"v": 1, "type": "mute", "id": "e", "seat": "not-a-seat"}), "invalid_message", re="e")
            await expect(json.dumps({"v": 1, "type": "media", "id": "f", "audioMuted": "no"}), "invalid_message", re="f")
            await expect(json.dumps({"v": 1, "type": "chat", "id": "g", "text": "z" * (65 * 1024)}), "too_large")
            # Still connected and still in the meeting, and nobody saw anything.
            await host.quiet(within=0.5)
            await alan.ok("raise_hand")
            raised = await host.next_event("participant_changed", where=lambda e: e["participant"]["seat"] == alan.seat)
            assert raised["participant"]["handRaised"] is True
            assert not alan.closed

    run(scenario())


def test_the_first_message_must_be_join_or_resume(world):
    async def scenario():
        async with Party(world.server) as party:
            for first in (
                {"v": 1, "type": "raise_hand", "id": "1"},
                {"v": 1, "type": "chat", "id": "1", "text": "hi"},
                {"v": 1, "type": "lock", "id": "1"},
            ):
                socket = await party.connect(member(world, "alan"), "alan")
                await socket.send_raw(json.dumps(first))
                assert await socket.wait_closed() == 4401, (first, socket.history)
            # Saying nothing at all is not a way to hold a connection open.
            silent = await party.connect(world.guest(), "silent")
            assert await silent.wait_closed(timeout=20) is not None

    run(scenario())


def test_forged_used_and_borrowed_tickets_do_not_join(world):
    meeting = create_meeting(world.owner, "Tickets")
    alan_browser, grace_browser = member(world, "alan"), member(world, "grace")

    async def scenario():
        async with Party(world.server) as party:
            host = await party.enter(world.owner, meeting["id"], "Ada")
            for forged in ("A" * 43, "", "not a ticket", "x" * 2000):
                socket = await party.connect(world.guest(), "forger")
                answer = await attempt(socket, "join", ticket=forged)
                assert answer["type"] in ("error", "closed"), answer
            used = ticket(alan_browser, meeting["id"], "Alan")
            alan = await party.connect(alan_browser, "alan")
            assert (await alan.join(used))["type"] == "ok"
            await host.next_event("participant_joined")
            replay = await party.connect(alan_browser, "alan replay")
            assert (await attempt(replay, "join", ticket=used))["type"] in ("error", "closed")
            await host.quiet(within=0.5, names={"participant_joined"})
            # A ticket is bound to the identity it was issued to: another signed-in person's socket
            # (someone who got hold of the ticket) does not join as Alan.
            borrowed = ticket(alan_browser, meeting["id"], "Alan")
            thief = await party.connect(grace_browser, "grace with alan's ticket")
            answer = await attempt(thief, "join", ticket=borrowed)
            assert answer["type"] in ("error", "closed"), f"Grace's socket joined with Alan's ticket: {answer}"
            # Nor a socket with no cookies at all, for a member's or a guest's ticket.
            anonymous = await party.connect(None, "no cookies")
            answer = await attempt(anonymous, "join", ticket=ticket(alan_browser, meeting["id"], "Alan"))
            assert answer["type"] in ("error", "closed"), f"a cookieless socket joined with Alan's ticket: {answer}"
            visitor = world.guest()
            guest_ticket = ticket(visitor, meeting["id"], "Visitor")
            other_guest = world.guest()
            ticket(other_guest, meeting["id"], "Someone")  # has a guest cookie of its own
            for socket in (await party.connect(None, "no cookies"), await party.connect(other_guest, "other guest")):
                answer = await attempt(socket, "join", ticket=guest_ticket)
                assert answer["type"] in ("error", "closed"), f"{socket.name} joined with another guest's ticket: {answer}"
            await host.quiet(within=0.5, names={"participant_joined"})

    run(scenario())


def test_participants_cannot_use_host_commands_and_nothing_changes(world):
    meeting = create_meeting(world.owner, "Privilege", waitingRoom="guests")

    async def scenario():
        async with Party(world.server) as party:
            host = await party.enter(world.owner, meeting["id"], "Ada")
            alan = await party.enter(member(world, "alan"), meeting["id"], "Alan")
            grace = await party.enter(member(world, "grace"), meeting["id"], "Grace")
            waiting = await party.enter(world.guest(), meeting["id"], "Visitor", status="waiting")
            await host.next_event("waiting_list")
            host.drain()
            grace.drain()
            for attacker in (alan,):
                for command, fields in [
                    ("lock", {}),
                    ("unlock", {}),
                    ("admit", {"seat": waiting.seat}),
                    ("admit_all", {}),
                    ("deny", {"seat": waiting.seat}),
                    ("remove", {"seat": grace.seat, "allowRejoin": False}),
                    ("remove", {"seat": host.seat, "allowRejoin": False}),
                    ("mute", {"seat": grace.seat}),
                    ("mute_all", {}),
                    ("ask_to_unmute", {"seat": grace.seat}),
                    ("stop_video", {"seat": grace.seat}),
                    ("stop_participant_screen_share", {"seat": grace.seat}),
                    ("lower_participant_hand", {"seat": grace.seat}),
                    ("screen_sharing", {"rule": "everyone"}),
                    ("start_recording", {}),
                    ("stop_recording", {}),
                    ("make_co_host", {"seat": alan.seat}),
                    ("make_co_host", {"seat": grace.seat}),
                    ("remove_co_host", {"seat": host.seat}),
                    ("transfer_host", {"seat": alan.seat}),
                    ("end_for_all", {}),
                ]:
                    await attacker.refused(command, "forbidden", **fields)
            await host.quiet(within=1.0)
            await grace.quiet(within=0.1)
            await waiting.quiet(within=0.1)
            # A guest in the meeting is refused the same way.
            await host.ok("admit", seat=waiting.seat)
            await waiting.next_event("admitted")
            await waiting.refused("lock", "forbidden")
            await waiting.refused("remove", "forbidden", seat=alan.seat, allowRejoin=False)
            # And the host still has every power.
            await host.ok("lock")
            assert (await alan.next_event("lock_changed"))["locked"] is True

    run(scenario())


async def flood(socket, count: int, timeout: float = 20, kinds=("raise_hand", "lower_hand")) -> list[dict]:
    """Sends `count` messages back to back (cycling through `kinds`) and returns the answers, `ok` or
    `error`, in order (an error for a refused message may carry no `re`), until all have come or the
    socket closes."""
    for index in range(count):
        if socket.closed:
            break
        try:
            await socket.post(kinds[index % len(kinds)])
        except Exception:  # noqa: BLE001 - the server closed the socket under us
            break
    answers: list[dict] = []
    deadline = asyncio.get_running_loop().time() + timeout
    while len(answers) < count and asyncio.get_running_loop().time() < deadline:
        try:
            answers.append(await socket.take(lambda m: m.get("type") in ("ok", "error"), 2.0, "answer", allow_closed=True))
        except AssertionError:
            if socket.closed:
                break
    return answers


def test_a_flood_of_messages_is_rate_limited(world):
    meeting = create_meeting(world.owner, "Flood")

    async def scenario():
        async with Party(world.server) as party:
            host = await party.enter(world.owner, meeting["id"], "Ada")
            alan = await party.enter(member(world, "alan"), meeting["id"], "Alan")
            answers = await flood(alan, 100)
            limited = [a for a in answers if a.get("type") == "error" and a.get("code") == "too_many_requests"]
            accepted = [a for a in answers if a.get("type") == "ok"]
            assert limited, f"100 messages at once, none refused: {len(accepted)} ok of {len(answers)} answers"
            # A burst of 40, then 20 a second: sending 100 takes far less than the 3 seconds it would need.
            assert len(accepted) <= 70, f"{len(accepted)} of 100 accepted at once (a burst of 40 is allowed)"
            if alan.closed:
                assert alan.close_code == 4429, alan.close_code
            # Others are unaffected.
            await host.ok("chat", text="still here")
            await host.next_event("chat", where=lambda e: e["text"] == "still here")

    run(scenario())


def test_a_connection_that_keeps_flooding_is_closed(world):
    meeting = create_meeting(world.owner, "Flood harder")

    async def scenario():
        async with Party(world.server) as party:
            await party.enter(world.owner, meeting["id"], "Ada")
            alan = await party.enter(member(world, "alan"), meeting["id"], "Alan")
            # Messages the server answers cheaply, so they arrive faster than it could ever process
            # real commands; they count like any other.
            await flood(alan, 400, kinds=("no_such_command",))
            assert await alan.wait_closed(timeout=15) == 4429, alan.close_code

    run(scenario())


def test_the_upgrade_needs_our_origin(world):
    async def scenario():
        for origin in ("https://evil.example", "null", f"https://localhost:{world.server.https_port + 1}", None):
            status = await handshake_status(world.server, member(world, "alan"), origin=origin)
            # Refused: hummingbird-websocket answers any refused upgrade with 400 and no body (docs/signaling.md).
            assert status == 400, (origin, status)

    run(scenario())


# --- Accounts and sessions -----------------------------------------------------------------------


def test_disabling_an_account_closes_its_live_socket(world):
    meeting = create_meeting(world.owner, "Disabled")
    dora_browser = member(world, "dora")

    async def scenario():
        async with Party(world.server) as party:
            host = await party.enter(world.owner, meeting["id"], "Ada")
            dora = await party.enter(dora_browser, meeting["id"], "Dora")
            world.step_up()
            disabled = world.owner.post(f"/api/v1/organizations/{world.organization}/members/{world.member_ids['dora']}/disable", {})
            assert disabled.status_code in (200, 204), disabled.text
            # "when the account changes": well within the 5-minute periodic revalidation.
            await dora.next_event("session_ended", timeout=15)
            assert await dora.wait_closed(timeout=15) == 4401
            left = await host.next_event("participant_left", where=lambda e: e["seat"] == dora.seat)
            assert left["reason"] in ("left", "removed", "denied", "joined_elsewhere", "ended"), left
            # Her session is gone: she is no longer signed in, so can only be a guest now.
            assert dora_browser.get("/api/v1/account/sessions").status_code == 401

    run(scenario())


def test_ending_a_members_sessions_closes_their_live_socket(world):
    """An administrator's "end sessions" ends the session the socket was opened with: the doc's
    revalidation "when the account changes" should close it at once, not up to 5 minutes later."""
    meeting = create_meeting(world.owner, "Sessions ended")
    frances_browser = member(world, "frances")

    async def scenario():
        async with Party(world.server) as party:
            host = await party.enter(world.owner, meeting["id"], "Ada")
            frances = await party.enter(frances_browser, meeting["id"], "Frances")
            world.step_up()
            ended = world.owner.post(f"/api/v1/organizations/{world.organization}/members/{world.member_ids['frances']}/end-sessions", {})
            assert ended.status_code in (200, 204), ended.text
            assert frances_browser.get("/api/v1/account/sessions").status_code == 401
            assert await frances.wait_closed(timeout=15) == 4401, frances.history
            assert any(m.get("event") == "session_ended" for m in frances.history), frances.history
            await host.next_event("participant_left", where=lambda e: e["seat"] == frances.seat)

    run(scenario())


def test_a_resumed_connection_is_still_closed_when_the_account_is_disabled(world):
    """Resuming a seat must not shed the identity behind it: the resumed socket of an account that
    is then disabled closes like any other."""
    meeting = create_meeting(world.owner, "Resumed then disabled")
    barbara_browser = member(world, "barbara")

    async def scenario():
        async with Party(world.server) as party:
            host = await party.enter(world.owner, meeting["id"], "Ada")
            barbara = await party.enter(barbara_browser, meeting["id"], "Barbara")
            barbara.abort()
            await asyncio.sleep(0.5)
            again = await party.connect(barbara_browser, "barbara resumed")
            resumed = await again.resume(barbara.resume_token)
            assert resumed["type"] == "ok" and resumed["seat"] == barbara.seat, resumed
            world.step_up()
            disabled = world.owner.post(f"/api/v1/organizations/{world.organization}/members/{world.member_ids['barbara']}/disable", {})
            assert disabled.status_code in (200, 204), disabled.text
            assert await again.wait_closed(timeout=15) == 4401, again.history
            await host.next_event("participant_left", where=lambda e: e["seat"] == barbara.seat)

    run(scenario())


def test_a_dropped_connection_resumes_its_seat_once(world):
    meeting = create_meeting(world.owner, "Resume")
    alan_browser = member(world, "alan")

    async def scenario():
        async with Party(world.server) as party:
            host = await party.enter(world.owner, meeting["id"], "Ada")
            alan = await party.enter(alan_browser, meeting["id"], "Alan")
            token = alan.resume_token
            alan.abort()
            await asyncio.sleep(0.5)
            again = await party.connect(alan_browser, "alan resumed")
            resumed = await again.resume(token)
            assert resumed["type"] == "ok", resumed
            assert resumed["seat"] == alan.seat and resumed["status"] == "in_meeting"
            assert resumed["resumeToken"] != token
            await host.quiet(within=0.5, names={"participant_left", "participant_joined"})
            # The old token is spent.
            replay = await party.connect(alan_browser, "alan replay")
            answer = await attempt(replay, "resume", resumeToken=token)
            assert answer["type"] in ("error", "closed"), answer
            await again.ok("raise_hand")

    run(scenario())


def test_a_resume_token_only_resumes_for_the_same_person(world):
    """Like a ticket, a resume token is bound to the identity behind the seat: someone else's socket
    (another account, or no cookies at all) holding a leaked token does not get the seat (here the
    host's, with the host's powers). The doc does not say so explicitly; tickets are bound this way."""
    meeting = create_meeting(world.owner, "Resume theft")

    async def scenario():
        async with Party(world.server) as party:
            host = await party.enter(world.owner, meeting["id"], "Ada")
            alan = await party.enter(member(world, "alan"), meeting["id"], "Alan")
            token = host.resume_token
            host.abort()
            await asyncio.sleep(0.5)
            for thief in (await party.connect(member(world, "grace"), "grace"), await party.connect(None, "no cookies")):
                answer = await attempt(thief, "resume", resumeToken=token)
                assert answer["type"] in ("error", "closed"), f"{thief.name} resumed the host's seat: {answer}"
            await alan.quiet(within=0.5, names={"lock_changed"})

    run(scenario())


# --- Durable state -------------------------------------------------------------------------------


def test_a_restart_keeps_the_lock_the_removals_and_the_waiting_room(world):
    """Last in the module: restarts the module's server."""
    meeting = create_meeting(world.owner, "Durable", waitingRoom="guests")
    grace_browser, edsger_browser = member(world, "grace"), member(world, "edsger")
    guest_browser = world.guest()
    kept = {}

    async def before():
        async with Party(world.server) as party:
            host = await party.enter(world.owner, meeting["id"], "Ada")
            grace = await party.enter(grace_browser, meeting["id"], "Grace")
            guest = await party.enter(guest_browser, meeting["id"], "Visitor", status="waiting")
            alan = await party.enter(member(world, "alan"), meeting["id"], "Alan")
            await host.ok("make_co_host", seat=alan.seat)
            await host.ok("remove", seat=grace.seat, allowRejoin=False)
            await grace.wait_closed()
            await host.ok("lock")
            kept["guest_seat"], kept["guest_token"] = guest.seat, guest.resume_token
            guest.abort()

    run(before())
    world.server.restart()

    async def after():
        async with Party(world.server) as party:
            # First, before anything else touches the meeting: the waiting guest takes their seat
            # back within 30 seconds of the restart, still waiting (a restart admits nobody).
            guest = await party.connect(guest_browser, "guest")
            resumed = await guest.resume(kept["guest_token"])
            assert resumed["type"] == "ok", resumed
            assert resumed["seat"] == kept["guest_seat"] and resumed["status"] == "waiting", resumed
            assert "participants" not in json.dumps(resumed)

            # Still locked, and Grace still removed.
            assert_error(request_ticket(edsger_browser, meeting["id"], "Edsger"), 403, "meeting_locked")
            refused = request_ticket(grace_browser, meeting["id"], "Grace")
            assert_error(refused, 403)
            assert refused.json()["error"]["code"] in ("removed_from_meeting", "meeting_locked")

            host = await party.enter(world.owner, meeting["id"], "Ada")
            assert host.joined["meeting"]["locked"] is True
            assert kept["guest_seat"] not in participant_seats(host.joined["meeting"])
            # Alan is still a co-host: co-hosts, like the host, may come back to a locked meeting.
            alan = await party.enter(member(world, "alan"), meeting["id"], "Alan")
            assert {p["seat"]: p["role"] for p in alan.joined["meeting"]["participants"]}[alan.seat] == "co_host", alan.joined
            await host.ok("unlock")
            # Unlocked: Edsger may come in, Grace is still removed.
            await party.enter(edsger_browser, meeting["id"], "Edsger")
            assert_error(request_ticket(grace_browser, meeting["id"], "Grace"), 403, "removed_from_meeting")
            await host.ok("admit", seat=kept["guest_seat"])
            await guest.next_event("admitted")

    run(after())

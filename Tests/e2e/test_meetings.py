"""Meetings over HTTPS against the real server (docs/signaling.md, "Meetings over HTTPS"): creating instant
and scheduled meetings, the generated passcode shown once, settings bounded by the organisation's policy,
what the public view, the details and PATCH show to whom, and join tickets: passcodes (wrong ones
throttled per client and audited), the by-number route that always needs the passcode, and tickets
that are single-use and short-lived."""

from __future__ import annotations

import base64
import re
from datetime import datetime, timedelta, timezone

from signaling import (  # noqa: F401 (fixtures)
    PERMISSIVE_POLICY,
    Party,
    _server_logs_on_failure,
    assert_error,
    call,
    create_meeting,
    ok_json,
    post_meeting,
    request_ticket,
    run,
    ticket,
    world,
)

MEETING_ID = re.compile(r"^[A-Za-z0-9_-]{22}$")
NUMBER = re.compile(r"^[0-9]{10}$")
PUBLIC_FIELDS = {"id", "title", "passcodeRequired", "whoMayJoin", "e2ee", "ended"}


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


# --- Creating ------------------------------------------------------------------------------------


def test_instant_and_scheduled_meetings_get_a_random_id_and_a_ten_digit_number(world):
    owner = world.owner
    instant = create_meeting(owner, "Stand-up")
    when = (datetime.now(timezone.utc) + timedelta(days=2)).replace(microsecond=0)
    scheduled = create_meeting(owner, "Quarterly review", scheduled_for=when.isoformat().replace("+00:00", "Z"))
    for meeting in (instant, scheduled):
        assert MEETING_ID.match(meeting["id"]), meeting
        assert NUMBER.match(meeting["number"]), meeting
        assert meeting.get("passcode") is None, "no passcode was required, so none was generated"
    assert instant["id"] != scheduled["id"] and instant["number"] != scheduled["number"]
    assert instant["title"] == "Stand-up" and scheduled["title"] == "Quarterly review"
    assert instant.get("scheduledFor") is None
    assert parse_time(scheduled["scheduledFor"]) == when
    # 128 random bits: 22 base64url characters decode to 16 bytes.
    assert len(base64.urlsafe_b64decode(instant["id"] + "==")) == 16

    ids = [m["id"] for m in ok_json(owner.get("/api/v1/meetings"))["meetings"]]
    assert instant["id"] in ids and scheduled["id"] in ids
    # Nobody else hosts them.
    theirs = ok_json(world.members["alan"].get("/api/v1/meetings"))
    assert instant["id"] not in str(theirs) and scheduled["id"] not in str(theirs)
    # Not signed in: nothing to list.
    assert world.guest().get("/api/v1/meetings").status_code == 401


def test_a_generated_passcode_is_returned_once_and_never_shown_again(world):
    owner = world.owner
    meeting = create_meeting(owner, "Board meeting", passcodeRequired=True)
    passcode = meeting.get("passcode")
    assert isinstance(passcode, str) and re.fullmatch(r"[0-9]{8}", passcode), meeting
    details = ok_json(owner.get(f"/api/v1/meetings/{meeting['id']}/details"))
    listed = ok_json(owner.get("/api/v1/meetings"))
    public = ok_json(world.guest().get(f"/api/v1/meetings/{meeting['id']}"))
    for later in (details, listed, public):
        assert passcode not in str(later), later
        assert "scrypt" not in str(later).lower() and "passcodeHash" not in str(later)
    assert public["passcodeRequired"] is True
    # The generated passcode works; a chosen passcode is not echoed back.
    assert request_ticket(world.guest(), meeting["id"], "Visitor", passcode).status_code == 201
    chosen = create_meeting(owner, "Chosen passcode", passcodeRequired=True, passcode="kestrel2931")
    assert "passcode" not in chosen or chosen["passcode"] is None, chosen
    assert request_ticket(world.guest(), chosen["id"], "Visitor", "kestrel2931").status_code == 201


def test_settings_weaker_than_the_organisation_policy_are_refused_naming_the_field(world):
    owner = world.owner
    strict = {"passcodeRequired": True, "waitingRoom": "everyone", "whoMayRecord": "nobody", "whoMayShareScreen": "hosts", "e2eeRequired": True}
    strong = {"passcodeRequired": True, "waitingRoom": "everyone", "whoMayRecord": "nobody", "whoMayShareScreen": "hosts", "e2ee": True}
    weaker = {
        "passcodeRequired": {"passcodeRequired": False},
        "waitingRoom": {"waitingRoom": "guests"},
        "whoMayRecord": {"whoMayRecord": "hosts"},
        "whoMayShareScreen": {"whoMayShareScreen": "everyone"},
        "e2ee": {"e2ee": False},
    }
    existing = create_meeting(owner, "Before the policy changed")
    world.set_policy(**strict)
    try:
        for field_name, change in weaker.items():
            refused = post_meeting(owner, "Too weak", **{**strong, **change})
            assert_error(refused, 400, "policy_violation", field_name)
            # PATCH is bounded the same way.
            patched = call(owner, "patch", f"/api/v1/meetings/{existing['id']}", {"settings": {**existing["settings"], **strong, **change}})
            assert_error(patched, 400, "policy_violation", field_name)
        # At the floor (or above) is fine.
        allowed = create_meeting(owner, "Strong enough", **strong)
        assert allowed["settings"]["e2ee"] is True and allowed["settings"]["waitingRoom"] == "everyone"
        assert "passcode" in allowed  # required and not given: generated
        # Out-of-range limits are invalid input, not a policy matter.
        assert_error(post_meeting(owner, "Huge", **strong, participantLimit=100000), 400, "invalid_input", "participantLimit")
    finally:
        world.set_policy(**PERMISSIVE_POLICY)
    # Nothing refused was created.
    listed = str(ok_json(owner.get("/api/v1/meetings")))
    assert "Too weak" not in listed and "Huge" not in listed


def test_bad_meeting_requests_are_refused(world):
    owner = world.owner
    assert_error(post_meeting(owner, ""), 400, "invalid_input", "title")
    assert_error(post_meeting(owner, "x" * 1000), 400, "invalid_input", "title")
    assert_error(post_meeting(owner, "Bad join rule", whoMayJoin="everybody"), 400)
    assert_error(post_meeting(owner, "Limit", participantLimit=1), 400, "invalid_input", "participantLimit")
    # Only signed-in members create meetings, and only from our site.
    assert world.guest().post("/api/v1/meetings", {"title": "Anonymous"}).status_code == 401
    foreign = owner.post("/api/v1/meetings", {"title": "Cross-site"}, origin="https://evil.example")
    assert foreign.status_code == 403
    no_csrf = owner.post("/api/v1/meetings", {"title": "No token"}, csrf=False)
    assert_error(no_csrf, 403, "csrf_token_invalid")


# --- Who sees what -------------------------------------------------------------------------------


def test_the_public_view_shows_only_title_passcode_rule_join_rule_e2ee_and_ended(world):
    owner, alan = world.owner, world.members["alan"]
    meeting = create_meeting(owner, "Design review", passcodeRequired=True, whoMayJoin="organization", e2ee=True)
    # Someone in the meeting, so there would be participants and a host to leak.
    async def scenario():
        async with Party(world.server) as party:
            await party.enter(owner, meeting["id"], "Ada", meeting["passcode"])
            for viewer in (world.guest(), alan, owner):
                public = ok_json(viewer.get(f"/api/v1/meetings/{meeting['id']}"))
                assert set(public) == PUBLIC_FIELDS, public
                assert public == {
                    "id": meeting["id"],
                    "title": "Design review",
                    "passcodeRequired": True,
                    "whoMayJoin": "organization",
                    "e2ee": True,
                    "ended": False,
                }
                text = str(public)
                assert "Ada" not in text and world.member_ids["alan"] not in text and meeting["number"] not in text

    run(scenario())
    assert_error(world.guest().get("/api/v1/meetings/AAAAAAAAAAAAAAAAAAAAAA"), 404)
    assert world.guest().get("/api/v1/meetings/not-a-meeting-id").status_code in (400, 404)


def test_details_are_for_the_host_and_changes_only_by_the_host(world):
    owner, alan = world.owner, world.members["alan"]
    meeting = create_meeting(owner, "Budget", muteOnEntry=True)
    path = f"/api/v1/meetings/{meeting['id']}"
    details = ok_json(owner.get(path + "/details"))
    assert details["id"] == meeting["id"] and details["settings"]["muteOnEntry"] is True
    for outsider in (alan, world.guest()):
        assert outsider.get(path + "/details").status_code in (401, 403, 404)
        refused = call(outsider, "patch", path, {"title": "Hijacked"})
        assert refused.status_code in (401, 403, 404), refused.text
        ended = call(outsider, "delete", path)
        assert ended.status_code in (401, 403, 404), ended.text
    assert ok_json(world.guest().get(path))["title"] == "Budget"
    assert ok_json(world.guest().get(path))["ended"] is False

    # The host changes the title and settings.
    changed = ok_json(call(owner, "patch", path, {"title": "Budget (moved)", "settings": {**meeting["settings"], "chatEnabled": False}}))
    assert changed["title"] == "Budget (moved)"
    assert ok_json(owner.get(path + "/details"))["settings"]["chatEnabled"] is False
    assert ok_json(world.guest().get(path))["title"] == "Budget (moved)"

    # DELETE ends it for everyone.
    assert call(owner, "delete", path).status_code in (200, 204)
    assert ok_json(world.guest().get(path))["ended"] is True
    assert_error(request_ticket(alan, meeting["id"], "Alan"), 410, "meeting_ended")
    listed = str(ok_json(owner.get("/api/v1/meetings")))
    assert meeting["id"] not in listed


# --- Tickets and passcodes -----------------------------------------------------------------------


def test_a_ticket_is_short_lived_and_names_the_signaling_url(world):
    meeting = create_meeting(world.owner, "Tickets")
    before = datetime.now(timezone.utc)
    granted = ok_json(request_ticket(world.guest(), meeting["id"], "Visitor"), 201)
    # 256 bits in base64url.
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", granted["ticket"]), granted
    expires = parse_time(granted["expiresAt"])
    assert before + timedelta(seconds=30) < expires <= before + timedelta(seconds=90), granted
    assert granted["signalingURL"] == world.server.public_url.replace("https://", "wss://") + "/api/v1/signaling"
    # A guest gets a guest identity cookie with the ticket.
    guest = world.guest()
    request_ticket(guest, meeting["id"], "Visitor")
    assert guest.http.cookies.get("__Host-dm_guest"), list(guest.http.cookies)
    # Names are checked.
    assert_error(request_ticket(world.guest(), meeting["id"], ""), 400, field="displayName")
    assert_error(request_ticket(world.guest(), meeting["id"], "n" * 101), 400, field="displayName")
    assert_error(request_ticket(world.guest(), "AAAAAAAAAAAAAAAAAAAAAA", "Visitor"), 404)


def test_who_may_join_is_checked_when_the_ticket_is_requested(world):
    owner, alan = world.owner, world.members["alan"]
    signed_in = create_meeting(owner, "Signed in only", whoMayJoin="signed_in")
    assert request_ticket(world.guest(), signed_in["id"], "Visitor").status_code in (401, 403)
    assert request_ticket(alan, signed_in["id"], "Alan").status_code == 201
    organization = create_meeting(owner, "Organisation only", whoMayJoin="organization")
    assert request_ticket(world.guest(), organization["id"], "Visitor").status_code in (401, 403)
    assert request_ticket(alan, organization["id"], "Alan").status_code == 201


def test_wrong_passcodes_are_refused_throttled_per_client_and_audited(world):
    meeting = create_meeting(world.owner, "Secret plans", passcodeRequired=True)
    passcode = meeting["passcode"]
    visitor = world.guest()
    # No passcode at all is refused like a wrong one (but is not a guess).
    missing = request_ticket(visitor, meeting["id"], "Visitor")
    assert missing.status_code in (400, 401, 403), missing.text
    wrong = [p for p in ("00000000", "11111111", "22222222", "33333333", "44444444", "55555555") if p != passcode]
    for attempt in wrong[:5]:
        refused = request_ticket(visitor, meeting["id"], "Visitor", attempt)
        assert refused.status_code in (400, 401, 403), refused.text
        assert "ticket" not in refused.json()
    throttled = request_ticket(visitor, meeting["id"], "Visitor", wrong[5] if len(wrong) > 5 else "66666666")
    assert_error(throttled, 429, "too_many_attempts")
    retry_after = int(throttled.headers["Retry-After"])
    assert 0 < retry_after <= 600, throttled.headers
    # The throttle is per client address, so from this address even the right passcode waits now.
    still = request_ticket(world.guest(), meeting["id"], "Visitor", passcode)
    assert still.status_code == 429, still.text
    # Another meeting is another count.
    other = create_meeting(world.owner, "Other plans", passcodeRequired=True)
    assert request_ticket(visitor, other["id"], "Visitor", other["passcode"]).status_code == 201

    failures = [e for e in world.audit("&action=meeting.passcode_failed") if meeting["id"] in str(e)]
    assert len(failures) >= 5, failures
    for entry in failures:
        assert entry["action"] == "meeting.passcode_failed"
        assert entry["outcome"] in ("failure", "denied"), entry
        assert entry["address"] == "127.0.0.1", entry
        # The guesses themselves are not written down.
        assert not any(guess in str(entry) for guess in wrong), entry
        assert passcode not in str(entry)


def test_by_number_always_needs_the_passcode(world):
    owner = world.owner
    open_meeting = create_meeting(owner, "Open by link")
    # By link: no passcode needed. By number: refused without one, whatever the settings.
    assert request_ticket(world.guest(), open_meeting["id"], "Visitor").status_code == 201
    refused = request_ticket(world.guest(), None, "Visitor", number=open_meeting["number"])
    assert refused.status_code in (400, 401, 403), refused.text
    assert request_ticket(world.guest(), None, "Visitor", "", number=open_meeting["number"]).status_code in (400, 401, 403)

    protected = create_meeting(owner, "Protected", passcodeRequired=True)
    assert request_ticket(world.guest(), None, "Visitor", number=protected["number"]).status_code in (400, 401, 403)
    assert request_ticket(world.guest(), None, "Visitor", "12345670" if protected["passcode"] != "12345670" else "76543210", number=protected["number"]).status_code in (400, 401, 403)
    by_number = request_ticket(world.guest(), None, "Visitor", protected["passcode"], number=protected["number"])
    assert by_number.status_code == 201, by_number.text
    assert by_number.json()["ticket"]
    # An unknown number looks the same as a wrong passcode would not help: it is simply not found or refused.
    unknown = "0000000000" if protected["number"] != "0000000000" else "0000000001"
    assert request_ticket(world.guest(), None, "Visitor", protected["passcode"], number=unknown).status_code in (400, 401, 403, 404)


def test_a_ticket_is_single_use(world):
    meeting = create_meeting(world.owner, "Single use")
    alan = world.members["alan"]

    async def scenario():
        async with Party(world.server) as party:
            granted = ticket(alan, meeting["id"], "Alan")
            first = await party.connect(alan, "alan")
            joined = await first.join(granted)
            assert joined["type"] == "ok", joined
            await first.ok("leave")
            second = await party.connect(alan, "alan again")
            again = await second.join(granted)
            assert again["type"] != "ok", again
            # The same ticket from someone else's socket is no better.
            third = await party.connect(world.guest(), "guest")
            stolen = await third.join(granted)
            assert stolen["type"] != "ok", stolen

    run(scenario())


def _age_tickets(world, seconds: int) -> None:
    """Moves every join ticket's expiry `seconds` into the past (join_tickets.expires_at_ms)."""
    world.server.backend.execute(f"UPDATE join_tickets SET expires_at_ms = expires_at_ms - {seconds * 1000}")


def test_an_expired_ticket_is_refused(world):
    meeting = create_meeting(world.owner, "Expiring")
    alan = world.members["alan"]
    granted = ticket(alan, meeting["id"], "Alan")
    # Older than its 60 seconds (by moving the expiry back rather than waiting a minute).
    _age_tickets(world, 61)

    async def scenario():
        async with Party(world.server) as party:
            socket = await party.connect(alan, "alan")
            late = await socket.join(granted)
            assert late["type"] != "ok", late
            # A fresh ticket works.
            fresh = await party.connect(alan, "alan")
            assert (await fresh.join(ticket(alan, meeting["id"], "Alan")))["type"] == "ok"

    run(scenario())


def test_ticket_requests_are_refused_for_a_full_meeting(world):
    owner, alan, grace = world.owner, world.members["alan"], world.members["grace"]
    meeting = create_meeting(owner, "Two people", participantLimit=2)

    async def scenario():
        async with Party(world.server) as party:
            await party.enter(owner, meeting["id"], "Ada")
            await party.enter(alan, meeting["id"], "Alan")
            assert_error(request_ticket(grace, meeting["id"], "Grace"), 409, "meeting_full")
            assert_error(request_ticket(world.guest(), meeting["id"], "Visitor"), 409, "meeting_full")

    run(scenario())

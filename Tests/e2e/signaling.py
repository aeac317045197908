"""Meetings and signaling for the end-to-end tests: HTTP helpers for meetings and join tickets, a small
asyncio WebSocket client that speaks the protocol of docs/signaling.md, and the `world` fixture.

`Signaling` reads its socket in a background task: every message lands in `inbox`; `send` waits for the
answer whose `re` is the command's `id`, and events that arrive meanwhile stay in the inbox for
`next_event`. The socket is opened the way a browser on the meeting page would: our Origin, the cookies
of the HTTP client (session and guest cookie), TLS to the self-signed certificate (not verified, as the
HTTP clients do not verify it either; certificate checking has its own tests).

`world` is one server per test module (per database backend): the owner with two-step verification
(so able to step up), a permissive organisation meeting policy (the floor) so each meeting chooses its
own settings, and four members who accepted invitations, all signed in.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import ssl
import time
from dataclasses import dataclass, field

import pytest
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from accounts import Authenticator, Client, link_token, wait_for_mail
from conftest import (
    OWNER,
    STRONG_PASSWORD,
    TEST_DATABASE_URL,
    DigitalMeetServer,
    PostgresBackend,
    SQLiteBackend,
    _artifact_dir,
)

SIGNALING_PATH = "/api/v1/signaling"
# Debug builds on a busy machine answer slowly; nothing in the protocol should take this long.
ANSWER_TIMEOUT = 15.0
EVENT_TIMEOUT = 10.0
# How long to wait before concluding that something did *not* arrive.
QUIET = 1.5

# Every setting, so a create request never depends on the server filling in omissions.
DEFAULT_SETTINGS = {
    "passcodeRequired": False,
    "whoMayJoin": "anyone_with_link",
    "waitingRoom": "off",
    "whoMayShareScreen": "hosts",
    "whoMayRecord": "hosts",
    "muteOnEntry": False,
    "chatEnabled": True,
    "allowRename": True,
    "participantLimit": 100,
    "e2ee": False,
}
# The organisation floor the `world` sets: nothing required, so meetings choose for themselves.
# A TURN server for the join answer's ICE servers (nothing listens there; the credentials are checked
# by recomputing them as coturn would). The secret is made per run: no secret is committed.
TURN_URLS = "turn:127.0.0.1:3478?transport=udp,turns:127.0.0.1:5349?transport=tcp"
TURN_SECRET = secrets.token_hex(32)
TURN_LIFETIME = 7200

PERMISSIVE_POLICY = {
    "passcodeRequired": False,
    "waitingRoom": "off",
    "whoMayRecord": "hosts",
    "whoMayShareScreen": "everyone",
    "e2eeRequired": False,
}
PARTICIPANT_FIELDS = {"seat", "displayName", "role", "status", "audioMuted", "videoOn", "sharingScreen", "handRaised"}


# --- HTTP ----------------------------------------------------------------------------------------


def call(client: Client, method: str, path: str, body: dict | None = None):
    """Any method, as a browser sends it: Origin and (with a session) the CSRF token on changes."""
    headers = {}
    if method.lower() != "get":
        headers["Origin"] = client.server.public_url
        if client.csrf:
            headers["X-CSRF-Token"] = client.csrf
    kwargs = {"json": body} if body is not None else {}
    response = client.http.request(method.upper(), client.url(path), headers=headers, timeout=120, **kwargs)
    return client._remember(response)


def ok_json(response, status: int = 200):
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.status_code} {response.text}"
    return response.json()


def error_code(response) -> str | None:
    try:
        return response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


def assert_error(response, status: int | tuple[int, ...], code: str | None = None, field: str | None = None) -> dict:
    statuses = (status,) if isinstance(status, int) else status
    assert response.status_code in statuses, f"expected {statuses} {code or ''}, got {response.status_code} {response.text}"
    body = response.json()
    if code is not None:
        assert body["error"]["code"] == code, response.text
    if field is not None:
        assert body["error"].get("field") == field, response.text
    return body["error"]


def meeting_body(title: str = "Weekly sync", *, scheduled_for: str | None = None, passcode: str | None = None, **settings) -> dict:
    body: dict = {"title": title, "settings": {**DEFAULT_SETTINGS, **settings}}
    if scheduled_for is not None:
        body["scheduledFor"] = scheduled_for
    if passcode is not None:
        body["passcode"] = passcode
    return body


def post_meeting(client: Client, title: str = "Weekly sync", **kwargs):
    return client.post("/api/v1/meetings", meeting_body(title, **kwargs))


def create_meeting(client: Client, title: str = "Weekly sync", **kwargs) -> dict:
    """Creates a meeting with every setting given (DEFAULT_SETTINGS plus the keyword overrides)."""
    return ok_json(post_meeting(client, title, **kwargs), 201)


def request_ticket(client: Client, meeting_id: str | None, name: str, passcode: str | None = None, *, number: str | None = None):
    body: dict = {"displayName": name}
    if passcode is not None:
        body["passcode"] = passcode
    path = f"/api/v1/meetings/by-number/{number}/tickets" if number is not None else f"/api/v1/meetings/{meeting_id}/tickets"
    return client.post(path, body)


def ticket(client: Client, meeting_id: str, name: str, passcode: str | None = None) -> str:
    """A join ticket for `client` (signed in, or an anonymous guest with its guest cookie)."""
    return ok_json(request_ticket(client, meeting_id, name, passcode), 201)["ticket"]


# --- WebSocket -----------------------------------------------------------------------------------


def tls_context() -> ssl.SSLContext:
    # Mirrors the HTTP clients (verify=False): the server's certificate is self-signed.
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def cookie_header(client: Client | None) -> str | None:
    if client is None:
        return None
    cookies = [f"{cookie.name}={cookie.value}" for cookie in client.http.cookies]
    return "; ".join(cookies) or None


class Closed(AssertionError):
    """The socket closed while a test was waiting for something on it."""


class Signaling:
    """One WebSocket connection to the signaling endpoint."""

    def __init__(self, ws, name: str):
        self.ws = ws
        self.name = name
        self.inbox: list[dict] = []
        self.history: list[dict] = []  # everything ever received, for diagnosis
        self.closed = False
        self.close_code: int | None = None
        self.close_reason: str | None = None
        self.seat: str | None = None
        self.resume_token: str | None = None
        self._ids = itertools.count(1)
        self._changed = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    def __repr__(self) -> str:
        return f"<Signaling {self.name} seat={self.seat} closed={self.close_code}>"

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                try:
                    message = json.loads(raw)
                except ValueError:
                    message = {"type": "<not json>", "raw": raw}
                if not isinstance(message, dict):
                    message = {"type": "<not an object>", "raw": message}
                self.inbox.append(message)
                self.history.append(message)
                self._changed.set()
        except ConnectionClosed:
            pass
        finally:
            self.closed = True
            self.close_code = self.ws.close_code
            self.close_reason = self.ws.close_reason
            self._changed.set()

    async def take(self, predicate, timeout: float, what: str, *, allow_closed: bool = False) -> dict:
        """Removes and returns the first inbox message matching `predicate`, waiting up to `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            for index, message in enumerate(self.inbox):
                if predicate(message):
                    return self.inbox.pop(index)
            if self.closed and not allow_closed:
                raise Closed(f"{self.name}: socket closed ({self.close_code} {self.close_reason!r}) before {what}; received {self.history}")
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.closed:
                raise AssertionError(f"{self.name}: no {what} within {timeout}s; inbox {self.inbox}")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                pass

    # Sending.
    async def send_raw(self, data: str | bytes) -> None:
        await self.ws.send(data)

    async def post(self, type: str, /, **fields) -> str:
        """Sends a command without waiting; returns its id."""
        message_id = str(next(self._ids))
        await self.ws.send(json.dumps({"v": 1, "type": type, "id": message_id, **fields}))
        return message_id

    async def answer(self, message_id: str, timeout: float = ANSWER_TIMEOUT) -> dict:
        return await self.take(lambda m: m.get("re") == message_id and m.get("type") != "event", timeout, f"answer to {message_id}")

    async def send(self, type: str, /, *, timeout: float = ANSWER_TIMEOUT, **fields) -> dict:
        """Sends a command and returns the answer (`ok` or `error`) carrying its id as `re`."""
        message_id = await self.post(type, **fields)
        return await self.answer(message_id, timeout)

    async def ok(self, type: str, /, **fields) -> dict:
        reply = await self.send(type, **fields)
        assert reply.get("type") == "ok" and reply.get("v") == 1, f"{self.name}: {type} {fields} -> {reply}"
        return reply

    async def refused(self, type: str, /, code: str | None = None, **fields) -> dict:
        reply = await self.send(type, **fields)
        assert reply.get("type") == "error", f"{self.name}: {type} {fields} was not refused: {reply}"
        assert isinstance(reply.get("message"), str) and reply["message"], reply
        if code is not None:
            assert reply.get("code") == code, f"{self.name}: {type} {fields}: expected {code}, got {reply}"
        return reply

    # Receiving.
    async def next_event(self, name: str, timeout: float = EVENT_TIMEOUT, where=None) -> dict:
        def matches(message: dict) -> bool:
            return message.get("type") == "event" and message.get("event") == name and (where is None or where(message))

        event = await self.take(matches, timeout, f"{name!r} event")
        assert event.get("v") == 1, event
        return event

    async def next_error(self, timeout: float = ANSWER_TIMEOUT) -> dict:
        return await self.take(lambda m: m.get("type") == "error", timeout, "error")

    async def quiet(self, within: float = QUIET, names: set[str] | None = None) -> None:
        """Asserts that no new event (or none of `names`) arrives within `within` seconds."""
        start = len(self.history)
        await asyncio.sleep(within)
        unexpected = [m for m in self.history[start:] if m.get("type") == "event" and (names is None or m.get("event") in names)]
        assert not unexpected, f"{self.name} received {unexpected}"

    def drain(self) -> list[dict]:
        messages, self.inbox = self.inbox, []
        return messages

    async def wait_closed(self, timeout: float = EVENT_TIMEOUT) -> int | None:
        try:
            await asyncio.wait_for(asyncio.shield(self._reader), timeout)
        except TimeoutError:
            raise AssertionError(f"{self.name}: still open after {timeout}s; received {self.history}") from None
        return self.close_code

    # The first message.
    async def join(self, ticket: str) -> dict:
        reply = await self.send("join", ticket=ticket)
        if reply.get("type") == "ok":
            self.seat = reply.get("seat")
            self.resume_token = reply.get("resumeToken")
        return reply

    async def resume(self, token: str) -> dict:
        reply = await self.send("resume", resumeToken=token)
        if reply.get("type") == "ok":
            self.seat = reply.get("seat")
            self.resume_token = reply.get("resumeToken")
        return reply

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self.ws.close(), 10)
        except Exception:  # noqa: BLE001 - teardown: the socket may already be gone
            pass
        self._reader.cancel()
        try:
            await self._reader
        except BaseException:  # noqa: BLE001
            pass

    def abort(self) -> None:
        """Drops the TCP connection without a closing handshake, as a lost network would."""
        self.ws.transport.abort()


async def connect(server, client: Client | None = None, *, origin: str | None = "self", name: str | None = None, headers: dict | None = None) -> Signaling:
    """Opens the signaling socket like the meeting page: our Origin, the client's cookies, TLS."""
    extra = dict(headers or {})
    cookies = cookie_header(client)
    if cookies:
        extra["Cookie"] = cookies
    ws = await ws_connect(
        server.url(SIGNALING_PATH).replace("https://", "wss://", 1),
        ssl=tls_context(),
        origin=server.public_url if origin == "self" else origin,
        additional_headers=extra,
        compression=None,
        proxy=None,
        open_timeout=30,
        ping_interval=None,
        close_timeout=5,
        max_size=4 * 1024 * 1024,
        user_agent_header="Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0 DigitalMeetE2E",
    )
    return Signaling(ws, name or ("guest" if client is None or client.session_cookie is None else "member"))


async def handshake_status(server, client: Client | None = None, *, origin: str | None = "self") -> int:
    """The HTTP status of an upgrade that the server refuses (fails the test if it is accepted)."""
    try:
        connection = await connect(server, client, origin=origin)
    except InvalidStatus as refused:
        return refused.response.status_code
    await connection.close()
    raise AssertionError(f"the upgrade with Origin {origin!r} was accepted")


async def attempt(socket: Signaling, type: str, /, **fields) -> dict:
    """Sends a command that may be refused by closing the socket: the answer, or
    `{"type": "closed", "code": …}` when the socket closed without one."""
    try:
        message_id = await socket.post(type, **fields)
        reply = await socket.answer(message_id)
    except ConnectionClosed:
        await socket.wait_closed()
        return {"type": "closed", "code": socket.close_code, "received": socket.history}
    except Closed:
        return {"type": "closed", "code": socket.close_code, "received": socket.history}
    if reply.get("type") == "ok" and type in ("join", "resume"):
        socket.seat, socket.resume_token = reply.get("seat"), reply.get("resumeToken")
    return reply


class Party:
    """The sockets of one scenario; closes them all at the end."""

    def __init__(self, server):
        self.server = server
        self.sockets: list[Signaling] = []

    async def __aenter__(self) -> "Party":
        return self

    async def __aexit__(self, *exc) -> None:
        await asyncio.gather(*(socket.close() for socket in self.sockets), return_exceptions=True)

    async def connect(self, client: Client | None = None, name: str | None = None, **kwargs) -> Signaling:
        socket = await connect(self.server, client, name=name, **kwargs)
        self.sockets.append(socket)
        return socket

    async def enter(self, client: Client, meeting_id: str, name: str, passcode: str | None = None, status: str | None = "in_meeting") -> Signaling:
        """Ticket, socket, join; asserts the join answer (and its status, unless None)."""
        granted = ticket(client, meeting_id, name, passcode)
        socket = await self.connect(client, name)
        reply = await socket.join(granted)
        assert reply.get("type") == "ok", f"{name} could not join: {reply}"
        assert isinstance(reply.get("seat"), str) and reply["seat"], reply
        assert isinstance(reply.get("resumeToken"), str) and reply["resumeToken"], reply
        if status is not None:
            assert reply.get("status") == status, f"{name}: {reply}"
        socket.joined = reply
        return socket


def run(scenario, timeout: float = 240):
    """Runs an async scenario to completion from a plain pytest test."""

    async def bounded():
        return await asyncio.wait_for(scenario, timeout)

    return asyncio.run(bounded())


def participant_seats(meeting: dict) -> set[str]:
    return {p["seat"] for p in meeting["participants"]}


def assert_participant_shape(participant: dict) -> None:
    """The documented participant object: those fields and nothing else (no account ids, no addresses)."""
    assert set(participant) == PARTICIPANT_FIELDS, participant


def waiting_title(reply: dict) -> str | None:
    """The title in a `waiting` join answer (the doc: "waiting, it has only the title")."""
    if "title" in reply:
        return reply["title"]
    return (reply.get("meeting") or {}).get("title")


# --- The world -----------------------------------------------------------------------------------


MEMBERS = {
    "alan": {"email": "alan.turing@example.com", "name": "Alan Turing", "password": "harbour violin pebble 19 lantern"},
    "grace": {"email": "grace.hopper@example.com", "name": "Grace Hopper", "password": "copper lantern meadow 77 drifting"},
    "dora": {"email": "dorothy.vaughan@example.com", "name": "Dorothy Vaughan", "password": "granite orchard whistle 58 compass"},
    "edsger": {"email": "edsger.dijkstra@example.com", "name": "Edsger Dijkstra", "password": "quartz meadow falcon 63 ribbon"},
    "barbara": {"email": "barbara.liskov@example.com", "name": "Barbara Liskov", "password": "maple teapot glacier 24 wander"},
    "frances": {"email": "frances.allen@example.com", "name": "Frances Allen", "password": "saffron kettle harbour 81 drift"},
}


@dataclass
class World:
    server: DigitalMeetServer
    owner: Client
    authenticator: Authenticator
    organization: str
    members: dict[str, Client] = field(default_factory=dict)
    member_ids: dict[str, str] = field(default_factory=dict)
    made: list[Client] = field(default_factory=list)
    stepped_up_at: float = 0.0

    def client(self) -> Client:
        client = Client(self.server)
        self.made.append(client)
        return client

    def guest(self) -> Client:
        """A new browser with no session: a guest once it asks for a ticket."""
        return self.client()

    def sign_in_owner(self) -> Client:
        client = self.client()
        assert client.sign_in(OWNER["email"], STRONG_PASSWORD).json()["stage"] == "mfa"
        ok_json(client.post("/api/v1/auth/mfa", {"code": self.authenticator.code()}))
        return client

    def step_up(self) -> None:
        """Makes sure the owner's step-up is fresh (it lasts 5 minutes; each one costs a TOTP code, and
        codes are never reused, so this only steps up again when the last one is over 4 minutes old)."""
        if time.monotonic() - self.stepped_up_at < 240:
            return
        ok_json(self.owner.post("/api/v1/auth/step-up", {"password": STRONG_PASSWORD, "code": self.authenticator.code()}))
        self.stepped_up_at = time.monotonic()

    def set_policy(self, **meetings) -> dict:
        """Changes the organisation's meeting policy (the floor) through the admin API, with a step-up."""
        path = f"/api/v1/organizations/{self.organization}/policy"
        policy = {key: value for key, value in ok_json(self.owner.get(path)).items() if key != "limits"}
        policy["meetings"] = {**policy["meetings"], **meetings}
        self.step_up()
        return ok_json(call(self.owner, "put", path, policy))

    def sign_in(self, email: str, password: str) -> Client:
        client = self.client()
        response = client.sign_in(email, password)
        assert response.status_code == 200 and response.json()["stage"] == "active", response.text
        return client

    def audit(self, query: str = "") -> list[dict]:
        entries: list[dict] = []
        before = None
        while True:
            suffix = f"&before={before}" if before is not None else ""
            page = ok_json(self.owner.get(f"/api/v1/organizations/{self.organization}/audit?limit=200{query}{suffix}"))
            entries += page["entries"]
            if page.get("next") is None:
                return entries
            before = page["next"]

    def close(self) -> None:
        for client in self.made:
            client.close()


def build_world(server: DigitalMeetServer) -> World:
    server.complete_setup()
    bootstrap = Client(server)
    try:
        assert bootstrap.sign_in(OWNER["email"], STRONG_PASSWORD).json()["stage"] == "active"
        started = ok_json(bootstrap.post("/api/v1/account/mfa/totp", {"currentPassword": STRONG_PASSWORD}))
        authenticator = Authenticator(started["secret"])
        ok_json(bootstrap.post("/api/v1/account/mfa/totp/confirm", {"code": authenticator.code()}))
    finally:
        bootstrap.close()
    world = World(server=server, owner=None, authenticator=authenticator, organization="")  # type: ignore[arg-type]
    # Signing in with the code counts as a fresh step-up.
    world.owner = world.sign_in_owner()
    world.stepped_up_at = time.monotonic()
    world.organization = world.owner.session()["user"]["organizationId"].lower()
    world.set_policy(**PERMISSIVE_POLICY)
    for key, member in MEMBERS.items():
        world.step_up()
        ok_json(world.owner.post(f"/api/v1/organizations/{world.organization}/invitations", {"email": member["email"], "role": "member"}), 201)
        _, token = link_token(wait_for_mail(server, member["email"], "invited you"))
        anonymous = world.client()
        accepted = anonymous.post("/api/v1/invitations/accept", {"token": token, "displayName": member["name"], "password": member["password"]})
        world.member_ids[key] = ok_json(accepted, 201)["userId"].lower()
        world.members[key] = world.sign_in(member["email"], member["password"])
    return world


def _backends() -> list[str]:
    return ["sqlite", "postgres"] if TEST_DATABASE_URL else ["sqlite"]


def make_world(name: str, backend_name: str, tmp_path_factory, **env: str):
    """Yields a started server with an owner able to step up and four signed-in members; stops it after.
    `env` overrides server settings (names without the DIGITALMEET_ prefix)."""
    log_dir = _artifact_dir(name)
    data_dir = tmp_path_factory.mktemp(name) / "data"
    backend = SQLiteBackend(data_dir) if backend_name == "sqlite" else PostgresBackend(TEST_DATABASE_URL)
    settings = {"TURN_URLS": TURN_URLS, "TURN_SECRET": TURN_SECRET, "TURN_CREDENTIAL_LIFETIME_SECONDS": str(TURN_LIFETIME), **env}
    server = DigitalMeetServer(data_dir, log_dir, backend, **settings)
    built = None
    try:
        server.start()
        built = build_world(server)
        yield built
    finally:
        if built is not None:
            built.close()
        server.close()
        backend.drop()


@pytest.fixture(scope="module", params=_backends())
def world(request, tmp_path_factory):
    """One server per module and backend, with an owner able to step up and four signed-in members."""
    yield from make_world(f"{request.module.__name__}_{request.param}", request.param, tmp_path_factory)


@pytest.fixture(autouse=True)
def _server_logs_on_failure(request):
    """Lets conftest's failure report show the module server's logs."""
    if "world" in request.fixturenames:
        request.node.digitalmeet_servers = [request.getfixturevalue("world").server]

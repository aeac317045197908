"""Signed-in API clients and the file outbox, for the identity end-to-end tests.

`Client` is one browser-like cookie jar talking to the real server: it keeps the session cookie the
server sets, echoes the CSRF token the server hands out, and sends the Origin a browser would send.
"""

from __future__ import annotations

import email
import email.policy
import re
import time
from pathlib import Path

import pyotp
import requests

LINK_PATTERN = re.compile(r"(https://\S+#(?:token|change)=([A-Za-z0-9_-]+))")


class Client:
    def __init__(self, server, user_agent: str = "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0 DigitalMeetE2E"):
        self.server = server
        self.http = requests.Session()
        self.http.verify = False
        self.http.trust_env = False
        self.http.headers["User-Agent"] = user_agent
        self.csrf: str | None = None

    def url(self, path: str) -> str:
        return self.server.url(path)

    @property
    def session_cookie(self) -> str | None:
        return self.http.cookies.get("__Host-dm_session")

    def _remember(self, response: requests.Response) -> requests.Response:
        if response.headers.get("content-type", "").startswith("application/json"):
            body = response.json()
            if isinstance(body, dict) and isinstance(body.get("csrfToken"), str):
                self.csrf = body["csrfToken"]
        return response

    def get(self, path: str, **kwargs) -> requests.Response:
        return self._remember(self.http.get(self.url(path), timeout=60, **kwargs))

    def post(self, path: str, body: dict | None = None, *, csrf: bool = True, origin: str | None = "self", **kwargs) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}))
        if csrf and self.csrf:
            headers["X-CSRF-Token"] = self.csrf
        if origin == "self":
            headers["Origin"] = self.server.public_url
        elif origin:
            headers["Origin"] = origin
        return self._remember(self.http.post(self.url(path), json=body if body is not None else {}, headers=headers, timeout=120, **kwargs))

    def delete(self, path: str) -> requests.Response:
        headers = {"Origin": self.server.public_url}
        if self.csrf:
            headers["X-CSRF-Token"] = self.csrf
        return self.http.delete(self.url(path), headers=headers, timeout=60)

    def sign_in(self, email_address: str, password: str) -> requests.Response:
        return self.post("/api/v1/auth/sign-in", {"email": email_address, "password": password})

    def session(self) -> dict:
        response = self.get("/api/v1/auth/session")
        assert response.status_code == 200, response.text
        return response.json()

    def close(self) -> None:
        self.http.close()


def outbox(server) -> list[email.message.EmailMessage]:
    """Every message the server's file outbox holds, oldest first."""
    directory = Path(server.data_dir) / "outbox"
    if not directory.is_dir():
        return []
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(directory.glob("*.eml"))
    ]


def wait_for_mail(server, to: str, subject: str, timeout: float = 20, count: int = 1) -> email.message.EmailMessage:
    """The newest message to `to` whose subject contains `subject`, once at least `count` such messages
    have arrived (delivery runs off the request)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        matches = [m for m in outbox(server) if m["To"] == to and subject in str(m["Subject"])]
        if len(matches) >= count:
            return matches[-1]
        time.sleep(0.2)
    raise AssertionError(f"no mail to {to} with {subject!r}; outbox: {[(m['To'], str(m['Subject'])) for m in outbox(server)]}")


def mail_text(message: email.message.EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def link_token(message: email.message.EmailMessage) -> tuple[str, str]:
    """(link, token) of the first one-time link in a message."""
    match = LINK_PATTERN.search(mail_text(message))
    assert match, mail_text(message)
    return match.group(1), match.group(2)


class Authenticator:
    """A phone app: pyotp codes, never the same time step twice (the server refuses replays)."""

    def __init__(self, secret: str):
        self.totp = pyotp.TOTP(secret)
        self.last_step = -1

    def code(self) -> str:
        while True:
            step = int(time.time()) // 30
            # The server accepts the next step too (clock drift), so two codes fit in one step.
            for candidate in (step, step + 1):
                if candidate > self.last_step:
                    self.last_step = candidate
                    return self.totp.at(candidate * 30)
            time.sleep(30 - time.time() % 30 + 0.1)

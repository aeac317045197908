"""The one-time setup link that creates the first owner."""

import base64
import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest

from conftest import STRONG_PASSWORD

REFUSED_AFTER_SETUP = {(409, "already_set_up"), (403, "invalid_setup_link")}


def error_of(response) -> dict:
    assert response.headers.get("Content-Type", "").startswith("application/json"), response.text
    return response.json()["error"]


def assert_refused_link(response):
    assert response.status_code == 403, response.text
    assert error_of(response)["code"] == "invalid_setup_link"


def test_setup_link_is_printed_with_token_in_fragment(server):
    link = server.setup_link
    assert link, f"no setup link printed:\n{server.stdout}"
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}" == server.public_url
    assert parts.path == "/setup"
    # In the fragment, the token is never sent to a server or leaked in a Referer.
    assert parts.query == "" and parts.fragment.startswith("token=")
    token = server.setup_token
    assert len(token) == 43, token
    assert len(base64.urlsafe_b64decode(token + "=")) == 32, "expected a 256-bit token"
    assert token not in server.stderr, "the setup token must not be logged"

    page = server.http.get(link.split("#")[0], timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert server.setup_status() is True


def test_setup_link_works_once_and_only_once(server):
    token = server.setup_token
    first = server.post_setup(token)
    assert first.status_code == 201, first.text
    created = first.json()
    uuid.UUID(created["userId"])
    uuid.UUID(created["organizationId"])
    assert server.setup_status() is False
    assert server.owner_count() == 1

    # Same link, another would-be owner: refused, and nobody new is created.
    second = server.post_setup(token, email="mallory@example.com", displayName="Mallory", password="another good passphrase 99")
    assert (second.status_code, error_of(second)["code"]) in REFUSED_AFTER_SETUP, second.text
    assert server.owner_count() == 1
    assert server.user_count() == 1


def test_concurrent_redemptions_create_one_owner(server):
    # Both requests pass the cheap token check before either finishes hashing; only the atomic
    # redemption can stop the second.
    token = server.setup_token
    emails = ["first@example.com", "second@example.com"]
    with ThreadPoolExecutor(max_workers=2) as pool:
        responses = list(pool.map(lambda email: server.post_setup(token, email=email), emails))
    statuses = sorted(response.status_code for response in responses)
    assert statuses[0] == 201 and statuses[1] in (403, 409), [r.text for r in responses]
    assert server.owner_count() == 1
    assert server.user_count() == 1


def test_link_is_dead_after_setup_and_restart_prints_none(server):
    token = server.setup_token
    server.complete_setup()
    server.restart()
    assert "Open:" in server.stdout
    assert "/setup#token=" not in server.stdout, f"a setup link was printed although an owner exists:\n{server.stdout}"
    assert server.setup_status() is False
    again = server.post_setup(token, email="eve@example.com")
    assert (again.status_code, error_of(again)["code"]) in REFUSED_AFTER_SETUP, again.text
    assert server.owner_count() == 1


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("Tr0ub4dor&3", "shorter than 15 characters"),
        # 14 code points but 28 UTF-16 units and 56 UTF-8 bytes: length must be counted in code points.
        ("🦊🐙🦉🐢🦀🐝🦋🐬🦜🐌🦑🐞🦎🐡", "14 code points"),
        ("aaaaaaaaaaaaaaaaaaaa", "repetitive"),
        ("abcabcabcabcabcabcabc", "repetitive unit"),
        ("abcdefghijklmnopqrs", "sequential"),
        ("12345678901234567", "ascending digits wrapping 9 to 0"),
        ("98765432109876543", "descending digits wrapping 0 to 9"),
        ("ada.lovelace@example.com", "the email address"),
    ],
)
def test_weak_password_is_refused_without_consuming_the_link(server, password, why):
    response = server.post_setup(server.setup_token, password=password)
    assert response.status_code == 400, f"{why}: {response.status_code} {response.text}"
    error = error_of(response)
    assert error["code"] == "weak_password", error
    assert error["field"] == "password", error
    assert server.setup_status() is True
    assert server.owner_count() == 0


def test_link_still_works_after_a_weak_password(server):
    token = server.setup_token
    weak = server.post_setup(token, password="short")
    assert weak.status_code == 400 and error_of(weak)["code"] == "weak_password", weak.text
    assert server.post_setup(token).status_code == 201
    assert server.owner_count() == 1


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not-a-token",
        base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode(),  # well-formed, never issued
        "A" * 43,
        "../../../../etc/passwd",
    ],
    ids=["empty", "garbage", "unissued", "all-A", "path"],
)
def test_garbage_token_is_refused(server, token):
    response = server.post_setup(token)
    assert_refused_link(response)
    assert server.setup_status() is True
    assert server.owner_count() == 0


def test_restart_without_owner_issues_new_link_and_kills_old_one(server):
    old_token = server.setup_token
    server.restart()
    new_token = server.setup_token
    assert new_token and new_token != old_token

    assert_refused_link(server.post_setup(old_token))
    assert server.owner_count() == 0
    assert server.post_setup(new_token).status_code == 201
    assert server.owner_count() == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Origin": "http://localhost"},  # right host, wrong scheme and port
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
    ],
    ids=["foreign-origin", "null-origin", "http-origin", "cross-site", "cross-site-and-foreign-origin"],
)
def test_cross_origin_setup_is_refused(server, headers):
    # A valid token and strong password: only the origin check stands between this and a new owner.
    response = server.post_setup(server.setup_token, headers=headers)
    assert response.status_code == 403, response.text
    assert server.setup_status() is True
    assert server.owner_count() == 0


def test_same_origin_request_passes_the_origin_check(server):
    headers = {"Origin": server.public_url, "Sec-Fetch-Site": "same-origin"}
    # A weak password keeps the token unused; a 400 from the password check proves the origin check passed.
    response = server.post_setup(server.setup_token, password="short", headers=headers)
    assert response.status_code == 400 and error_of(response)["code"] == "weak_password", response.text


def test_oversized_body_is_refused(server):
    body = b'{"token": "' + b"x" * (65 * 1024) + b'"}'
    response = server.http.post(
        server.url("/api/v1/setup"), data=body, headers={"Content-Type": "application/json"}, timeout=30
    )
    assert response.status_code == 413, response.text
    assert server.setup_status() is True


def test_body_just_under_the_limit_is_read(server):
    # 64 KiB is the limit, so a body just below it must reach the JSON decoder (and fail there).
    body = b'{"token": "' + b"x" * (60 * 1024) + b'"}'
    response = server.http.post(
        server.url("/api/v1/setup"), data=body, headers={"Content-Type": "application/json"}, timeout=30
    )
    assert response.status_code == 400 and error_of(response)["code"] == "invalid_json", response.text


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"", b"[]", b'{"token": 42}', b'{"token": "abc"}'],
    ids=["broken", "empty", "array", "wrong-type", "missing-fields"],
)
def test_malformed_json_is_refused(server, body):
    response = server.http.post(
        server.url("/api/v1/setup"), data=body, headers={"Content-Type": "application/json"}, timeout=30
    )
    assert response.status_code == 400, response.text
    assert error_of(response)["code"] == "invalid_json"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_wrong_content_type_is_refused(server, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    body = f'{{"token": "{server.setup_token}", "password": "{STRONG_PASSWORD}"}}'.encode()
    response = server.http.post(server.url("/api/v1/setup"), data=body, headers=headers, timeout=30)
    assert response.status_code == 415, response.text
    assert server.setup_status() is True

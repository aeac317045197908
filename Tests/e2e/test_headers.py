"""Security headers on every kind of response: pages, API answers, errors, static files."""

import socket
import ssl

import pytest

from conftest import OWNER, STRONG_PASSWORD

EVIL_ORIGIN = "https://evil.example"

# (id, method, path, request options, expected status)
RESPONSES = [
    ("home page", "GET", "/", {}, 200),
    ("setup page", "GET", "/setup", {}, 200),
    ("health check", "GET", "/healthz", {}, 200),
    ("setup status", "GET", "/api/v1/setup/status", {}, 200),
    ("unknown path", "GET", "/no/such/page", {}, 404),
    ("stylesheet", "GET", "/assets/css/app.css", {}, 200),
    ("script", "GET", "/assets/js/setup.js", {}, 200),
    ("missing asset", "GET", "/assets/js/missing.js", {}, 404),
    ("bad setup link", "POST", "/api/v1/setup", {"json": {"token": "x" * 43, **OWNER, "password": STRONG_PASSWORD}}, 403),
    ("malformed JSON", "POST", "/api/v1/setup", {"data": b"{oops", "headers": {"Content-Type": "application/json"}}, 400),
    ("cross-origin POST", "POST", "/api/v1/setup", {"json": {}, "headers": {"Origin": EVIL_ORIGIN}}, 403),
    ("POST to a page", "POST", "/healthz", {"json": {}}, None),
]


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name.lower()] = values
    return directives


def assert_security_headers(response):
    headers = response.headers
    csp = headers.get("Content-Security-Policy")
    assert csp, "no Content-Security-Policy"
    directives = csp_directives(csp)
    assert "'self'" in directives.get("default-src", []), csp
    assert directives.get("object-src") == ["'none'"], csp
    assert directives.get("base-uri") == ["'none'"], csp
    assert directives.get("frame-ancestors") == ["'none'"], csp
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp, csp

    assert headers.get("Strict-Transport-Security") == "max-age=63072000; includeSubDomains"
    assert headers.get("X-Content-Type-Options") == "nosniff"
    assert headers.get("Referrer-Policy") == "strict-origin-when-cross-origin"
    assert headers.get("Cross-Origin-Opener-Policy") == "same-origin"

    permissions = headers.get("Permissions-Policy", "")
    features = dict(item.strip().split("=", 1) for item in permissions.split(",") if "=" in item)
    for feature in ("camera", "microphone", "display-capture"):
        assert features.get(feature) == "(self)", f"{feature} in Permissions-Policy: {permissions!r}"


@pytest.mark.parametrize(("method", "path", "options", "status"), [r[1:] for r in RESPONSES], ids=[r[0] for r in RESPONSES])
def test_security_headers_on_every_response(module_server, method, path, options, status):
    response = module_server.http.request(method, module_server.url(path), timeout=30, **options)
    if status is not None:
        assert response.status_code == status, response.text
    assert_security_headers(response)


def test_api_answers_are_not_cached(module_server):
    response = module_server.http.get(module_server.url("/api/v1/setup/status"), timeout=10)
    assert "no-store" in response.headers.get("Cache-Control", "")


@pytest.mark.parametrize("path", ["/", "/setup", "/security-policy"])
def test_pages_are_html_without_inline_script(module_server, path):
    response = module_server.http.get(module_server.url(path), timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    # The CSP forbids inline script, so a page that relied on one would be broken.
    body = response.text.lower()
    assert "<script>" not in body and "onclick=" not in body and "onload=" not in body


@pytest.mark.parametrize(
    ("path", "content_type"), [("/assets/css/app.css", "text/css"), ("/assets/js/setup.js", "javascript")]
)
def test_static_assets_are_served_with_their_type(module_server, path, content_type):
    response = module_server.http.get(module_server.url(path), timeout=10)
    assert response.status_code == 200
    assert content_type in response.headers["Content-Type"]
    assert response.content, "empty asset"


def raw_get(server, path: str) -> tuple[int, bytes]:
    """GET with the path sent byte for byte: HTTP clients would resolve the dot segments themselves."""
    context = ssl.create_default_context(cafile=str(server.certificate_path))
    with socket.create_connection(("127.0.0.1", server.https_port), timeout=10) as sock:
        with context.wrap_socket(sock, server_hostname="localhost") as tls:
            tls.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
            response = b""
            while chunk := tls.recv(65536):
                response += chunk
    status_line, _, rest = response.partition(b"\r\n")
    return int(status_line.split()[1]), rest


@pytest.mark.parametrize(
    "path",
    [
        "/assets/../index.html",
        "/assets/%2e%2e/index.html",
        "/assets/css/../../../../etc/passwd",
        "/assets/..%2f..%2f..%2f..%2fetc%2fpasswd",
    ],
)
def test_asset_path_traversal_is_refused(module_server, path):
    status, rest = raw_get(module_server, path)
    assert status in (400, 403, 404), status
    assert b"<html" not in rest.lower() and b"root:" not in rest

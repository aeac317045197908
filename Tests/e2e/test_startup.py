"""Start-up, restart, configuration errors, commands, signals, the redirect port and /metrics."""

import base64
import hashlib
import json
import os
import signal
import socket
import ssl
import time

import pytest
import requests

from conftest import TEST_DATABASE_URL, digitalmeet_environment, free_port


def served_certificate(server) -> bytes:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", server.https_port), timeout=10) as sock:
        with context.wrap_socket(sock, server_hostname="localhost") as tls:
            return tls.getpeercert(binary_form=True)


def test_restart_reuses_certificate_master_key_and_database(server):
    certificate = server.certificate_path.read_bytes()
    private_key = server.private_key_path.read_bytes()
    master_key = server.master_key_path.read_bytes()
    served = served_certificate(server)
    server.complete_setup()

    server.restart()

    assert server.certificate_path.read_bytes() == certificate
    assert server.private_key_path.read_bytes() == private_key
    assert server.master_key_path.read_bytes() == master_key
    assert served_certificate(server) == served
    assert server.printed_fingerprint == ":".join(f"{b:02X}" for b in hashlib.sha256(served).digest())
    assert server.setup_status() is False, "the owner created before the restart is gone"
    assert server.owner_count() == 1


def test_secrets_and_data_directory_are_private(server):
    assert server.data_dir.stat().st_mode & 0o777 == 0o700
    assert server.master_key_path.stat().st_mode & 0o777 == 0o600
    assert server.private_key_path.stat().st_mode & 0o777 == 0o600
    if server.backend.name == "sqlite":
        # Password hashes and encrypted emails live here.
        assert server.backend.path.stat().st_mode & 0o077 == 0, oct(server.backend.path.stat().st_mode)


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604], ids=oct)
def test_master_key_readable_by_others_is_refused(make_server, run_cli, mode):
    server = make_server()
    server.stop()
    server.master_key_path.chmod(mode)

    result = run_cli(["serve"], server.environment(), name="serve-insecure-key")
    assert result.returncode == 78, result.stderr
    assert "chmod 600" in result.stderr, result.stderr
    assert "Open:" not in result.stdout
    # Refused, not "fixed" behind the operator's back.
    assert server.master_key_path.stat().st_mode & 0o777 == mode


def test_master_key_from_environment_replaces_the_file(make_server):
    ring = f"kek 1 {base64.b64encode(os.urandom(32)).decode()}\n"
    server = make_server(MASTER_KEY=ring)
    assert not server.master_key_path.exists(), "a key file was written although the key ring came from the environment"
    server.complete_setup()
    server.restart()
    assert server.setup_status() is False


def test_invalid_master_key_in_environment_is_refused(tmp_path, run_cli):
    env = digitalmeet_environment(tmp_path / "data", free_port(), MASTER_KEY="kek 1 not-base64")
    result = run_cli(["serve"], env, name="serve-bad-master-key")
    assert result.returncode == 78, result.stderr
    assert "DIGITALMEET_MASTER_KEY" in result.stderr
    assert "not-base64" not in result.stderr, "key material must not be echoed"


@pytest.mark.parametrize(
    ("overrides", "mentions"),
    [
        ({"HTTPS_PORT": "abc"}, "DIGITALMEET_HTTPS_PORT"),
        ({"HTTPS_PORT": "70000"}, "DIGITALMEET_HTTPS_PORT"),
        ({"LOG_FORMAT": "xml"}, "DIGITALMEET_LOG_FORMAT"),
        ({"SERVER_PUBLIC_URL": "http://meet.example.com"}, "DIGITALMEET_SERVER_PUBLIC_URL"),
        ({"SERVER_PUBLIC_URL": "https://meet.example.com/meet"}, "DIGITALMEET_SERVER_PUBLIC_URL"),
        ({"SETUP_LINK_LIFETIME_SECONDS": "10"}, "DIGITALMEET_SETUP_LINK_LIFETIME_SECONDS"),
        ({"SECURITY_CONTACT": "security@example.com"}, "DIGITALMEET_SECURITY_CONTACT"),
        ({"DATABASE_URL": "mysql://db.example.com/meet"}, "DIGITALMEET_DATABASE_URL"),
    ],
    ids=["port-not-a-number", "port-out-of-range", "log-format", "public-url-http", "public-url-path",
         "link-lifetime", "security-contact", "database-url"],
)
def test_configuration_error_exits_78_with_one_clear_line(tmp_path, run_cli, overrides, mentions):
    env = digitalmeet_environment(tmp_path / "data", free_port(), **overrides)
    result = run_cli(["serve"], env, name="serve-bad-config")
    assert result.returncode == 78, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line, got:\n{result.stderr}"
    assert lines[0].startswith("digitalmeet: configuration error: ")
    assert mentions in lines[0]
    assert "Open:" not in result.stdout


def test_port_in_use_exits_1_with_message(tmp_path, run_cli):
    # Several fresh starts: a failed start races with the server's background work, and a run that
    # hangs instead of exiting shows up only now and then.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        for attempt in range(1, 13):
            env = digitalmeet_environment(tmp_path / f"data{attempt}", port)
            result = run_cli(["serve"], env, name=f"serve-port-in-use-{attempt}", timeout=20)
            assert result.returncode == 1, f"attempt {attempt}: exit {result.returncode}; stderr:\n{result.stderr[:3000]}"
            assert "in use" in result.stderr, f"attempt {attempt}: {result.stderr}"
            assert "Open:" not in result.stdout, result.stdout


def test_json_config_file_is_read_and_environment_wins(tmp_path, make_server, run_cli):
    config = tmp_path / "digitalmeet.json"
    # The port and host come only from the file; its bad log format is overridden by the environment.
    server = make_server(start=False, CONFIG=str(config), HTTPS_PORT=None, HTTPS_HOST=None, LOG_FORMAT="text")
    config.write_text(json.dumps({"https": {"host": "127.0.0.1", "port": server.https_port}, "log": {"format": "xml"}}))
    server.start()
    assert server.http.get(server.url("/healthz"), timeout=10).json() == {"status": "ok"}
    assert not server.stderr.lstrip().startswith("{"), "DIGITALMEET_LOG_FORMAT=text should win over the file"

    # --config is read too: without the environment override the file's mistake is reported.
    env = digitalmeet_environment(tmp_path / "data2", free_port(), LOG_FORMAT=None)
    result = run_cli(["serve", "--config", str(config)], env, name="serve-config-flag")
    assert result.returncode == 78, result.stderr
    assert "DIGITALMEET_LOG_FORMAT" in result.stderr


def test_help_lists_commands(tmp_path, run_cli):
    result = run_cli(["--help"], digitalmeet_environment(tmp_path / "data", free_port()), name="help")
    assert result.returncode == 0, result.stderr
    assert "serve" in result.stdout and "migrate" in result.stdout


def test_migrate_on_fresh_data_directory(make_server, backend_name, run_cli):
    server = make_server(backend_name, start=False)
    env = server.environment()
    first = run_cli(["migrate"], env, name="migrate-1")
    assert first.returncode == 0, first.stderr
    assert "0001_foundation" in first.stdout
    assert server.backend.query_scalar("SELECT COUNT(*) FROM _fluent_migrations") >= 1
    # Running it again is harmless.
    second = run_cli(["migrate"], env, name="migrate-2")
    assert second.returncode == 0, second.stderr
    # And the server starts on the migrated database.
    server.start()
    assert server.setup_status() is True


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_shuts_down_gracefully(make_server, sig):
    server = make_server()
    assert server.http.get(server.url("/healthz"), timeout=10).status_code == 200
    assert server.stop(sig, expect_exit=None) == 0
    with pytest.raises(requests.ConnectionError):
        requests.get(server.url("/healthz"), verify=False, timeout=5)


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST"])
def test_http_port_redirects_to_public_https_url(make_server, method):
    server = make_server(redirect=True)
    response = requests.request(
        method,
        f"http://127.0.0.1:{server.redirect_port}/some/path?q=1",
        # The target comes from the configured public URL, never from the Host header.
        headers={"Host": "evil.example"},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 308
    assert response.headers["Location"] == f"{server.public_url}/some/path?q=1"
    # RFC 6797 §7.2: HSTS is never sent over plain HTTP; the other security headers are.
    assert "Strict-Transport-Security" not in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_readiness_and_health(server):
    assert server.http.get(server.url("/healthz"), timeout=10).json() == {"status": "ok"}
    ready = server.http.get(server.url("/readyz"), timeout=10)
    assert ready.status_code == 200 and ready.json() == {"status": "ready"}


def wait_for_status(server, path: str, status: int, timeout: float = 30) -> requests.Response:
    deadline = time.monotonic() + timeout
    while True:
        response = server.http.get(server.url(path), timeout=timeout)
        if response.status_code == status or time.monotonic() > deadline:
            return response
        time.sleep(0.5)


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs DIGITALMEET_TEST_DATABASE_URL")
def test_readiness_follows_the_database(make_server):
    server = make_server("postgres")
    database = server.backend.database
    server.backend.admin(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
    server.backend.admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'")
    try:
        unready = wait_for_status(server, "/readyz", 503)
        assert unready.status_code == 503, unready.text
        assert unready.json()["status"] != "ready"
        # The process itself is fine: liveness must not fail with the database.
        assert server.http.get(server.url("/healthz"), timeout=10).status_code == 200
    finally:
        server.backend.admin(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
    assert wait_for_status(server, "/readyz", 200).status_code == 200


def test_metrics_from_loopback_without_token(server):
    server.http.get(server.url("/healthz"), timeout=10)
    response = server.http.get(server.url("/metrics"), timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/plain")
    assert "# TYPE " in response.text


def test_metrics_token_is_required_when_configured(make_server):
    token = "e2e-metrics-token-6f1d3c"
    server = make_server(METRICS_TOKEN=token)
    url = server.url("/metrics")
    # Loopback alone is no longer enough.
    assert server.http.get(url, timeout=10).status_code == 403
    assert server.http.get(url, headers={"Authorization": "Bearer wrong"}, timeout=10).status_code == 403
    assert server.http.get(url, headers={"Authorization": f"Basic {token}"}, timeout=10).status_code == 403
    assert server.http.get(url, headers={"Authorization": f"Bearer {token}x"}, timeout=10).status_code == 403
    good = server.http.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert good.status_code == 200 and "# TYPE " in good.text

"""Shared machinery for the DigitalMeet end-to-end tests.

Every test talks to the real `digitalmeet` binary over real sockets. `DigitalMeetServer` owns one server
(ports, data directory, process, logs); the `make_server` fixture hands them out and always tears them down.

Environment:
  DIGITALMEET_BINARY             the binary under test (default <repo>/.build/debug/digitalmeet)
  DIGITALMEET_TEST_DATABASE_URL  a PostgreSQL URL (trust auth, allowed to CREATE DATABASE); when set, tests
                                 that use the `server` or `backend_name` fixture also run against PostgreSQL,
                                 each on a fresh database created (and dropped) with psql.
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("DIGITALMEET_BINARY") or REPO_ROOT / ".build" / "debug" / "digitalmeet")
# What the tests execute: a private copy of BINARY made at session start (see _binary_snapshot).
_executable = BINARY
WEB_ROOT = REPO_ROOT / "Web"
BLOCKLIST = REPO_ROOT / "Resources" / "password-blocklist.bin"
ARTIFACTS_ROOT = Path(__file__).resolve().parent / "artifacts"
TEST_DATABASE_URL = os.environ.get("DIGITALMEET_TEST_DATABASE_URL") or None

# Debug builds on a busy two-core machine can take a while to come up.
STARTUP_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0

SETUP_LINK_PATTERN = re.compile(r"(https://\S+/setup#token=([A-Za-z0-9_-]+))")
FINGERPRINT_PATTERN = re.compile(r"((?:[0-9A-F]{2}:){31}[0-9A-F]{2})")

# Passes the password policy: long, not repetitive or sequential, unrelated to the registration below.
STRONG_PASSWORD = "violet tractor umbrella 42 quietly"
OWNER = {
    "organizationName": "Acme Research",
    "displayName": "Ada Lovelace",
    "email": "ada.lovelace@example.com",
}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def free_udp_port() -> int:
    """A UDP port on 127.0.0.1 that nothing is bound to right now (for the SFU)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_test_process() -> None:
    """Runs in the child before exec: on Linux the server gets SIGTERM if pytest dies without tearing
    down (killed by a CI timeout, say), so no server outlives the run."""
    if sys.platform == "linux":
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def digitalmeet_environment(data_dir: Path, https_port: int, **overrides: str | None) -> dict[str, str]:
    """The environment for one binary run: the caller's, minus any DIGITALMEET_* it happens to have
    (so a developer's shell cannot change what is tested), plus the test settings.
    `overrides` uses the variable names without the DIGITALMEET_ prefix; None removes a variable."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DIGITALMEET_")}
    settings: dict[str, str | None] = {
        "DATA_DIRECTORY": str(data_dir),
        "HTTPS_HOST": "127.0.0.1",
        "HTTPS_PORT": str(https_port),
        # The SFU binds the HTTPS host (loopback) on a free UDP port of its own.
        "MEDIA_PORT": str(free_udp_port()),
        "SERVER_PUBLIC_URL": f"https://localhost:{https_port}",
        "WEB_ROOT": str(WEB_ROOT),
        "PASSWORDS_BLOCKLIST_FILE": str(BLOCKLIST),
        "LOG_FORMAT": "json",
    }
    settings.update(overrides)
    env.update({f"DIGITALMEET_{key}": value for key, value in settings.items() if value is not None})
    return env


def run_digitalmeet(args: list[str], env: dict[str, str], log_dir: Path, name: str, timeout: float = STARTUP_TIMEOUT):
    """Runs the binary to completion (for commands and start-up failures) and keeps its output in `log_dir`."""
    log_dir.mkdir(parents=True, exist_ok=True)
    try:
        completed = subprocess.run(
            [str(_executable), *args],
            env=env,
            cwd=log_dir,
            capture_output=True,
            text=True,
            timeout=timeout,
            preexec_fn=_die_with_test_process,
        )
    except subprocess.TimeoutExpired as expired:
        # TimeoutExpired carries bytes even in text mode.
        stderr = (expired.stderr or b"").decode(errors="replace") if isinstance(expired.stderr, bytes) else expired.stderr
        (log_dir / f"{name}.stderr.log").write_text(stderr or "")
        pytest.fail(f"`digitalmeet {' '.join(args)}` did not exit within {timeout}s; stderr:\n{stderr}")
    (log_dir / f"{name}.stdout.log").write_text(completed.stdout)
    (log_dir / f"{name}.stderr.log").write_text(completed.stderr)
    return completed


class SQLiteBackend:
    """The default database: a file in the data directory."""

    name = "sqlite"

    def __init__(self, data_dir: Path):
        self.path = data_dir / "digitalmeet.sqlite"

    def environment(self) -> dict[str, str | None]:
        return {}

    def query_scalar(self, sql: str):
        # Read-only, so the test never holds a write lock the server could trip over.
        with sqlite3.connect(f"file:{self.path}?mode=ro", uri=True) as connection:
            return connection.execute(sql).fetchone()[0]

    def execute(self, sql: str) -> None:
        """A write the test needs where no API exists yet; waits for the server's own writes."""
        with sqlite3.connect(str(self.path), timeout=30) as connection:
            connection.execute(sql)

    def drop(self) -> None:
        pass


class PostgresBackend:
    """A throwaway database on the PostgreSQL server named by DIGITALMEET_TEST_DATABASE_URL."""

    name = "postgres"

    def __init__(self, admin_url: str):
        if shutil.which("psql") is None:
            pytest.skip("DIGITALMEET_TEST_DATABASE_URL is set but psql is not installed")
        self.admin_url = admin_url
        self.database = f"digitalmeet_e2e_{uuid.uuid4().hex[:12]}"
        parts = urlsplit(admin_url)
        self.url = urlunsplit((parts.scheme, parts.netloc, f"/{self.database}", parts.query, ""))
        self._psql(self.admin_url, f'CREATE DATABASE "{self.database}"')

    def admin(self, sql: str) -> str:
        """Runs SQL on the server's maintenance connection (not the test database)."""
        return self._psql(self.admin_url, sql)

    @staticmethod
    def _psql(url: str, sql: str) -> str:
        result = subprocess.run(
            ["psql", url, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql], capture_output=True, text=True, timeout=30
        )
        if result.returncode != 0:
            raise RuntimeError(f"psql failed ({sql}): {result.stderr.strip()}")
        return result.stdout.strip()

    def environment(self) -> dict[str, str | None]:
        return {"DATABASE_URL": self.url}

    def query_scalar(self, sql: str):
        return int(self._psql(self.url, sql))

    def execute(self, sql: str) -> None:
        self._psql(self.url, sql)

    def drop(self) -> None:
        self._psql(self.admin_url, f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


class DigitalMeetServer:
    """One `digitalmeet serve` process, restartable on the same data directory and ports."""

    def __init__(self, data_dir: Path, log_dir: Path, backend, *, redirect: bool = False, **env_overrides):
        self.data_dir = data_dir
        self.log_dir = log_dir
        self.backend = backend
        self.https_port = free_port()
        self.redirect_port = free_port() if redirect else None
        self.public_url = f"https://localhost:{self.https_port}"
        self.env_overrides = env_overrides
        self.process: subprocess.Popen | None = None
        self.runs = 0
        # A plain session for the API; certificate checking has its own tests. trust_env is off because
        # requests lets REQUESTS_CA_BUNDLE override a session's verify=False, and proxies must not apply.
        self.http = requests.Session()
        self.http.verify = False
        self.http.trust_env = False

    # Paths the server writes.
    @property
    def certificate_path(self) -> Path:
        return self.data_dir / "tls" / "self-signed.crt"

    @property
    def private_key_path(self) -> Path:
        return self.data_dir / "tls" / "self-signed.key"

    @property
    def master_key_path(self) -> Path:
        return self.data_dir / "master.key"

    def environment(self) -> dict[str, str]:
        overrides = {**self.backend.environment(), **self.env_overrides}
        if self.redirect_port is not None:
            overrides.setdefault("HTTP_REDIRECT_PORT", str(self.redirect_port))
        return digitalmeet_environment(self.data_dir, self.https_port, **overrides)

    def url(self, path: str) -> str:
        return self.public_url + path

    # Output of the current (or last) run.
    @property
    def stdout_path(self) -> Path:
        return self.log_dir / f"server-run{self.runs}.stdout.log"

    @property
    def stderr_path(self) -> Path:
        return self.log_dir / f"server-run{self.runs}.stderr.log"

    @property
    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace") if self.stdout_path.exists() else ""

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""

    @property
    def setup_link(self) -> str | None:
        match = SETUP_LINK_PATTERN.search(self.stdout)
        return match.group(1) if match else None

    @property
    def setup_token(self) -> str | None:
        match = SETUP_LINK_PATTERN.search(self.stdout)
        return match.group(2) if match else None

    @property
    def printed_fingerprint(self) -> str | None:
        match = FINGERPRINT_PATTERN.search(self.stdout)
        return match.group(1) if match else None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> "DigitalMeetServer":
        assert not self.running, "already running"
        self.runs += 1
        self.log_dir.mkdir(parents=True, exist_ok=True)
        env = self.environment()
        (self.log_dir / f"server-run{self.runs}.env.json").write_text(
            json.dumps({k: v for k, v in env.items() if k.startswith("DIGITALMEET_")}, indent=2)
        )
        with open(self.stdout_path, "wb") as stdout, open(self.stderr_path, "wb") as stderr:
            self.process = subprocess.Popen(
                [str(_executable), "serve"],
                env=env,
                cwd=self.log_dir,
                stdout=stdout,
                stderr=stderr,
                preexec_fn=_die_with_test_process,
            )
        self._wait_until_ready()
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            code = self.process.poll()
            if code is not None:
                raise AssertionError(f"digitalmeet exited with {code} during start-up; stderr:\n{self.stderr[-4000:]}")
            try:
                if self.http.get(self.url("/readyz"), timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"digitalmeet was not ready within {STARTUP_TIMEOUT}s; stderr:\n{self.stderr[-4000:]}")
            time.sleep(0.1)
        # The announcement is written once the listener is up; give it a moment to land in the file.
        while "Open:" not in self.stdout:
            if time.monotonic() > deadline:
                raise AssertionError(f"digitalmeet is ready but printed no 'Open:' announcement; stdout:\n{self.stdout}")
            time.sleep(0.05)

    def stop(self, sig: int = signal.SIGTERM, expect_exit: int | None = 0) -> int:
        """Signals the server and waits for it to exit; by default asserts a clean (0) exit."""
        assert self.process is not None, "never started"
        self._close_client_connections()
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise AssertionError(f"digitalmeet did not exit within {STOP_TIMEOUT}s of signal {sig}")
        code = self.process.returncode
        self.process = None
        if expect_exit is not None:
            assert code == expect_exit, f"digitalmeet exited with {code}, expected {expect_exit}; stderr:\n{self.stderr[-4000:]}"
        return code

    def _close_client_connections(self) -> None:
        # The server waits up to ~5 s for an idle TLS connection's close_notify when it shuts down; closing
        # ours first keeps stops fast. A probe that failed during start-up can leave its socket in a
        # reference cycle, which only the garbage collector closes.
        self.http.close()
        gc.collect()

    def restart(self) -> "DigitalMeetServer":
        self.stop()
        return self.start()

    def close(self) -> None:
        """Teardown: stop whatever still runs, never leaving a process behind."""
        try:
            if self.running:
                self.stop(expect_exit=None)
        finally:
            if self.process is not None and self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self.http.close()

    # API helpers.
    def setup_status(self) -> bool:
        response = self.http.get(self.url("/api/v1/setup/status"), timeout=10)
        assert response.status_code == 200, response.text
        return response.json()["setupRequired"]

    def post_setup(self, token: str | None, password: str = STRONG_PASSWORD, headers: dict | None = None, **fields):
        body = {"token": token, **OWNER, "password": password, **fields}
        # The scrypt hash is deliberately slow, more so in a debug build.
        return self.http.post(self.url("/api/v1/setup"), json=body, headers=headers or {}, timeout=60)

    def complete_setup(self) -> dict:
        token = self.setup_token
        assert token, f"no setup link in stdout:\n{self.stdout}"
        response = self.post_setup(token)
        assert response.status_code == 201, response.text
        return response.json()

    def owner_count(self) -> int:
        return self.backend.query_scalar("SELECT COUNT(*) FROM users WHERE role = 'owner'")

    def user_count(self) -> int:
        return self.backend.query_scalar("SELECT COUNT(*) FROM users")


def _artifact_dir(nodeid: str) -> Path:
    directory = ARTIFACTS_ROOT / re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_")
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    return directory


def pytest_configure(config):
    # The tests use self-signed certificates on purpose; verification is exercised explicitly in test_tls.py.
    config.addinivalue_line("filterwarnings", "ignore::urllib3.exceptions.InsecureRequestWarning")


def pytest_generate_tests(metafunc):
    # PostgreSQL runs join only when a database is offered, so a plain run reports no skips.
    if "backend_name" in metafunc.fixturenames:
        metafunc.parametrize("backend_name", ["sqlite", "postgres"] if TEST_DATABASE_URL else ["sqlite"], indirect=True)


@pytest.fixture(scope="session", autouse=True)
def _binary_snapshot(tmp_path_factory):
    """Runs a private copy of the binary: a rebuild in the same tree rewrites the file in place, which
    would otherwise fail starts with "Text file busy" or swap the server under test mid-run."""
    global _executable
    if not BINARY.is_file():
        pytest.exit(f"digitalmeet binary not found at {BINARY}; build it or set DIGITALMEET_BINARY", returncode=2)
    copy = tmp_path_factory.mktemp("binary") / "digitalmeet"
    for _ in range(30):
        shutil.copy2(BINARY, copy)
        # A copy taken while the linker was writing would not run; wait for a complete one.
        check = subprocess.run([str(copy), "--help"], capture_output=True, timeout=60)
        if check.returncode == 0:
            break
        time.sleep(2)
    else:
        pytest.exit(f"{BINARY} does not run (`--help` failed): {check.stderr.decode(errors='replace')}", returncode=2)
    _executable = copy


@pytest.fixture
def browser(artifacts_dir):
    """Headless Chromium (Debian's, through its chromedriver) that saves screenshots as artefacts."""
    from browser import CHROMEDRIVER, CHROMIUM, Browser

    if not (CHROMIUM and CHROMEDRIVER):
        pytest.fail("chromium and chromedriver are required (scripts/test installs them)")
    session = Browser(artifacts_dir)
    yield session
    session.close()


@pytest.fixture
def artifacts_dir(request) -> Path:
    """Per-test folder under Tests/e2e/artifacts/ for logs, kept after the run for diagnosis."""
    return _artifact_dir(request.node.nodeid)


@pytest.fixture
def make_backend():
    created = []

    def make(name: str, data_dir: Path):
        backend = SQLiteBackend(data_dir) if name == "sqlite" else PostgresBackend(TEST_DATABASE_URL)
        created.append(backend)
        return backend

    yield make
    for backend in created:
        backend.drop()


@pytest.fixture
def make_server(request, tmp_path, artifacts_dir, make_backend):
    """Factory: `make_server(backend="sqlite", redirect=False, start=True, **env)` -> DigitalMeetServer."""
    servers: list[DigitalMeetServer] = []
    request.node.digitalmeet_servers = servers

    def make(backend: str = "sqlite", *, redirect: bool = False, start: bool = True, **env) -> DigitalMeetServer:
        index = len(servers) + 1
        data_dir = tmp_path / f"server{index}" / "data"
        data_dir.parent.mkdir(parents=True)
        log_dir = artifacts_dir if index == 1 else artifacts_dir / f"server{index}"
        server = DigitalMeetServer(data_dir, log_dir, make_backend(backend, data_dir), redirect=redirect, **env)
        servers.append(server)
        return server.start() if start else server

    yield make
    for server in servers:
        server.close()


@pytest.fixture
def backend_name(request) -> str:
    """The database backend: sqlite, plus postgres when DIGITALMEET_TEST_DATABASE_URL is set."""
    return request.param


@pytest.fixture
def server(make_server, backend_name) -> DigitalMeetServer:
    """A fresh, running server without an owner, on each configured database backend."""
    return make_server(backend_name)


@pytest.fixture
def run_cli(artifacts_dir):
    """Runs `digitalmeet ARGS` to completion: run_cli(args, env, name="cli") -> CompletedProcess."""

    def run(args: list[str], env: dict[str, str], name: str = "cli", timeout: float = STARTUP_TIMEOUT):
        return run_digitalmeet(args, env, artifacts_dir, name, timeout)

    return run


@pytest.fixture(scope="module")
def module_server(request, tmp_path_factory):
    """One fresh SQLite server shared by a module's read-only tests (headers, TLS, security.txt)."""
    log_dir = _artifact_dir(request.module.__name__)
    data_dir = tmp_path_factory.mktemp(request.module.__name__) / "data"
    server = DigitalMeetServer(data_dir, log_dir, SQLiteBackend(data_dir))
    try:
        yield server.start()
    finally:
        server.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # On failure, show where the server logs are and the end of stderr, so a CI log is enough to diagnose.
    report = yield
    if report.failed:
        for server in getattr(item, "digitalmeet_servers", []):
            report.sections.append(
                (f"digitalmeet logs ({server.log_dir})", f"stdout:\n{server.stdout[-2000:]}\nstderr:\n{server.stderr[-3000:]}")
            )
    return report

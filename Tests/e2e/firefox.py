"""Headless Firefox (Debian's firefox-esr) for the end-to-end tests, driven over WebDriver BiDi, the
protocol Firefox speaks itself (no geckodriver: Debian does not package it and nothing may be
downloaded). Fake camera and microphone, the test server's self-signed certificate accepted.
Console errors are collected as in browser.Browser.

Firefox never offers loopback ICE candidates (whatever its preferences say), so it cannot reach an
SFU on 127.0.0.1. It therefore runs in a network namespace the test makes (`Namespace`): a veth
pair joins it to the host, the SFU binds the host end, and small TCP forwarders (tcp_forward.py)
carry the page's HTTPS and the test's WebDriver connection between the namespace's loopback and the
host's, so the page still talks to https://localhost:<port>, its one allowed origin.
"""

from __future__ import annotations

import base64
import itertools
import sys
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from websockets.sync.client import connect

from browser import _RECORD_PEER_CONNECTIONS

FIREFOX = shutil.which("firefox-esr") or shutil.which("firefox")

_PREFERENCES = {
    # Fake devices, no permission prompt (as Chromium's --use-fake-* flags).
    "media.navigator.streams.fake": True,
    "media.navigator.permission.disabled": True,
    # The test SFU and server are on 127.0.0.1, which Firefox leaves out of ICE by default.
    "media.autoplay.default": 0,
    # Nothing from the internet: no updates, telemetry or remote settings.
    "app.update.enabled": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "toolkit.telemetry.enabled": False,
    "network.connectivity-service.enabled": False,
    "browser.shell.checkDefaultBrowser": False,
}


class BiDiError(RuntimeError):
    pass


def _run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True, text=True)


class Namespace:
    """A network namespace with loopback and one veth link to the host (10.231.N.1 here, .2 inside)."""

    def __init__(self):
        number = os.getpid() % 200 + 20
        self.name = f"dmff{os.getpid()}"
        self.host_address = f"10.231.{number}.1"
        self.inner_address = f"10.231.{number}.2"
        outside, inside = f"dmffh{os.getpid()}"[:15], f"dmffn{os.getpid()}"[:15]
        self.forwarders: list[subprocess.Popen] = []
        _run("ip", "netns", "add", self.name)
        try:
            _run("ip", "link", "add", outside, "type", "veth", "peer", "name", inside)
            _run("ip", "link", "set", inside, "netns", self.name)
            _run("ip", "addr", "add", f"{self.host_address}/30", "dev", outside)
            _run("ip", "link", "set", outside, "up")
            _run("ip", "netns", "exec", self.name, "ip", "addr", "add", f"{self.inner_address}/30", "dev", inside)
            _run("ip", "netns", "exec", self.name, "ip", "link", "set", inside, "up")
            _run("ip", "netns", "exec", self.name, "ip", "link", "set", "lo", "up")
            # Firefox gathers no ICE candidates at all without a default route.
            _run("ip", "netns", "exec", self.name, "ip", "route", "add", "default", "via", self.host_address)
        except BaseException:
            self.close()
            raise

    def command(self, *command: str) -> list[str]:
        return ["ip", "netns", "exec", self.name, *command]

    def _forwarder(self, command: list[str]) -> None:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.forwarders.append(process)
        if process.stdout.readline().strip() != "ready":
            raise RuntimeError(f"a TCP forwarder did not start: {command}")

    def expose_host_port(self, port: int) -> None:
        """Makes the host's 127.0.0.1:port reachable as 127.0.0.1:port inside the namespace."""
        script = str(Path(__file__).with_name("tcp_forward.py"))
        self._forwarder([sys.executable, script, self.host_address, str(port), "127.0.0.1", str(port)])
        self._forwarder(self.command(sys.executable, script, "127.0.0.1", str(port), self.host_address, str(port)))

    def expose_inner_port(self, port: int) -> None:
        """Makes the namespace's 127.0.0.1:port reachable as 127.0.0.1:port on the host."""
        script = str(Path(__file__).with_name("tcp_forward.py"))
        self._forwarder(self.command(sys.executable, script, self.inner_address, str(port), "127.0.0.1", str(port)))
        self._forwarder([sys.executable, script, "127.0.0.1", str(port), self.inner_address, str(port)])

    def close(self) -> None:
        for process in self.forwarders:
            process.kill()
            process.wait()
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Firefox:
    def __init__(self, artifacts: Path, namespace: Namespace, width: int = 1280, height: int = 720):
        if FIREFOX is None:
            raise RuntimeError("firefox-esr is not installed (scripts/test installs it)")
        self.artifacts = artifacts
        self.profile = Path(tempfile.mkdtemp(prefix="dm-firefox-"))
        (self.profile / "user.js").write_text("".join(f"user_pref({json.dumps(k)}, {json.dumps(v)});\n" for k, v in _PREFERENCES.items()))
        self.log = self.profile / "firefox.log"
        port = _free_port()
        self.process = subprocess.Popen(
            namespace.command(FIREFOX, "--headless", "--no-remote", "--profile", str(self.profile), "--remote-debugging-port", str(port),
             f"--width={width}", f"--height={height}", "about:blank"),
            stdout=self.log.open("w"), stderr=subprocess.STDOUT,
        )
        self.console: list[dict] = []
        self._ids = itertools.count(1)
        self._endpoint()
        namespace.expose_inner_port(port)
        self.socket = connect(f"ws://127.0.0.1:{port}/session", max_size=None, open_timeout=30, legacy=True)
        self._command("session.new", {"capabilities": {"alwaysMatch": {"acceptInsecureCerts": True}}})
        self._command("session.subscribe", {"events": ["log.entryAdded"]})
        self._command("script.addPreloadScript", {"functionDeclaration": "() => {" + _RECORD_PEER_CONNECTIONS + "}"})
        self.context = self._command("browsingContext.getTree", {})["contexts"][0]["context"]

    def _endpoint(self, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(r"WebDriver BiDi listening on (ws://\S+)", self.log.read_text(errors="replace"))
            if found:
                return found.group(1)
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(f"Firefox did not start WebDriver BiDi: {self.log.read_text(errors='replace')[-2000:]}")

    def _command(self, method: str, params: dict, timeout: float = 60) -> dict:
        number = next(self._ids)
        self.socket.send(json.dumps({"id": number, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            message = json.loads(self.socket.recv(timeout=max(0.1, deadline - time.monotonic())))
            if message.get("method") == "log.entryAdded":
                self.console.append(message["params"])
            if message.get("id") != number:
                continue
            if message.get("type") == "error":
                raise BiDiError(f"{method}: {message.get('error')}: {message.get('message')}")
            return message.get("result", {})

    def open(self, url: str) -> None:
        self._command("browsingContext.navigate", {"context": self.context, "url": url, "wait": "complete"})

    def run(self, expression: str):
        """Evaluates `expression` (awaited if a promise) in the page; returns its JSON value."""
        result = self._command("script.evaluate", {
            "expression": f"(async () => JSON.stringify(await ({expression})))()",
            "target": {"context": self.context}, "awaitPromise": True,
        })
        if result.get("type") == "exception":
            raise BiDiError(f"{expression}: {result['exceptionDetails'].get('text')}")
        value = result["result"].get("value")
        return None if value is None else json.loads(value)

    def wait_for(self, condition, timeout: float = 15, message: str = ""):
        deadline = time.monotonic() + timeout
        while True:
            value = condition()
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(message or "condition not met in time")
            time.sleep(0.2)

    def visible(self, css: str) -> bool:
        return bool(self.run(f"(() => {{ const e = document.querySelector({json.dumps(css)}); return !!e && e.offsetParent !== null && !e.hidden; }})()"))

    def click(self, css: str) -> None:
        self.run(f"document.querySelector({json.dumps(css)}).click()")

    def fill(self, **fields: str) -> None:
        for name, value in fields.items():
            self.run(f"(() => {{ const e = document.getElementById({json.dumps(name)}); e.value = {json.dumps(value)}; e.dispatchEvent(new Event('input', {{bubbles: true}})); }})()")

    def media(self) -> list[dict]:
        return self.run("window.__dmMedia ? window.__dmMedia() : []") or []

    def screenshot(self, name: str) -> Path:
        data = self._command("browsingContext.captureScreenshot", {"context": self.context})["data"]
        self.artifacts.mkdir(parents=True, exist_ok=True)
        path = self.artifacts / f"{name}.png"
        path.write_bytes(base64.b64decode(data))
        return path

    def problems(self) -> list[str]:
        """Console errors so far (Firefox reports CSP violations there too)."""
        self.run("0")  # collects log events that arrived since the last command
        return [entry.get("text", "") for entry in self.console if entry.get("level") == "error"]

    def close(self) -> None:
        try:
            self.socket.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            shutil.rmtree(self.profile, ignore_errors=True)

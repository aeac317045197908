#!/usr/bin/env python3
"""Join-to-admitted latency and memory per connection of a real `digitalmeet serve` with many
signaling clients.

Starts the binary on a fresh SQLite data directory, creates the owner, then `--meetings` meetings
(organisation defaults: passcode required, guests wait). The owner joins each as host and admits
whoever waits (`admit_all` on every `waiting_list` event). Then `--clients` guests, spread evenly,
each fetch a ticket (with the passcode, 16 at a time) and connect as soon as it arrives, and all
stay connected; for each guest the latency is from sending `join` to receiving `admitted`. Memory is the server's RSS before the guests connect
and once they all sit idle in their meetings.

    .venv-e2e/bin/python Benchmarks/SignalingLoad/signaling_load.py .build/release/digitalmeet --meetings 100 --clients 1000

Needs the `websockets` package (in Tests/e2e/requirements.txt).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import ssl
import statistics
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import websockets

PASSWORD = "violet tractor umbrella 42 quietly"
CONTEXT = ssl.create_default_context()
CONTEXT.check_hostname = False
CONTEXT.verify_mode = ssl.CERT_NONE


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(url: str, body: dict | None, headers: dict) -> tuple[int, dict, list[str]]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **headers}, method="POST" if body is not None else "GET")
    try:
        with urllib.request.urlopen(req, context=CONTEXT, timeout=120) as response:
            return response.status, json.loads(response.read() or b"{}"), response.headers.get_all("Set-Cookie") or []
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}"), []


def cookie(set_cookies: list[str], name: str) -> str:
    for value in set_cookies:
        if value.startswith(name + "="):
            return value.split(";")[0]
    raise AssertionError(f"no {name} cookie")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Host:
    """The owner's seat in one meeting: admits everyone who waits."""

    def __init__(self, url: str, origin: str, session_cookie: str, ticket: str):
        self.url, self.origin, self.cookie, self.ticket = url, origin, session_cookie, ticket
        self.task: asyncio.Task | None = None
        self.ready = asyncio.Event()

    async def run(self) -> None:
        async with websockets.connect(self.url, ssl=CONTEXT, origin=self.origin, additional_headers={"Cookie": self.cookie},
                                      max_size=2**20, open_timeout=60) as ws:
            await ws.send(json.dumps({"v": 1, "type": "join", "id": "j", "ticket": self.ticket}))
            counter = 0
            async for raw in ws:
                message = json.loads(raw)
                if message.get("type") == "ok" and message.get("re") == "j":
                    self.ready.set()
                if message.get("event") == "waiting_list" and message.get("waiting"):
                    counter += 1
                    await ws.send(json.dumps({"v": 1, "type": "admit_all", "id": f"a{counter}"}))


async def guest(url: str, origin: str, guest_cookie: str, ticket: str, latencies: list[float], connected: asyncio.Event, hold: asyncio.Event) -> None:
    async with websockets.connect(url, ssl=CONTEXT, origin=origin, additional_headers={"Cookie": guest_cookie}, max_size=2**20,
                                  open_timeout=120) as ws:
        started = time.perf_counter()
        await ws.send(json.dumps({"v": 1, "type": "join", "id": "j", "ticket": ticket}))
        async for raw in ws:
            message = json.loads(raw)
            admitted = message.get("event") == "admitted" or (message.get("re") == "j" and message.get("status") == "in_meeting")
            if admitted:
                latencies.append(time.perf_counter() - started)
                break
            if message.get("type") == "error":
                raise AssertionError(message)
        connected.set()
        await hold.wait()


async def load(url: str, meetings: int, clients: int, pid: int) -> None:
    origin = url
    status, _, cookies = request(url + "/api/v1/auth/sign-in", {"email": "ada@example.com", "password": PASSWORD}, {})
    assert status == 200, status
    session = cookie(cookies, "__Host-dm_session")
    _, me, _ = request(url + "/api/v1/auth/session", None, {"Cookie": session})
    headers = {"Cookie": session, "X-CSRF-Token": me["csrfToken"], "Origin": origin}
    rooms = []
    for index in range(meetings):
        status, meeting, _ = request(url + "/api/v1/meetings", {"title": f"Room {index}", "passcode": "24680135"}, headers)
        assert status == 201, (status, meeting)
        rooms.append(meeting)
    signaling = url.replace("https://", "wss://") + "/api/v1/signaling"
    hosts = []
    for meeting in rooms:
        status, ticket, _ = request(url + f"/api/v1/meetings/{meeting['id']}/tickets", {"passcode": "24680135"}, headers)
        assert status == 201, (status, ticket)
        host = Host(signaling, origin, session, ticket["ticket"])
        host.task = asyncio.create_task(host.run())
        hosts.append(host)
    await asyncio.wait_for(asyncio.gather(*(host.ready.wait() for host in hosts)), 120)
    before = rss_kib(pid)
    latencies: list[float] = []
    hold = asyncio.Event()
    events = [asyncio.Event() for _ in range(clients)]
    # Tickets live 60 s, and each costs a passcode check, so every guest fetches its own just before
    # joining (16 requests at a time); all of them then stay connected together.
    tickets = asyncio.Semaphore(16)

    async def arrive(index: int, event: asyncio.Event) -> None:
        meeting = rooms[index % meetings]
        async with tickets:
            status, ticket, set_cookies = await asyncio.to_thread(
                request, url + f"/api/v1/meetings/{meeting['id']}/tickets", {"displayName": f"Guest {index}", "passcode": "24680135"},
                {"Origin": origin})
        assert status == 201, (status, ticket)
        await guest(signaling, origin, cookie(set_cookies, "__Host-dm_guest"), ticket["ticket"], latencies, event, hold)

    started = time.perf_counter()
    tasks = [asyncio.create_task(arrive(index, event)) for index, event in enumerate(events)]
    everyone = asyncio.create_task(asyncio.wait_for(asyncio.gather(*(e.wait() for e in events)), 600))
    # Guests hold their connections open, so their tasks only finish by failing: stop at everyone
    # seated, or at the first failure.
    done, _ = await asyncio.wait([everyone] + tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in done:
        if task.exception():
            raise task.exception()
    elapsed = time.perf_counter() - started
    await asyncio.sleep(2)
    after = rss_kib(pid)
    latencies.sort()

    def percentile(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    print(f"{clients} guests in {meetings} meetings (+{meetings} host connections), all arrived and admitted in {elapsed:.1f} s")
    print(f"join → admitted: p50 {percentile(0.50):.0f} ms, p90 {percentile(0.90):.0f} ms, p99 {percentile(0.99):.0f} ms, "
          f"max {latencies[-1] * 1000:.0f} ms, mean {statistics.mean(latencies) * 1000:.0f} ms")
    print(f"server RSS: {before / 1024:.1f} MiB before, {after / 1024:.1f} MiB with everyone seated: "
          f"{(after - before) / clients:.1f} KiB per connection")
    hold.set()
    for task in tasks + [host.task for host in hosts]:
        task.cancel()
    await asyncio.gather(*tasks, *(host.task for host in hosts), return_exceptions=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binary")
    parser.add_argument("--meetings", type=int, default=100)
    parser.add_argument("--clients", type=int, default=1000)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        port = free_port()
        environment = {
            **os.environ,
            "DIGITALMEET_DATA_DIRECTORY": str(Path(scratch) / "data"),
            "DIGITALMEET_HTTPS_HOST": "127.0.0.1",
            "DIGITALMEET_HTTPS_PORT": str(port),
            "DIGITALMEET_SERVER_PUBLIC_URL": f"https://127.0.0.1:{port}",
            "DIGITALMEET_WEB_ROOT": str(Path(__file__).resolve().parents[2] / "Web"),
            "DIGITALMEET_LOG_LEVEL": "error",
        }
        log = open(Path(scratch) / "stdout.log", "w+")
        server = subprocess.Popen([arguments.binary, "serve"], env=environment, stdout=log, stderr=subprocess.DEVNULL)
        try:
            url = f"https://127.0.0.1:{port}"
            token = None
            for _ in range(600):
                log.seek(0)
                match = re.search(r"setup#token=([A-Za-z0-9_-]+)", log.read())
                if match:
                    token = match.group(1)
                    break
                time.sleep(0.1)
            assert token, "no setup link printed"
            status, _, _ = request(url + "/api/v1/setup", {"token": token, "organizationName": "Bench", "displayName": "Ada Lovelace",
                                                          "email": "ada@example.com", "password": PASSWORD}, {})
            assert status == 201, status
            asyncio.run(load(url, arguments.meetings, arguments.clients, server.pid))
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()

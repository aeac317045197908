#!/usr/bin/env python3
"""Sign-in latency and throughput of a real `digitalmeet serve`, pinned to CPU cores with taskset.

Starts the given binary on a fresh SQLite data directory, creates the owner through the setup link,
then for each concurrency level keeps that many sign-ins in flight for a while and reports the
latency percentiles, successful sign-ins per second, and how many were refused with 503 `busy`
(the bounded password-hash queue: the point where the server sheds load instead of queueing).

    python3 Benchmarks/LoginLoad/login_load.py .build/release/digitalmeet --cores 0 --levels 1,2,4,8,32,64,128

Uses only the standard library (urllib over TLS to 127.0.0.1; the certificate is self-signed).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import ssl
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

PASSWORD = "violet tractor umbrella 42 quietly"
CONTEXT = ssl.create_default_context()
CONTEXT.check_hostname = False
CONTEXT.verify_mode = ssl.CERT_NONE


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


DEVICE_COOKIE: dict[str, str] = {}


def post(url: str, body: dict, timeout: float = 120) -> tuple[int, float]:
    """One request; remembers the device cookie so later sign-ins come from a known browser."""
    headers = {"Content-Type": "application/json", **DEVICE_COOKIE}
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, context=CONTEXT, timeout=timeout) as response:
            response.read()
            status = response.status
            for value in response.headers.get_all("Set-Cookie") or []:
                if value.startswith("__Host-dm_device=") and not DEVICE_COOKIE:
                    DEVICE_COOKIE["Cookie"] = value.split(";")[0]
    except urllib.error.HTTPError as error:
        status = error.code
    return status, time.perf_counter() - started


def run_level(url: str, concurrency: int, duration: float) -> dict:
    results: list[tuple[int, float]] = []
    lock = threading.Lock()
    deadline = time.monotonic() + duration

    def worker() -> None:
        while time.monotonic() < deadline:
            outcome = post(url + "/api/v1/auth/sign-in", {"email": "ada@example.com", "password": PASSWORD})
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    ok = sorted(latency for status, latency in results if status == 200)
    busy = sum(1 for status, _ in results if status == 503)
    other = sum(1 for status, _ in results if status not in (200, 503))

    def percentile(p: float) -> float:
        return ok[min(len(ok) - 1, int(p * len(ok)))] * 1000 if ok else float("nan")

    return {
        "concurrency": concurrency,
        "signins": len(ok),
        "per_second": len(ok) / elapsed,
        "p50_ms": percentile(0.50),
        "p99_ms": percentile(0.99),
        "busy_503": busy,
        "other": other,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binary")
    parser.add_argument("--cores", default="0", help="taskset CPU list for the server (default: one core, 0)")
    parser.add_argument("--levels", default="1,2,4,8,16,32,64,96,128")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per level")
    arguments = parser.parse_args()

    cores = len(arguments.cores.split(","))
    with tempfile.TemporaryDirectory() as scratch:
        data = Path(scratch) / "data"
        port = free_port()
        environment = {
            **os.environ,
            "DIGITALMEET_DATA_DIRECTORY": str(data),
            "DIGITALMEET_HTTPS_HOST": "127.0.0.1",
            "DIGITALMEET_HTTPS_PORT": str(port),
            "DIGITALMEET_WEB_ROOT": str(Path(__file__).resolve().parents[2] / "Web"),
            "DIGITALMEET_LOG_LEVEL": "error",
            # One hash per core, as the default would be on a machine of that many cores.
            "DIGITALMEET_PASSWORDS_HASH_CONCURRENCY": str(cores),
            # Every failure counts against the network; the benchmark only signs in successfully.
        }
        log = open(Path(scratch) / "stdout.log", "w+")
        server = subprocess.Popen(["taskset", "-c", arguments.cores, arguments.binary, "serve"], env=environment, stdout=log, stderr=subprocess.DEVNULL)
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
            status, _ = post(url + "/api/v1/setup", {"token": token, "organizationName": "Bench", "displayName": "Ada Lovelace",
                                                     "email": "ada@example.com", "password": PASSWORD})
            assert status == 201, status
            status, _ = post(url + "/api/v1/auth/sign-in", {"email": "ada@example.com", "password": PASSWORD})
            assert status == 200 and DEVICE_COOKIE, status
            print(f"server pinned to CPU {arguments.cores} ({cores} core(s)); {arguments.duration:.0f} s per level")
            print(f"{'in flight':>9} {'sign-ins':>9} {'per s':>7} {'p50 ms':>8} {'p99 ms':>8} {'503 busy':>9} {'other':>6}")
            for level in (int(value) for value in arguments.levels.split(",")):
                row = run_level(url, level, arguments.duration)
                print(f"{row['concurrency']:>9} {row['signins']:>9} {row['per_second']:>7.2f} {row['p50_ms']:>8.0f} {row['p99_ms']:>8.0f} "
                      f"{row['busy_503']:>9} {row['other']:>6}")
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    if shutil.which("taskset") is None:
        raise SystemExit("taskset (util-linux) is required")
    main()

#!/usr/bin/env python3
"""Rekey time after a leave in an E2EE meeting, measured in headless Chromium (see README.md).

Serves this folder at / and Web/assets at /assets/ from a throwaway HTTP server on 127.0.0.1 (a
secure context, so WebCrypto is there), opens rekey.html in Debian's chromium through chromedriver,
waits for the page's results and prints median and p95 per case. Exits non-zero when the page
fails, times out, or logs an error.

    /work/main/.venv-e2e/bin/python Benchmarks/E2EERekey/run.py [--runs 20] [--delays 0,25] [--participants 10]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import shutil
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

HERE = Path(__file__).resolve().parent
WEB = HERE.parent.parent / "Web"


class Handler(http.server.SimpleHTTPRequestHandler):
    """/assets/… from Web/assets (as the server serves the client), everything else from this folder."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript"}

    def translate_path(self, path):
        route = urllib.parse.urlsplit(path).path
        self.directory = str(WEB if route.startswith("/assets/") else HERE)
        return super().translate_path(path)

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


def start_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(HERE)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def open_chromium():
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser")
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,720"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(executable_path=shutil.which("chromedriver")))


def table(cases) -> str:
    head = f"{'delay':>6} {'switch':>7} {'leaver':<7} | {'(a) holds new key':>17} | {'(b) sends with it':>17} | {'new leader has it':>17}"
    sub = f"{'ms':>6} {'ms':>7} {'':<7} | {'median':>8} {'p95':>8} | {'median':>8} {'p95':>8} | {'median':>8} {'p95':>8}"
    lines = [head, sub, "-" * len(head)]
    for c in cases:
        lines.append(
            f"{c['delay']:>6} {c['switchDelayMs']:>7} {c['leaver']:<7} | "
            f"{c['holds']['median']:>8.1f} {c['holds']['p95']:>8.1f} | "
            f"{c['sends']['median']:>8.1f} {c['sends']['p95']:>8.1f} | "
            f"{c['leaderStored']['median']:>8.1f} {c['leaderStored']['p95']:>8.1f}"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="measured leaves per case (default 20)")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured leaves first, per case (default 2)")
    parser.add_argument("--delays", default="0,25", help="one-way relay delays in ms, comma-separated (default 0,25)")
    parser.add_argument("--participants", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=1200, help="seconds for the whole run (default 1200)")
    parser.add_argument("--json", type=Path, help="also write the raw results (every sample) here")
    args = parser.parse_args()

    server, base = start_server()
    driver = None
    try:
        driver = open_chromium()
        query = urllib.parse.urlencode({"runs": args.runs, "warmup": args.warmup, "delays": args.delays, "participants": args.participants})
        driver.get(f"{base}/rekey.html?{query}")
        started = time.monotonic()
        result = None
        last = ""
        while time.monotonic() - started < args.timeout:
            result = driver.execute_script("return window.__rekey ? JSON.stringify(window.__rekey) : null")
            result = json.loads(result) if result else None
            if result and result["done"]:
                break
            progress = (result or {}).get("progress", "")
            if progress and progress.split(":")[0] != last:
                last = progress.split(":")[0]
                print(f"[{time.monotonic() - started:6.1f} s] {last}", file=sys.stderr, flush=True)
            time.sleep(0.5)
        else:
            print(f"timed out after {args.timeout:.0f} s: {(result or {}).get('progress')}", file=sys.stderr)
            return 1
        errors = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
        if args.json:
            args.json.write_text(json.dumps(result, indent=1))
        print(f"E2EE rekey after a leave: {args.participants} participants, {args.runs} runs per case "
              f"(+{args.warmup} warm-up), times in ms from the server's handling of the leave")
        print(table(result["cases"]))
        if result["error"] or errors:
            print("FAILED: " + (result["error"] or "; ".join(errors)), file=sys.stderr)
            return 1
        return 0
    finally:
        if driver:
            driver.quit()
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    sys.exit(main())

"""The web client's pure modules (layout, keyboard shortcuts, reconnect decisions, the meeting state
reducer, the media module's msid and offer-order logic, the microphone level, SFrame with the RFC 9605
vectors, the E2EE keys and key session), unit-tested in headless Chromium; the E2EE encoded transforms
(both Chrome paths) on a loopback pair of RTCPeerConnections;
and MediaSession itself against a stand-in SFU of two RTCPeerConnections in the page (real ICE, DTLS
and decoded frames on loopback).

Tests/e2e/js/units.html imports the modules straight from Web/assets/js (no build step) and the test
modules beside it; a throwaway static HTTP server on loopback serves the repository, because Chromium
does not load ES modules from file:// URLs. The page reports each test; this asserts that all passed."""

from __future__ import annotations

import functools
import http.server
import threading

import pytest
from selenium.webdriver.common.by import By

from conftest import REPO_ROOT


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


@pytest.fixture
def static_server():
    handler = functools.partial(_QuietHandler, directory=str(REPO_ROOT))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_web_client_unit_tests_pass_in_chromium(browser, static_server):
    browser.open(f"{static_server}/Tests/e2e/js/units.html")
    browser.wait_for(lambda: browser.find("#summary").get_attribute("data-done") == "true", timeout=30)
    results = browser.driver.find_elements(By.CSS_SELECTOR, "#results li")
    failures = [item.text for item in results if "failed" in item.get_attribute("class")]
    assert not failures, "\n".join(failures)
    assert int(browser.find("#summary").get_attribute("data-passed")) == len(results)
    # Every module is loaded and exercised (a missing import would leave its tests out silently).
    names = [item.text for item in results]
    for prefix in ("layout:", "shortcuts:", "reconnect:", "state:", "msid:", "offer queue:", "mic level:", "media session:",
                   "sframe:", "e2ee keys:", "e2ee session:", "e2ee transform (script):", "e2ee transform (streams):"):
        assert any(prefix in name for name in names), f"no {prefix} tests ran"
    assert len(results) >= 30
    assert browser.problems() == []

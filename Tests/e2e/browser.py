"""Headless Chromium for the end-to-end tests: Debian's chromium and chromedriver, no downloads.

`Browser` collects the console (errors there fail the journey, and Chromium reports CSP violations
there) and CSP violation events, and saves screenshots as test artefacts.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

# Records CSP violations from the first moment of every page; runs through DevTools, so the page's CSP
# (which forbids inline script) does not apply to it.
_RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(event.violatedDirective + ' ' + event.blockedURI);
});
"""


# Keeps every RTCPeerConnection the page makes and offers `window.__dmMedia()`: per open connection its
# role (subscribe when its remote description is an offer, else publish), each inbound stream by the
# msid track id of its m-section ("<SEAT>-<source>"), and each transport's DTLS state, SRTP cipher and
# selected candidate pair. Also notes the moment
# the Join button is clicked and the first moment any remote video frame is decoded after it. Injected
# through DevTools for the tests only; the page itself has no test hook.
_RECORD_PEER_CONNECTIONS = """
(() => {
  const Native = window.RTCPeerConnection;
  if (!Native) return;
  const made = [];
  window.RTCPeerConnection = class extends Native {
    constructor(...args) {
      super(...args);
      made.push(this);
      // Connection milestones, next to the signaling in window.__dmSignals (the join timeline).
      const at = (what) => () => window.__dmSignals.push([Math.round(performance.now()), 'pc' + made.indexOf(this), what, this.iceConnectionState, this.connectionState]);
      this.addEventListener('iceconnectionstatechange', at('ice'));
      this.addEventListener('connectionstatechange', at('connection'));
    }
  };
  function msids(sdp) {
    const byMid = {};
    for (const section of String(sdp || '').split(/\\r?\\nm=/).slice(1)) {
      const mid = /(?:^|\\n)a=mid:(\\S+)/.exec(section);
      const msid = /(?:^|\\n)a=msid:\\S+ (\\S+)/.exec(section);
      if (mid && msid) byMid[mid[1]] = msid[1];
    }
    return byMid;
  }
  window.__dmMedia = async () => {
    const result = [];
    for (const pc of made) {
      if (pc.connectionState === 'closed') continue;
      const remote = pc.remoteDescription;
      const byMid = msids(remote && remote.sdp);
      const inbound = [];
      const transports = [];
      // What the SFU's receiver reports told this side as a sender (RTT and loss per stream).
      const remoteInbound = [];
      let outbound = 0;
      const stats = await pc.getStats();
      const address = (id) => { const c = stats.get(id); return c ? `${c.address}:${c.port} ${c.candidateType}` : null; };
      stats.forEach((r) => {
        if (r.type === 'inbound-rtp') inbound.push({ track: byMid[r.mid] || null, mid: r.mid, kind: r.kind,
          framesDecoded: r.framesDecoded || 0, packetsReceived: r.packetsReceived || 0, bytesReceived: r.bytesReceived || 0 });
        if (r.type === 'outbound-rtp') outbound += r.packetsSent || 0;
        if (r.type === 'remote-inbound-rtp') remoteInbound.push({ kind: r.kind, roundTripTime: r.roundTripTime ?? null, packetsLost: r.packetsLost ?? null });
        if (r.type === 'transport') {
          const pair = stats.get(r.selectedCandidatePairId);
          transports.push({ dtlsState: r.dtlsState, srtpCipher: r.srtpCipher || null, iceState: r.iceState || null,
            selectedPair: pair ? [address(pair.localCandidateId), address(pair.remoteCandidateId)] : null,
            availableOutgoingBitrate: pair ? pair.availableOutgoingBitrate ?? null : null });
        }
      });
      result.push({ role: remote && remote.type === 'offer' ? 'subscribe' : 'publish', connectionState: pc.connectionState, inbound, outbound, transports, remoteInbound });
    }
    return result;
  };
  // The media part of the signaling conversation, for diagnosing a failed media assertion.
  window.__dmSignals = [];
  const NativeSocket = window.WebSocket;
  const note = (direction, raw) => {
    try {
      const m = JSON.parse(raw);
      const media = ['join', 'publish', 'subscribe', 'subscribe_answer', 'media'].includes(m.type) || String(m.event || '').match(/subscribe_offer|media_/) || m.type === 'ok' || m.type === 'error';
      if (media) window.__dmSignals.push([Math.round(performance.now()), direction, m.type, m.event || '', m.id || m.re || '', m.version || '', m.code || m.reason || '', (String(m.sdp || '').match(/a=msid:\\S+ \\S+/g) || []).join(',')]);
    } catch (error) {}
  };
  window.WebSocket = class extends NativeSocket {
    constructor(...args) { super(...args); this.addEventListener('message', (event) => note('<', event.data)); }
    send(data) { note('>', data); super.send(data); }
  };
  window.__dmJoin = { clickedAt: null, firstFrameAt: null };
  document.addEventListener('click', (event) => {
    if (!(event.target instanceof Element) || !event.target.closest('#join-button') || window.__dmJoin.clickedAt !== null) return;
    window.__dmJoin.clickedAt = performance.now();
    window.__dmSignals.push([Math.round(window.__dmJoin.clickedAt), 'click']);
    const poll = async () => {
      for (const pc of made) {
        let frames = 0;
        const stats = await pc.getStats();
      const address = (id) => { const c = stats.get(id); return c ? `${c.address}:${c.port} ${c.candidateType}` : null; };
      stats.forEach((r) => { if (r.type === 'inbound-rtp' && r.kind === 'video') frames += r.framesDecoded || 0; });
        if (frames > 0) { window.__dmJoin.firstFrameAt = performance.now(); return; }
      }
      setTimeout(poll, 10);
    };
    poll();
  }, true);
})();
"""


class Browser:
    def __init__(self, artifacts: Path, width: int = 1280, height: int = 720):
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in (
            "--headless=new",
            "--no-sandbox",
            "--disable-dev-shm-usage",
            # The test server's certificate is self-signed; TLS itself is tested elsewhere.
            "--ignore-certificate-errors",
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--window-size={width},{height}",
        ):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
        self.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _RECORD_CSP_VIOLATIONS})
        self.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _RECORD_PEER_CONNECTIONS})
        self.artifacts = artifacts
        self.console: list[dict] = []

    def open(self, url: str) -> None:
        self.driver.get(url)

    def find(self, css: str):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def wait_for(self, condition, timeout: float = 15):
        return WebDriverWait(self.driver, timeout).until(lambda driver: condition())

    def screenshot(self, name: str, width: int | None = None, height: int | None = None) -> Path:
        if width and height:
            self.driver.set_window_size(width, height)
        path = self.artifacts / f"{name}.png"
        self.artifacts.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(path))
        return path

    def media(self) -> list[dict]:
        """The page's peer connections now (see _RECORD_PEER_CONNECTIONS)."""
        return self.driver.execute_script("return window.__dmMedia ? window.__dmMedia() : []") or []

    def drain_console(self) -> list[dict]:
        self.console += self.driver.get_log("browser")
        return self.console

    def problems(self, expected_api_statuses: tuple[int, ...] = ()) -> list[str]:
        """Console errors and CSP violations seen so far. Chromium logs every non-2xx fetch as an error;
        `expected_api_statuses` drops those for /api/ calls whose refusal the test itself provoked."""
        expected = tuple(f"status of {status} " for status in expected_api_statuses)
        errors = [
            entry["message"]
            for entry in self.drain_console()
            if entry["level"] == "SEVERE" and not ("/api/v1/" in entry["message"] and any(text in entry["message"] for text in expected))
        ]
        violations = self.driver.execute_script("return window.__cspViolations || []")
        return errors + [f"CSP violation: {violation}" for violation in violations]

    def close(self) -> None:
        self.driver.quit()


def fill(browser: Browser, **fields: str) -> None:
    """Types into inputs by id, replacing what they held."""
    for name, value in fields.items():
        element = browser.find(f"#{name}")
        element.clear()
        element.send_keys(value)


def sign_in(browser: Browser, server, email: str | None = None, password: str | None = None) -> None:
    """Opens /signin and submits an email and password (the owner's by default)."""
    from conftest import OWNER, STRONG_PASSWORD

    browser.open(server.url("/signin"))
    browser.wait_for(lambda: browser.find("#email").is_displayed())
    fill(browser, email=email or OWNER["email"], password=password or STRONG_PASSWORD)
    browser.find("#signin-submit").click()

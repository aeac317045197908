"""Writes offers made by headless Debian Chromium (fake camera and microphone) into the folder given
as the first argument (default: this folder). Run with a Python that has selenium, e.g. the e2e venv:

  chromium-offer.sdp:           getUserMedia audio+video tracks added with addTrack, plus a data channel
  chromium-offer-simulcast.sdp: audio track, and a video transceiver with three RTP encodings (rids q, h, f)
"""
import subprocess, sys, tempfile, time, shutil
from pathlib import Path

out = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent)
page = Path(tempfile.mkdtemp())
(page / "index.html").write_text("<!doctype html><title>sdp</title>")
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

server = subprocess.Popen([sys.executable, "-m", "http.server", "8765", "--bind", "127.0.0.1"], cwd=page,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(1)
options = webdriver.ChromeOptions()
options.binary_location = shutil.which("chromium")
for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
             "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"):
    options.add_argument(flag)
driver = webdriver.Chrome(options=options, service=Service(executable_path=shutil.which("chromedriver")))
try:
    driver.get("http://localhost:8765/index.html")
    driver.set_script_timeout(30)
    script = """
const [mode, done] = arguments;
(async () => {
  const pc = new RTCPeerConnection();
  const stream = await navigator.mediaDevices.getUserMedia({audio: true, video: true});
  pc.addTrack(stream.getAudioTracks()[0], stream);
  if (mode === 'simulcast') {
    pc.addTransceiver(stream.getVideoTracks()[0], {direction: 'sendonly', streams: [stream], sendEncodings: [
      {rid: 'q', scaleResolutionDownBy: 4}, {rid: 'h', scaleResolutionDownBy: 2}, {rid: 'f'}]});
  } else {
    pc.addTrack(stream.getVideoTracks()[0], stream);
    pc.createDataChannel('chat');
  }
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise(r => { if (pc.iceGatheringState === 'complete') r(); pc.onicegatheringstatechange = () => { if (pc.iceGatheringState === 'complete') r(); }; setTimeout(r, 5000); });
  done(pc.localDescription.sdp + '\\n##UA ' + navigator.userAgent);
})().catch(e => done('ERROR ' + e));
"""
    for mode in ("plain", "simulcast"):
        result = driver.execute_async_script(script, mode)
        sdp, ua = result.split("\n##UA ")
        name = "chromium-offer.sdp" if mode == "plain" else "chromium-offer-simulcast.sdp"
        (out / name).write_text(sdp, newline="")
        print(mode, ua)
finally:
    driver.quit()
    server.terminate()

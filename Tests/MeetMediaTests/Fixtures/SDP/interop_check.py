"""Manual interop check: real WebRTC stacks accept what PublishAnswerer and SubscribeOfferer write.

Builds nothing; run after `swift build --build-tests` with the same scratch path. For each stack it
  1. has the stack make a publish offer (audio, video and a data channel), gets our answer
     from the Swift test SDPInteropTests, and applies it with setRemoteDescription;
  2. feeds our subscribe offers (two tracks; then one stopped; then a new track recycling the
     stopped section) to a second peer connection and returns its answers to the Swift side.
Any exception fails the check. Answers are kept in the folder printed at the end.

  chromium: python3 with selenium (e.g. the e2e venv) and Debian's chromium + chromium-driver
  aiortc:   a venv with aiortc==1.16.0

  interop_check.py chromium|aiortc --scratch-path /tmp/mediabuild [--package /path/to/repo]
"""
import argparse, asyncio, os, shutil, subprocess, sys, tempfile, time
from pathlib import Path

parser = argparse.ArgumentParser()
parser.add_argument("stack", choices=["chromium", "aiortc"])
parser.add_argument("--scratch-path", required=True)
parser.add_argument("--package", default=str(Path(__file__).resolve().parents[4]))
args = parser.parse_args()
work = Path(tempfile.mkdtemp(prefix=f"sdp-interop-{args.stack}-"))


def swift_replay():
    env = dict(os.environ, MEET_SDP_INTEROP_DIR=str(work))
    run = subprocess.run(["swift", "test", "--skip-build", "--scratch-path", args.scratch_path, "-Xcc", "-O2",
                          "--filter", "SDPInteropTests"], cwd=args.package, env=env, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(run.stdout[-4000:] + run.stderr[-2000:])


def subscribe_rounds(answer_offer):
    """Runs the Swift replay until it writes `done`, answering each new subscribe offer."""
    round_number = 1
    while True:
        swift_replay()
        if (work / "done").exists():
            return
        offer = (work / f"subscribe-offer-{round_number}.sdp").read_text()
        (work / f"subscribe-answer-{round_number}.sdp").write_text(answer_offer(offer), newline="")
        round_number += 1


def chromium():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    page = Path(tempfile.mkdtemp())
    (page / "index.html").write_text("<!doctype html><title>interop</title>")
    server = subprocess.Popen([sys.executable, "-m", "http.server", "8766", "--bind", "127.0.0.1"], cwd=page,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                 "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=shutil.which("chromedriver")))
    try:
        driver.get("http://localhost:8766/index.html")
        driver.set_script_timeout(30)
        call = lambda body, *values: driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            f"(async () => {{ {body} }})().then(done, e => done('ERROR ' + e));", *values)
        offer = call("""
            window.pub = new RTCPeerConnection();
            const stream = await navigator.mediaDevices.getUserMedia({audio: true, video: true});
            for (const track of stream.getTracks()) pub.addTrack(track, stream);
            pub.createDataChannel('chat');
            await pub.setLocalDescription(await pub.createOffer());
            return pub.localDescription.sdp;""")
        (work / "offer.sdp").write_text(offer, newline="")
        swift_replay()
        result = call("""
            await pub.setRemoteDescription({type: 'answer', sdp: arguments[0]});
            return pub.getTransceivers().map(t => t.mid + ':' + t.currentDirection).join(' ');""",
                      (work / "answer.sdp").read_text())
        assert not result.startswith("ERROR"), result
        print("chromium publish transceivers:", result)

        def answer(offer_text):
            sdp = call("""
                window.sub = window.sub || new RTCPeerConnection();
                await sub.setRemoteDescription({type: 'offer', sdp: arguments[0]});
                await sub.setLocalDescription(await sub.createAnswer());
                return sub.localDescription.sdp;""", offer_text)
            assert not sdp.startswith("ERROR"), sdp
            print("chromium subscribe:", call("return sub.getTransceivers().map(t => t.mid + ':' + t.receiver.track.kind"
                                              " + ':' + t.currentDirection).join(' ');"))
            return sdp
        subscribe_rounds(answer)
    finally:
        driver.quit()
        server.terminate()


def aiortc():
    from aiortc import RTCPeerConnection, RTCSessionDescription

    async def main():
        pub = RTCPeerConnection()
        pub.addTransceiver("audio", direction="sendonly")
        pub.addTransceiver("video", direction="sendonly")
        pub.createDataChannel("chat")
        await pub.setLocalDescription(await pub.createOffer())
        (work / "offer.sdp").write_text(pub.localDescription.sdp, newline="")
        swift_replay()
        await pub.setRemoteDescription(RTCSessionDescription((work / "answer.sdp").read_text(), "answer"))
        print("aiortc publish transceivers:", [(t.mid, t.currentDirection) for t in pub.getTransceivers()])
        sub = RTCPeerConnection()
        answers = []

        def answer(offer_text):
            async def one():
                await sub.setRemoteDescription(RTCSessionDescription(offer_text, "offer"))
                await sub.setLocalDescription(await sub.createAnswer())
                print("aiortc subscribe:", [(t.mid, t.kind, t.currentDirection) for t in sub.getTransceivers()])
                return sub.localDescription.sdp
            return asyncio.get_event_loop().run_until_complete(one())
        return pub, sub, answer

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    pub, sub, answer = loop.run_until_complete(main())
    try:
        subscribe_rounds(answer)
    finally:
        loop.run_until_complete(pub.close())
        loop.run_until_complete(sub.close())


chromium() if args.stack == "chromium" else aiortc()
print("interop ok; files in", work)

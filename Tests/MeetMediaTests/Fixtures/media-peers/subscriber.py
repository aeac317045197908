"""An aiortc subscriber: answers the SFU's offers (the first and any renegotiation), decodes what
arrives with track.recv(), and reports decoded video and audio frame counts every half second."""
import asyncio

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.rtcconfiguration import RTCBundlePolicy
from aiortc.mediastreams import MediaStreamError

from common import lines, send

counts = {"video": 0, "audio": 0}
# Decoded frames per track, named "<kind>-<mid>".
per_track = {}


async def consume(track, name):
    while True:
        try:
            await track.recv()
        except MediaStreamError:
            return
        counts[track.kind] += 1
        per_track[name] = per_track.get(name, 0) + 1


async def report():
    while True:
        await asyncio.sleep(0.5)
        send(type="frames", video=counts["video"], audio=counts["audio"], tracks=per_track)


async def main():
    # max-bundle: under aiortc's default policy the second section of a kind in one offer is left on
    # a transport aiortc throws away when it applies BUNDLE (see Tests/e2e/media.py).
    pc = RTCPeerConnection(RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))

    @pc.on("track")
    def on_track(track):
        # Named by kind and the mid of its section, e.g. "audio-1": aiortc does not keep the msid.
        mid = next(t.mid for t in pc.getTransceivers() if t.receiver.track is track)
        asyncio.ensure_future(consume(track, f"{track.kind}-{mid}"))

    @pc.on("connectionstatechange")
    def on_state():
        send(type="state", state=pc.connectionState)

    reporter = asyncio.ensure_future(report())
    async for message in lines():
        if message.get("type") == "offer":
            await pc.setRemoteDescription(RTCSessionDescription(sdp=message["sdp"], type="offer"))
            await pc.setLocalDescription(await pc.createAnswer())
            send(type="answer", sdp=pc.localDescription.sdp)
        elif message.get("type") == "stop":
            break
    reporter.cancel()
    await pc.close()


asyncio.run(main())

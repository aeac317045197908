"""An aiortc subscriber: answers the SFU's offers (the first and any renegotiation), decodes what
arrives with track.recv(), and reports decoded video and audio frame counts every half second."""
import asyncio

from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError

from common import lines, send

counts = {"video": 0, "audio": 0}


async def consume(track):
    while True:
        try:
            await track.recv()
        except MediaStreamError:
            return
        counts[track.kind] += 1


async def report():
    while True:
        await asyncio.sleep(0.5)
        send(type="frames", video=counts["video"], audio=counts["audio"])


async def main():
    pc = RTCPeerConnection()

    @pc.on("track")
    def on_track(track):
        asyncio.ensure_future(consume(track))

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

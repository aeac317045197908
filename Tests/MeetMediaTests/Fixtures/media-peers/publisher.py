"""An aiortc publisher: offers VP8 video and Opus audio (aiortc's synthetic tracks), applies the SFU's
answer, reports when connected, and keeps sending until stdin closes or says stop."""
import asyncio

from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack, VideoStreamTrack
from aiortc.rtcrtpsender import RTCRtpSender

from common import lines, send


async def main():
    pc = RTCPeerConnection()
    pc.addTransceiver(AudioStreamTrack(), direction="sendonly")
    video = pc.addTransceiver(VideoStreamTrack(), direction="sendonly")
    codecs = RTCRtpSender.getCapabilities("video").codecs
    video.setCodecPreferences([c for c in codecs if c.mimeType in ("video/VP8", "video/rtx")])

    @pc.on("connectionstatechange")
    def on_state():
        send(type="state", state=pc.connectionState)

    await pc.setLocalDescription(await pc.createOffer())
    send(type="offer", sdp=pc.localDescription.sdp)
    async for message in lines():
        if message.get("type") == "answer":
            await pc.setRemoteDescription(RTCSessionDescription(sdp=message["sdp"], type="answer"))
        elif message.get("type") == "stop":
            break
    await pc.close()


asyncio.run(main())

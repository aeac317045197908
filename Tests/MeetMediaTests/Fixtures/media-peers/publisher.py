"""An aiortc publisher: offers VP8 video and Opus audio (aiortc's synthetic tracks), applies the SFU's
answer, reports when connected, and keeps sending until stdin closes or says stop. Every 0.5 s it reports,
per sender, what the SFU's receiver reports told it (its remote-inbound-rtp stats; null before the
first) and the video encoder's target bitrate, which aiortc sets from the SFU's REMB."""
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

    async def report_feedback():
        while True:
            await asyncio.sleep(0.5)
            for sender in pc.getSenders():
                try:
                    stats = await sender.getStats()
                except Exception:  # the transport is not up yet
                    continue
                remote = [s for s in stats.values() if s.type == "remote-inbound-rtp"]
                # aiortc keeps the encoder private; its target bitrate is what the last REMB set.
                encoder = getattr(sender, "_RTCRtpSender__encoder", None)
                send(
                    type="feedback",
                    kind=sender.track.kind,
                    packetsLost=remote[0].packetsLost if remote else None,
                    roundTripTime=remote[0].roundTripTime if remote else None,
                    targetBitrate=getattr(encoder, "target_bitrate", None),
                )

    feedback = asyncio.ensure_future(report_feedback())
    await pc.setLocalDescription(await pc.createOffer())
    send(type="offer", sdp=pc.localDescription.sdp)
    async for message in lines():
        if message.get("type") == "answer":
            await pc.setRemoteDescription(RTCSessionDescription(sdp=message["sdp"], type="answer"))
        elif message.get("type") == "stop":
            break
    feedback.cancel()
    await pc.close()


asyncio.run(main())

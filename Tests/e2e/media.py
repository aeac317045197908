"""aiortc participants for the e2e media tests: each drives its two peer connections (publish and
subscribe) through a real signaling socket (signaling.py), exactly as docs/signaling.md says a
browser must, and counts the frames it decodes per remote track."""

from __future__ import annotations

import asyncio
import collections

import aioice.ice
from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription
from aiortc.rtcconfiguration import RTCBundlePolicy, RTCIceTransportPolicy
from aiortc.mediastreams import AudioStreamTrack, MediaStreamError, VideoStreamTrack
from aiortc.rtcrtpsender import RTCRtpSender

from signaling import Signaling

# Tests use loopback only; aioice leaves 127.0.0.1 out of its host candidates, so offer exactly that.
aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"] if use_ipv4 else []


def prefer_vp8(transceiver) -> None:
    codecs = RTCRtpSender.getCapabilities("video").codecs
    transceiver.setCodecPreferences([c for c in codecs if c.mimeType in ("video/VP8", "video/rtx")])


# max-bundle, as browsers are usually configured: the SFU bundles every section anyway, and under
# aiortc's default ("balanced") an offer with two sections of one kind leaves the second of them on
# a transport aiortc discards when it applies BUNDLE, so that track never reaches its receiver.
def configuration_from(media: dict) -> RTCConfiguration:
    """The peer-connection configuration a browser builds from the join answer's `meeting.media`."""
    servers = [RTCIceServer(urls=server["urls"], username=server["username"], credential=server["credential"]) for server in media["iceServers"]]
    policy = RTCIceTransportPolicy.RELAY if media["iceTransportPolicy"] == "relay" else RTCIceTransportPolicy.ALL
    return RTCConfiguration(iceServers=servers, iceTransportPolicy=policy, bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)


class MediaParticipant:
    """One participant's media: publish (we offer) and subscribe (the SFU offers, we answer)."""

    def __init__(self, socket: Signaling, configuration: RTCConfiguration | None = None):
        self.socket = socket
        self.configuration = configuration or RTCConfiguration(iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)
        self.publisher: RTCPeerConnection | None = None
        self.subscriber: RTCPeerConnection | None = None
        # Decoded frames per remote track id (`<seat>-<source>`).
        self.frames: collections.Counter[str] = collections.Counter()
        self.states: dict[str, list[str]] = {"publish": [], "subscribe": []}
        self._tasks: list[asyncio.Task] = []

    def _watch(self, pc: RTCPeerConnection, name: str) -> None:
        @pc.on("connectionstatechange")
        def changed():
            self.states[name].append(pc.connectionState)

    async def publish(self, *, microphone: bool = True, camera: bool = True, screen: bool = False) -> dict:
        """Sends a publish offer; returns the server's reply (ok with the answer, or an error)."""
        pc = RTCPeerConnection(self.configuration)
        self._watch(pc, "publish")
        sources = []
        if microphone:
            sources.append((pc.addTransceiver(AudioStreamTrack(), direction="sendonly"), "microphone"))
        if camera:
            video = pc.addTransceiver(VideoStreamTrack(), direction="sendonly")
            prefer_vp8(video)
            sources.append((video, "camera"))
        if screen:
            shared = pc.addTransceiver(VideoStreamTrack(), direction="sendonly")
            prefer_vp8(shared)
            sources.append((shared, "screen"))
        await pc.setLocalDescription(await pc.createOffer())
        tracks = [{"mid": transceiver.mid, "source": source} for transceiver, source in sources]
        reply = await self.socket.send("publish", sdp=pc.localDescription.sdp, tracks=tracks)
        if reply.get("type") == "ok":
            await pc.setRemoteDescription(RTCSessionDescription(sdp=reply["sdp"], type="answer"))
            self.publisher = pc
        else:
            await pc.close()
        return reply

    async def subscribe(self) -> dict:
        pc = RTCPeerConnection(self.configuration)
        self._watch(pc, "subscribe")

        @pc.on("track")
        def on_track(track):
            self._tasks.append(asyncio.ensure_future(self._consume(track)))

        reply = await self.socket.send("subscribe")
        if reply.get("type") != "ok":
            await pc.close()
            return reply
        self.subscriber = pc
        await self._answer(reply["sdp"], reply["version"])
        self._tasks.append(asyncio.ensure_future(self._renegotiate()))
        return reply

    async def _answer(self, sdp: str, version: int) -> None:
        assert self.subscriber is not None
        await self.subscriber.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
        await self.subscriber.setLocalDescription(await self.subscriber.createAnswer())
        await self.socket.ok("subscribe_answer", version=version, sdp=self.subscriber.localDescription.sdp)

    async def _renegotiate(self) -> None:
        while True:
            offer = await self.socket.next_event("subscribe_offer", timeout=3600)
            await self._answer(offer["sdp"], offer["version"])

    async def _consume(self, track) -> None:
        while True:
            try:
                await track.recv()
            except MediaStreamError:
                return
            self.frames[track.id] += 1

    async def wait_for_frames(self, track_id: str, at_least: int, timeout: float = 60) -> int:
        """Waits until `at_least` more frames of the track were decoded; returns the new count."""
        target = self.frames[track_id] + at_least
        deadline = asyncio.get_running_loop().time() + timeout
        while self.frames[track_id] < target:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{self.socket.name}: {track_id} decoded {self.frames[track_id]} frames, wanted {target}; {dict(self.frames)}")
            await asyncio.sleep(0.1)
        return self.frames[track_id]

    async def frames_within(self, track_id: str, seconds: float) -> int:
        """How many frames of the track were decoded during the next `seconds`."""
        before = self.frames[track_id]
        await asyncio.sleep(seconds)
        return self.frames[track_id] - before

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for pc in (self.publisher, self.subscriber):
            if pc is not None:
                await pc.close()

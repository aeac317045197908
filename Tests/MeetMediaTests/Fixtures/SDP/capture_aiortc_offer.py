"""Prints an aiortc 1.16.0 offer with an audio and a video transceiver (sendrecv), and with
--datachannel also a data channel. aiortc-offer.sdp and aiortc-offer-datachannel.sdp came from:

  python3 -m venv /tmp/aiortc-venv && /tmp/aiortc-venv/bin/pip install aiortc==1.16.0
  /tmp/aiortc-venv/bin/python capture_aiortc_offer.py > aiortc-offer.sdp
"""
import asyncio, sys
from aiortc import RTCPeerConnection

async def main(with_channel: bool):
    pc = RTCPeerConnection()
    pc.addTransceiver("audio", direction="sendrecv")
    pc.addTransceiver("video", direction="sendrecv")
    if with_channel:
        pc.createDataChannel("chat")
    await pc.setLocalDescription(await pc.createOffer())
    sys.stdout.write(pc.localDescription.sdp)
    await pc.close()

asyncio.run(main(len(sys.argv) > 1 and sys.argv[1] == "--datachannel"))

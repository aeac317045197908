// MediaSession against a stand-in SFU made of two RTCPeerConnections in the same page: real offers,
// answers, ICE and DTLS on loopback, real frames. The stand-in speaks the contract's messages
// (publish, subscribe, subscribe_answer, subscribe_offer) and names its tracks "<seat> <seat>-<source>".
import { deepEqual, equal, ok, test } from "./harness.js";
import { MediaSession } from "../../../Web/assets/js/media.js";

const SEAT = "7d4a3f0e-2b1c-4e5f-8a9b-0c1d2e3f4a5b";

function canvasTrack(color) {
  const canvas = document.createElement("canvas");
  canvas.width = 160;
  canvas.height = 90;
  const context = canvas.getContext("2d");
  let frame = 0;
  const timer = setInterval(() => {
    context.fillStyle = frame++ % 2 ? color : "black";
    context.fillRect(0, 0, 160, 90);
  }, 50);
  const track = canvas.captureStream(20).getVideoTracks()[0];
  track.addEventListener("ended", () => clearInterval(timer));
  return track;
}

function audioTrack() {
  const context = new AudioContext();
  const destination = context.createMediaStreamDestination();
  const oscillator = context.createOscillator();
  oscillator.connect(destination);
  oscillator.start();
  return destination.stream.getAudioTracks()[0];
}

function gathered(pc) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    pc.addEventListener("icegatheringstatechange", () => pc.iceGatheringState === "complete" && resolve());
    setTimeout(resolve, 3000);
  });
}

/** Gives each sending m-section the msid the SFU would: stream = seat, track = seat-source. */
function nameTracks(sdp, sources) {
  let index = 0;
  return sdp.replace(/a=msid:\S+ \S+/g, () => `a=msid:${SEAT} ${SEAT}-${sources[index++]}`);
}

function within(ms, promise, what) {
  return Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error("timed out: " + what)), ms))]);
}

async function framesDecoded(pc) {
  let frames = 0;
  (await pc.getStats()).forEach((report) => {
    if (report.type === "inbound-rtp" && report.kind === "video") frames += report.framesDecoded ?? 0;
  });
  return frames;
}

test("media session: publish, subscribe and a later offer against a loopback SFU; frames arrive by msid", async () => {
  const sfuPublish = new RTCPeerConnection();
  const sfuSubscribe = new RTCPeerConnection();
  const sent = [];
  const received = [];
  const sources = ["microphone", "camera"];
  sfuSubscribe.addTransceiver(audioTrack(), { direction: "sendonly" });
  sfuSubscribe.addTransceiver(canvasTrack("red"), { direction: "sendonly" });
  let trackArrived;
  const arrivals = new Promise((resolve) => { trackArrived = resolve; });

  const request = async (type, fields = {}) => {
    sent.push({ type, ...fields });
    if (type === "publish") {
      await sfuPublish.setRemoteDescription({ type: "offer", sdp: fields.sdp });
      await sfuPublish.setLocalDescription(await sfuPublish.createAnswer());
      await gathered(sfuPublish);
      return { type: "ok", sdp: sfuPublish.localDescription.sdp };
    }
    if (type === "subscribe") {
      await sfuSubscribe.setLocalDescription(await sfuSubscribe.createOffer());
      await gathered(sfuSubscribe);
      return { type: "ok", version: 1, sdp: nameTracks(sfuSubscribe.localDescription.sdp, sources) };
    }
    if (type === "subscribe_answer") {
      await sfuSubscribe.setRemoteDescription({ type: "answer", sdp: fields.sdp });
      return { type: "ok" };
    }
    throw Object.assign(new Error("unexpected " + type), { code: "unknown_type" });
  };
  const session = new MediaSession({
    request,
    media: { iceServers: [], iceTransportPolicy: "all" },
    onTrack: (seat, source, track) => {
      received.push({ seat, source, kind: track.kind });
      trackArrived();
    },
    onUnavailable: () => received.push("unavailable"),
  });
  try {
    await within(20000, session.start({ microphone: audioTrack(), camera: canvasTrack("blue"), screen: null }), "start");
    // Publish and subscribe go out together (neither waits for the other); the answer follows the offer.
    deepEqual(sent.map((m) => m.type).sort(), ["publish", "subscribe", "subscribe_answer"]);
    ok(sent.findIndex((m) => m.type === "subscribe") < sent.findIndex((m) => m.type === "subscribe_answer"));
    const publish = sent.find((m) => m.type === "publish");
    deepEqual(publish.tracks, [{ mid: "0", source: "microphone" }, { mid: "1", source: "camera" }]);
    ok(/a=sendonly/.test(publish.sdp), "the publish offer sends only");
    equal(sent.find((m) => m.type === "subscribe_answer").version, 1);
    await within(10000, arrivals, "remote track");
    ok(received.some((r) => r.seat === SEAT && r.source === "camera" && r.kind === "video"), JSON.stringify(received));
    ok(received.some((r) => r.seat === SEAT && r.source === "microphone" && r.kind === "audio"), JSON.stringify(received));
    // The SFU adds a second track (a screen): a new offer, version 2, is answered as version 2.
    sources.push("screen");
    sfuSubscribe.addTransceiver(canvasTrack("green"), { direction: "sendonly" });
    await sfuSubscribe.setLocalDescription(await sfuSubscribe.createOffer());
    await gathered(sfuSubscribe);
    await within(10000, session.handleSubscribeOffer({ version: 2, sdp: nameTracks(sfuSubscribe.localDescription.sdp, sources) }), "second offer");
    equal(sent.at(-1).type, "subscribe_answer");
    equal(sent.at(-1).version, 2);
    ok(received.some((r) => r.source === "screen" && r.seat === SEAT), "the screen track arrived");
    // Real frames flow through the subscribe connection.
    const deadline = Date.now() + 10000;
    while ((await framesDecoded(session.subscriber)) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    ok((await framesDecoded(session.subscriber)) > 0, "frames were decoded");
    ok(!received.includes("unavailable"));
    // The remote microphone's level is reported by seat (its value depends on the page's audio).
    deepEqual(session.levels().map((l) => l.seat), [SEAT]);
  } finally {
    session.close();
    sfuPublish.close();
    sfuSubscribe.close();
  }
});

test("media session: a server without media (unknown_type) makes it unavailable, once", async () => {
  let unavailable = 0;
  const session = new MediaSession({
    request: async (type) => { throw Object.assign(new Error("Unknown message type " + type), { code: "unknown_type" }); },
    media: null,
    onUnavailable: () => { unavailable += 1; },
  });
  await within(10000, session.start({ microphone: audioTrack(), camera: null, screen: null }), "start");
  equal(unavailable, 1);
  equal(session.available, false);
  equal(await session.publish({ microphone: null }), false);
  equal(unavailable, 1);
});

test("media session: in an E2EE meeting every sender is transformed before its offer, every receiver by msid, VP8/Opus only", async () => {
  const sfuPublish = new RTCPeerConnection();
  const sfuSubscribe = new RTCPeerConnection();
  sfuSubscribe.addTransceiver(audioTrack(), { direction: "sendonly" });
  sfuSubscribe.addTransceiver(canvasTrack("red"), { direction: "sendonly" });
  const calls = [];
  const e2ee = {
    peerConfig: (config) => ({ ...config, marker: true }),
    attachSender: (sender, options) => calls.push({ side: "send", ...options, sender }),
    attachReceiver: (receiver, options) => calls.push({ side: "receive", ...options }),
  };
  let publishSdp = null;
  const request = async (type, fields = {}) => {
    if (type === "publish") {
      calls.push({ side: "publish request" });
      publishSdp = fields.sdp;
      await sfuPublish.setRemoteDescription({ type: "offer", sdp: fields.sdp });
      await sfuPublish.setLocalDescription(await sfuPublish.createAnswer());
      return { type: "ok", sdp: sfuPublish.localDescription.sdp };
    }
    if (type === "subscribe") {
      await sfuSubscribe.setLocalDescription(await sfuSubscribe.createOffer());
      await gathered(sfuSubscribe);
      return { type: "ok", version: 1, sdp: nameTracks(sfuSubscribe.localDescription.sdp, ["microphone", "camera"]) };
    }
    if (type === "subscribe_answer") {
      await sfuSubscribe.setRemoteDescription({ type: "answer", sdp: fields.sdp });
      return { type: "ok" };
    }
    throw Object.assign(new Error("unexpected " + type), { code: "unknown_type" });
  };
  const session = new MediaSession({ request, media: { iceServers: [], iceTransportPolicy: "all" }, e2ee });
  try {
    equal(session.config.marker, true, "the peer connection configuration comes from the E2EE transforms");
    await within(20000, session.start({ microphone: audioTrack(), camera: canvasTrack("blue"), screen: null }), "start");
    const publishIndex = calls.findIndex((c) => c.side === "publish request");
    const sends = calls.filter((c) => c.side === "send");
    deepEqual(sends.map((c) => `${c.kind}/${c.source}`).sort(), ["audio/microphone", "video/camera"]);
    ok(calls.findIndex((c) => c.side === "send") < publishIndex && calls.findLastIndex((c) => c.side === "send") < publishIndex, "transformed before the offer");
    const receives = calls.filter((c) => c.side === "receive");
    deepEqual(receives.map((c) => `${c.kind}/${c.seat}/${c.source}`).sort(), [`audio/${SEAT}/microphone`, `video/${SEAT}/camera`]);
    // The offer's video section lists VP8 (and its retransmission) only, the audio section Opus only.
    const rtpmaps = (kind) => {
      const section = publishSdp.split(/\r?\nm=/).find((s) => s.startsWith(kind));
      return [...section.matchAll(/a=rtpmap:\d+ ([^/\r\n]+)/g)].map((m) => m[1].toLowerCase());
    };
    ok(rtpmaps("video").length > 0 && rtpmaps("video").every((codec) => codec === "vp8" || codec === "rtx"), "video: " + rtpmaps("video"));
    deepEqual([...new Set(rtpmaps("audio"))], ["opus"], "audio");
  } finally {
    session.close();
    sfuPublish.close();
    sfuSubscribe.close();
  }
});

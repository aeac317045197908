// The encoded transforms end to end without a server: two RTCPeerConnections in this page (real ICE,
// DTLS and VP8/Opus on loopback), each side with its own E2EE worker as two browsers would have. The
// sender encrypts every frame, the receiver decrypts them and the decoder shows them; a receiver
// without the epoch's key decodes nothing and counts failures; a ratcheted epoch it was not told
// about yet is derived on demand without a dropped frame. Every path this browser has is tested.
import { deepEqual, equal, ok, test } from "./harness.js";
import { E2EETransforms, e2eeCodecs, e2eeSupport, preferE2eeCodecs } from "../../../Web/assets/js/e2ee-transform.js";
import { freshSecret, ratchet } from "../../../Web/assets/js/e2ee-keys.js";
import { decryptFrame, deriveKeySalt, encryptFrame } from "../../../Web/assets/js/sframe.js";

const MEETING = "mtg_loopback";
const SENDER = "5E2D0000-0000-4000-8000-0000000000A1";
const RECEIVER = "5E2D0000-0000-4000-8000-0000000000B2";

function canvasTrack(width, height) {
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d");
  let frame = 0;
  const timer = setInterval(() => {
    frame += 1;
    // Moving noise-like content, so frames are realistically large.
    for (let i = 0; i < 40; i += 1) {
      context.fillStyle = `hsl(${(frame * 7 + i * 31) % 360} 80% 50%)`;
      context.fillRect((i * 97 + frame * 13) % width, (i * 53 + frame * 7) % height, width / 6, height / 6);
    }
  }, 33);
  const track = canvas.captureStream(30).getVideoTracks()[0];
  track.addEventListener("ended", () => clearInterval(timer));
  return track;
}

/** The fake microphone (a suspended AudioContext, without a user gesture, would send no audio frames at all). */
async function audioTrack() {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  return stream.getAudioTracks()[0];
}

function gathered(pc) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    pc.addEventListener("icegatheringstatechange", () => pc.iceGatheringState === "complete" && resolve());
    setTimeout(resolve, 3000);
  });
}

async function inbound(pc) {
  const result = { video: 0, audio: 0, codecs: [] };
  const stats = await pc.getStats();
  stats.forEach((report) => {
    if (report.type === "inbound-rtp" && report.kind === "video") result.video += report.framesDecoded ?? 0;
    if (report.type === "inbound-rtp" && report.kind === "audio") result.audio += report.packetsReceived ?? 0;
    if (report.type === "codec") result.codecs.push(report.mimeType);
  });
  return result;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what, predicate, ms = 10000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting for " + what);
    await sleep(150);
  }
}

/** A sending and a receiving connection, each with its own worker, connected on loopback. */
async function loopback(mode, { width = 320, height = 180 } = {}) {
  const sendSide = new E2EETransforms({ mode });
  const receiveSide = new E2EETransforms({ mode });
  sendSide.configure({ meetingId: MEETING, seat: SENDER });
  receiveSide.configure({ meetingId: MEETING, seat: RECEIVER });
  const sender = new RTCPeerConnection(sendSide.peerConfig({}));
  const receiver = new RTCPeerConnection(receiveSide.peerConfig({}));
  const tracks = { camera: canvasTrack(width, height), microphone: await audioTrack() };
  for (const [source, track] of Object.entries(tracks)) {
    const transceiver = sender.addTransceiver(track, { direction: "sendonly" });
    ok(preferE2eeCodecs(transceiver, track.kind), "codec preferences accepted for " + track.kind);
    sendSide.attachSender(transceiver.sender, { kind: track.kind, source });
  }
  await sender.setLocalDescription(await sender.createOffer());
  await gathered(sender);
  await receiver.setRemoteDescription(sender.localDescription);
  const sources = ["camera", "microphone"];
  for (const [index, transceiver] of receiver.getTransceivers().entries()) {
    receiveSide.attachReceiver(transceiver.receiver, { kind: transceiver.receiver.track.kind, seat: SENDER.toLowerCase(), source: sources[index] });
  }
  await receiver.setLocalDescription(await receiver.createAnswer());
  await gathered(receiver);
  await sender.setRemoteDescription(receiver.localDescription);
  const close = () => {
    for (const track of Object.values(tracks)) track.stop();
    sender.close();
    receiver.close();
    sendSide.close();
    receiveSide.close();
  };
  return { sendSide, receiveSide, sender, receiver, close };
}

test("e2ee transform: this browser can encrypt media (RTCRtpScriptTransform or createEncodedStreams)", () => {
  ok(e2eeSupport() !== null, "no encoded transform API");
  equal(e2eeSupport({}), null, "nothing without WebCrypto, workers and WebRTC");
  equal(e2eeSupport({ crypto: { subtle: {} }, Worker: function () {}, RTCRtpSender: function () {} }), null, "nothing without a transform API");
  deepEqual(e2eeCodecs([{ mimeType: "video/VP8" }, { mimeType: "video/H264" }, { mimeType: "video/rtx" }, { mimeType: "video/AV1" }], "video").map((c) => c.mimeType), ["video/VP8", "video/rtx"]);
  deepEqual(e2eeCodecs([{ mimeType: "audio/opus" }, { mimeType: "audio/red" }, { mimeType: "audio/G722" }], "audio").map((c) => c.mimeType), ["audio/opus"]);
});

function modes() {
  const found = [];
  if (typeof RTCRtpScriptTransform === "function") found.push("script");
  if (typeof RTCRtpSender.prototype.createEncodedStreams === "function") found.push("streams");
  return found;
}

for (const mode of ["script", "streams"]) {
  test(`e2ee transform (${mode}): encrypted on loopback, decrypted and decoded; ratchet ahead; no key, no picture`, async () => {
    if (!modes().includes(mode)) {
      console.info(`e2ee transform: this browser has no ${mode} path; skipped`);
      return;
    }
    const { sendSide, receiveSide, receiver, close } = await loopback(mode);
    try {
      const secret1 = freshSecret();
      // Nothing is sent before a key: frames are held back, never sent in clear.
      await sleep(800);
      const before = await sendSide.stats();
      ok(before.unsent.video > 0 && before.encrypted.video === 0, "no key, nothing sent: " + JSON.stringify(before));
      equal((await inbound(receiver)).video, 0, "nothing decoded before keys");

      sendSide.setSecret(1, secret1);
      receiveSide.setSecret(1, secret1);
      sendSide.useEpoch(1);
      await until("decoded frames", async () => (await inbound(receiver)).video > 5);
      const phase1 = await receiveSide.stats();
      ok(phase1.decrypted.video > 5 && phase1.decrypted.audio > 5, "frames decrypted: " + JSON.stringify(phase1));
      ok((await sendSide.stats()).encrypted.video > 5, "frames encrypted");
      ok((await inbound(receiver)).codecs.some((c) => /VP8/i.test(c)), "VP8 negotiated");
      receiveSide.resetStats();

      // The sender ratchets (a join) and sends at once; the receiver was not told yet: it derives epoch 2.
      sendSide.setSecret(2, await ratchet(secret1));
      sendSide.useEpoch(2);
      await sleep(1500);
      const phase2 = await receiveSide.stats();
      equal(phase2.failed.video, 0, "no frame dropped on a ratchet: " + JSON.stringify(phase2));
      ok(phase2.decrypted.video > 10, "still decrypting after the ratchet");
      ok(Object.values(phase2.tracks).some((t) => t.epoch === 2), "frames of epoch 2 arrived");

      // A fresh epoch the receiver does not have (it was removed): nothing decodes, failures counted.
      sendSide.setSecret(3, freshSecret());
      sendSide.useEpoch(3);
      await sleep(500);
      const decodedAtRemoval = (await inbound(receiver)).video;
      receiveSide.resetStats();
      await sleep(1500);
      const phase3 = await receiveSide.stats();
      ok(phase3.failed.video > 10, "frames of an unknown epoch fail: " + JSON.stringify(phase3));
      equal(phase3.decrypted.video, 0, "and none is decrypted");
      ok((await inbound(receiver)).video - decodedAtRemoval <= 1, "no new picture without the key");
    } finally {
      close();
    }
  });
}

test("e2ee transform: CPU time per frame (1280x720 VP8 on loopback, and Opus/VP8 sizes in the page)", async () => {
  const mode = e2eeSupport();
  const { sendSide, receiveSide, receiver, close } = await loopback(mode, { width: 1280, height: 720 });
  const report = {};
  try {
    const secret = freshSecret();
    sendSide.setSecret(1, secret);
    receiveSide.setSecret(1, secret);
    sendSide.useEpoch(1);
    await until("decoded 720p frames", async () => (await inbound(receiver)).video > 10);
    sendSide.resetStats();
    receiveSide.resetStats();
    await sleep(5000);
    const sent = await sendSide.stats();
    const got = await receiveSide.stats();
    ok(sent.encrypted.video > 20 && got.decrypted.video > 20, "frames were encrypted and decrypted during the measurement");
    const per = (ms, count) => +(ms / Math.max(1, count)).toFixed(4);
    report.worker = {
      mode,
      videoFrames: sent.encrypted.video,
      averageVideoFrameBytes: Math.round(sent.bytes.video / Math.max(1, sent.encrypted.video)),
      averageAudioFrameBytes: Math.round(sent.bytes.audio / Math.max(1, sent.encrypted.audio)),
      audioFrames: sent.encrypted.audio,
      encryptMsPerVideoFrame: per(sent.encryptMs.video, sent.encrypted.video),
      decryptMsPerVideoFrame: per(got.decryptMs.video, got.decrypted.video),
      encryptMsPerAudioFrame: per(sent.encryptMs.audio, sent.encrypted.audio),
      decryptMsPerAudioFrame: per(got.decryptMs.audio, got.decrypted.audio),
    };
  } finally {
    close();
  }
  // The same operations in the page, by frame size: Opus (~120 bytes), VP8 720p delta (~12 kB) and key (~80 kB) frames.
  const keys = await deriveKeySalt(freshSecret().subarray(0, 16), 1n);
  const keyFor = async () => keys;
  for (const [name, size, clear] of [["opus", 120, 0], ["vp8Delta720p", 12000, 3], ["vp8Key720p", 80000, 10]]) {
    const data = Uint8Array.from({ length: size }, (_, i) => (i * 2654435761) >>> 24);
    const rounds = 500;
    let sealed;
    let started = performance.now();
    for (let i = 0; i < rounds; i += 1) sealed = await encryptFrame(keys, 1n, BigInt(i), data, clear);
    const encryptMs = (performance.now() - started) / rounds;
    started = performance.now();
    for (let i = 0; i < rounds; i += 1) ok(await decryptFrame(keyFor, sealed, clear));
    const decryptMs = (performance.now() - started) / rounds;
    report[name] = { bytes: size, encryptMs: +encryptMs.toFixed(4), decryptMs: +decryptMs.toFixed(4) };
  }
  const output = document.getElementById("e2ee-perf") ?? document.body.appendChild(document.createElement("pre"));
  output.id = "e2ee-perf";
  output.textContent = JSON.stringify(report);
  console.info("e2ee perf " + JSON.stringify(report));
  ok(report.vp8Delta720p.encryptMs < 16, "encrypting a 720p frame takes less than a frame's time");
});

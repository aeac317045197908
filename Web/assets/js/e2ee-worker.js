// The media side of end-to-end encryption, in a module worker: SFrame-encrypts every encoded frame we
// send and decrypts every frame we receive (docs/e2ee.md). The page pushes meeting secrets by epoch
// and says which epoch to send with; keys per (epoch, seat, source) are derived here on demand, and a
// receiver that sees an epoch slightly ahead of what it has tries the join ratchet. Frames that do not
// authenticate are dropped and counted. Frames reach this worker through RTCRtpScriptTransform
// (`rtctransform` events) or, in Chrome without it, as transferred createEncodedStreams streams.
import { clearLength, decryptFrame, deriveKeySalt, encryptFrame } from "./sframe.js";
import { mediaBaseKey, ratchet, seatId } from "./e2ee-keys.js";

const RING = 4; // epochs a receiver keeps
const AHEAD = 4; // epochs a receiver derives by ratchet before being told
const KEY_FRAME_REQUEST_MS = 1000;

const state = {
  meetingId: "",
  seat: "",
  sendEpoch: 0,
  secrets: new Map(), // epoch → Uint8Array (given by the page)
  guessed: new Map(), // epoch → Uint8Array (ratcheted ahead on demand, until the page confirms)
  keys: new Map(), // "epoch seat source" → Promise<{key, salt} | null>
  counters: new Map(), // "epoch source" → next CTR
  identities: new Map(), // receiver id → {seat, source}
};

function emptyStats() {
  const kinds = () => ({ audio: 0, video: 0 });
  return { encrypted: kinds(), decrypted: kinds(), failed: kinds(), unsent: kinds(), bytes: kinds(), tracks: {}, encryptMs: kinds(), decryptMs: kinds() };
}
let stats = emptyStats();

function forgetKeys(epoch) {
  for (const name of [...state.keys.keys()]) if (name.startsWith(`${epoch} `)) state.keys.delete(name);
}

/** Keeps the newest RING epochs (and the one we send with). */
function prune() {
  const epochs = [...state.secrets.keys()].sort((a, b) => b - a);
  for (const epoch of epochs.slice(RING)) {
    if (epoch === state.sendEpoch) continue;
    state.secrets.delete(epoch);
    forgetKeys(epoch);
  }
  const newest = epochs[0] ?? 0;
  for (const epoch of [...state.guessed.keys()]) {
    if (epoch <= newest) {
      state.guessed.delete(epoch);
      forgetKeys(epoch);
    }
  }
  // Counters are never forgotten: an epoch given again must not start its nonces over.
}

/** The secret of `epoch`: given, or ratcheted from the newest given one when at most AHEAD epochs ahead. */
async function secretFor(epoch) {
  if (state.secrets.has(epoch)) return state.secrets.get(epoch);
  if (state.guessed.has(epoch)) return state.guessed.get(epoch);
  const newest = Math.max(0, ...state.secrets.keys());
  if (!newest || epoch <= newest || epoch - newest > AHEAD) return null;
  let secret = state.secrets.get(newest);
  for (let e = newest + 1; e <= epoch; e += 1) {
    secret = state.guessed.get(e) ?? (await ratchet(secret));
    if (!state.secrets.has(newest)) return null; // forgotten meanwhile
    state.guessed.set(e, secret);
  }
  return secret;
}

/** `{key, salt}` for a sender's source in `epoch`, or null when we have no secret for it. */
function keysFor(epoch, seat, source) {
  const name = `${epoch} ${seatId(seat)} ${source}`;
  let keys = state.keys.get(name);
  if (!keys) {
    keys = (async () => {
      const secret = await secretFor(epoch);
      if (!secret) return null;
      return deriveKeySalt(await mediaBaseKey(secret, state.meetingId, seat, source), epoch);
    })();
    keys.then((value) => value || state.keys.delete(name), () => state.keys.delete(name));
    state.keys.set(name, keys);
  }
  return keys;
}

function kindOf(kind) {
  return kind === "video" ? "video" : "audio";
}

function senderTransform({ kind, source }) {
  const k = kindOf(kind);
  return new TransformStream({
    async transform(frame, controller) {
      const epoch = state.sendEpoch;
      // Without a key nothing is sent: never media in clear.
      const keys = epoch ? await keysFor(epoch, state.seat, source) : null;
      if (!keys) {
        stats.unsent[k] += 1;
        return;
      }
      const counter = `${epoch} ${source}`;
      const ctr = state.counters.get(counter) ?? 0;
      state.counters.set(counter, ctr + 1);
      try {
        const started = performance.now();
        const data = new Uint8Array(frame.data);
        const out = await encryptFrame(keys, epoch, ctr, data, clearLength(k, data));
        stats.encryptMs[k] += performance.now() - started;
        stats.bytes[k] += data.length;
        frame.data = out.buffer;
        stats.encrypted[k] += 1;
        controller.enqueue(frame);
      } catch {
        stats.unsent[k] += 1;
      }
    },
  });
}

function receiverTransform({ kind, id }, transformer) {
  const k = kindOf(kind);
  let failing = false;
  let lastRequest = 0;
  return new TransformStream({
    async transform(frame, controller) {
      const identity = state.identities.get(id);
      const track = (stats.tracks[id] ??= { decrypted: 0, failed: 0, epoch: 0 });
      const started = performance.now();
      const data = new Uint8Array(frame.data);
      const result = identity
        ? await decryptFrame((kid) => (kid > 0n && kid <= BigInt(Number.MAX_SAFE_INTEGER) ? keysFor(Number(kid), identity.seat, identity.source) : null), data, clearLength(k, data))
        : null;
      if (!result) {
        stats.failed[k] += 1;
        track.failed += 1;
        failing = true;
        return;
      }
      stats.decryptMs[k] += performance.now() - started;
      stats.decrypted[k] += 1;
      track.decrypted += 1;
      track.epoch = Number(result.kid);
      // After dropped frames, a delta frame cannot be decoded: ask the sender for a key frame.
      if (failing && k === "video" && (data[0] & 0x01) === 1 && Date.now() - lastRequest > KEY_FRAME_REQUEST_MS) {
        lastRequest = Date.now();
        try {
          transformer?.sendKeyFrameRequest?.()?.catch?.(() => {});
        } catch {
          // not available on this path
        }
      }
      failing = false;
      frame.data = result.data.buffer;
      controller.enqueue(frame);
    },
  });
}

function attach(readable, writable, options, transformer = null) {
  const transform = options.side === "send" ? senderTransform(options) : receiverTransform(options, transformer);
  readable.pipeThrough(transform).pipeTo(writable).catch(() => {});
}

/** Applies one message from the page; answers `stats` requests. */
export function handle(message) {
  switch (message?.type) {
    case "config":
      state.meetingId = String(message.meetingId ?? "");
      state.seat = seatId(message.seat);
      break;
    case "secret":
      if (Number.isSafeInteger(message.epoch) && message.epoch > 0 && message.secret instanceof Uint8Array) {
        forgetKeys(message.epoch);
        state.guessed.delete(message.epoch);
        state.secrets.set(message.epoch, message.secret);
        prune();
      }
      break;
    case "send":
      if (state.secrets.has(message.epoch)) state.sendEpoch = message.epoch;
      break;
    case "identity":
      state.identities.set(message.id, { seat: seatId(message.seat), source: message.source });
      break;
    case "stream":
      attach(message.readable, message.writable, message);
      break;
    case "forget":
      state.sendEpoch = 0;
      state.secrets.clear();
      state.guessed.clear();
      state.keys.clear();
      break;
    case "stats":
      self.postMessage({ re: message.re, stats: { ...stats, sendEpoch: state.sendEpoch, epochs: [...state.secrets.keys()].sort((a, b) => a - b) } });
      break;
    case "reset-stats":
      stats = emptyStats();
      break;
    default:
      break;
  }
}

if (typeof WorkerGlobalScope !== "undefined" && self instanceof WorkerGlobalScope) {
  self.onmessage = (event) => handle(event.data);
  self.onrtctransform = (event) => {
    const transformer = event.transformer;
    attach(transformer.readable, transformer.writable, transformer.options ?? {}, transformer);
  };
}

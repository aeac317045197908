// Puts the E2EE worker (e2ee-worker.js) between the encoder and the packetiser of each sender and
// between the depacketiser and the decoder of each receiver: RTCRtpScriptTransform where the browser
// has it, Chrome's createEncodedStreams (which needs `encodedInsertableStreams: true` in the peer
// connection's configuration) otherwise. Also the capability check and the VP8/Opus codec filter.

/** "script" (RTCRtpScriptTransform), "streams" (createEncodedStreams) or null when this browser cannot encrypt media. */
export function e2eeSupport(scope = globalThis) {
  if (!scope.crypto?.subtle || typeof scope.Worker !== "function" || typeof scope.RTCRtpSender !== "function") return null;
  if (typeof scope.RTCRtpScriptTransform === "function") return "script";
  if (typeof scope.RTCRtpSender.prototype.createEncodedStreams === "function" && typeof scope.TransformStream === "function") return "streams";
  return null;
}

/** Why a browser without support cannot join (shown before it tries). */
export const UNSUPPORTED_MESSAGE =
  "This meeting is end-to-end encrypted, and this browser can't encrypt audio and video that way. Join from a recent version of Chrome, Edge, Firefox or Safari.";

/** The codecs an E2EE meeting negotiates for `kind`: VP8 (with its retransmissions) or Opus. */
export function e2eeCodecs(codecs, kind) {
  const allowed = kind === "video" ? /^video\/(vp8|rtx)$/i : /^audio\/opus$/i;
  return (codecs ?? []).filter((codec) => allowed.test(codec.mimeType));
}

/** Restricts a transceiver to VP8 or Opus; false when the browser refuses. */
export function preferE2eeCodecs(transceiver, kind) {
  try {
    const capabilities = RTCRtpReceiver.getCapabilities?.(kind)?.codecs ?? [];
    const codecs = e2eeCodecs(capabilities, kind);
    if (codecs.length === 0 || typeof transceiver.setCodecPreferences !== "function") return false;
    transceiver.setCodecPreferences(codecs);
    return true;
  } catch {
    return false;
  }
}

/** The worker and the transforms of one meeting (one per page). */
export class E2EETransforms {
  constructor({ mode = e2eeSupport(), workerURL = new URL("./e2ee-worker.js", import.meta.url) } = {}) {
    if (!mode) throw new Error("This browser cannot encrypt media.");
    this.mode = mode;
    this.worker = new Worker(workerURL, { type: "module", name: "e2ee" });
    this.senders = new WeakSet();
    this.receivers = new WeakMap(); // receiver → id
    this.nextId = 1;
    this.nextRequest = 1;
    this.pending = new Map();
    this.worker.addEventListener("message", (event) => {
      const waiting = this.pending.get(event.data?.re);
      if (!waiting) return;
      this.pending.delete(event.data.re);
      waiting(event.data.stats);
    });
  }

  /** The peer connection configuration this mode needs. */
  peerConfig(config) {
    return this.mode === "streams" ? { ...config, encodedInsertableStreams: true } : config;
  }

  configure({ meetingId, seat }) {
    this.worker.postMessage({ type: "config", meetingId, seat });
  }

  /** Gives the worker the secret of `epoch` (receivers can use it at once). */
  setSecret(epoch, secret) {
    this.worker.postMessage({ type: "secret", epoch, secret: Uint8Array.from(secret) });
  }

  /** From now on, frames we send are encrypted with `epoch`. */
  useEpoch(epoch) {
    this.worker.postMessage({ type: "send", epoch });
  }

  /** Encrypts what `sender` sends (our `source`); call before the first frame (right after addTransceiver). */
  attachSender(sender, { kind, source }) {
    if (this.senders.has(sender)) return;
    this.senders.add(sender);
    const options = { side: "send", kind, source };
    if (this.mode === "script") sender.transform = new RTCRtpScriptTransform(this.worker, options);
    else this.transfer(sender.createEncodedStreams(), options);
  }

  /** Decrypts what `receiver` gets from `seat`'s `source`; again with a new identity when an m-line is reused. */
  attachReceiver(receiver, { kind, seat, source }) {
    let id = this.receivers.get(receiver);
    const fresh = id === undefined;
    if (fresh) {
      id = this.nextId++;
      this.receivers.set(receiver, id);
    }
    this.worker.postMessage({ type: "identity", id, seat, source });
    if (!fresh) return id;
    const options = { side: "receive", kind, id };
    if (this.mode === "script") receiver.transform = new RTCRtpScriptTransform(this.worker, options);
    else this.transfer(receiver.createEncodedStreams(), options);
    return id;
  }

  transfer({ readable, writable }, options) {
    this.worker.postMessage({ type: "stream", ...options, readable, writable }, [readable, writable]);
  }

  /** The worker's counters: `{encrypted, decrypted, failed, unsent}` by kind, `tracks` by receiver id, `sendEpoch`, `epochs`. */
  stats() {
    const re = this.nextRequest++;
    return new Promise((resolve) => {
      this.pending.set(re, resolve);
      this.worker.postMessage({ type: "stats", re });
    });
  }

  resetStats() {
    this.worker.postMessage({ type: "reset-stats" });
  }

  close() {
    this.worker.postMessage({ type: "forget" });
    this.worker.terminate();
    for (const resolve of this.pending.values()) resolve(null);
    this.pending.clear();
  }
}

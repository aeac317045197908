// Audio and video through the server's SFU, per "Media: publish and subscribe" in docs/signaling.md:
// one RTCPeerConnection to publish (the browser offers) and one to subscribe (the SFU offers). The
// pure parts (msid parsing, offer ordering, track lists, "no media here") are exported for the unit
// tests; MediaSession holds the peer connections. A server without media answers `publish` with
// `unknown_type` (or, once it knows the command but has no SFU configured, `conflict`): the session
// then reports itself unavailable and the meeting goes on without audio and video. In an end-to-end
// encrypted meeting (docs/e2ee.md) every sender and receiver goes through the E2EE worker's encoded
// transforms and only VP8 and Opus are negotiated.
import { preferE2eeCodecs } from "./e2ee-transform.js";

export const SOURCES = ["microphone", "camera", "screen", "screenAudio"];
/** Sources of an earlier draft of the contract, read the same way. */
const LEGACY_SOURCES = { audio: "microphone" };

function source(name) {
  if (SOURCES.includes(name)) return name;
  return LEGACY_SOURCES[name] ?? null;
}

/**
 * `{seat, source}` from an msid value, or null when it is not one of ours. The stream id is the
 * sender's seat and the track id `<seat>-<source>` (or, in the first draft, just `<source>`). Seats
 * (upper-case UUIDs in signaling and in the SFU's msid) are compared without regard to case and
 * returned in lower case.
 */
export function parseMsid(value) {
  const parts = String(value ?? "").trim().split(/\s+/);
  if (parts.length !== 2 || !parts[0] || parts[0] === "-") return null;
  const [seat, track] = parts;
  const prefix = seat.toLowerCase() + "-";
  const named = track.toLowerCase().startsWith(prefix) ? source(track.slice(prefix.length)) : source(track);
  return named ? { seat: seat.toLowerCase(), source: named } : null;
}

/** Map of mid → `{seat, source}` for every m-section of `sdp` that has both an a=mid and our a=msid. */
export function msidByMid(sdp) {
  const result = new Map();
  const sections = String(sdp ?? "").split(/\r?\nm=/).slice(1);
  for (const section of sections) {
    const mid = /(?:^|\n)a=mid:(\S+)/.exec(section)?.[1];
    const msid = /(?:^|\n)a=msid:([^\r\n]+)/.exec(section)?.[1];
    const parsed = msid ? parseMsid(msid) : null;
    if (mid !== undefined && parsed) result.set(mid, parsed);
  }
  return result;
}

/** The `tracks` of a publish: `[{mid, source}]` for each sending transceiver, in mid order. */
export function publishTracks(entries) {
  return entries
    .filter((entry) => entry.mid !== null && entry.mid !== undefined && entry.active)
    .map((entry) => ({ mid: String(entry.mid), source: entry.source }))
    .sort((a, b) => Number(a.mid) - Number(b.mid));
}

/**
 * Whether a refused `publish` or `subscribe` means this server has no media: it does not know the
 * command (`unknown_type`), or knows it but has no SFU configured (`conflict` before any media worked).
 */
export function isMediaUnavailable(error, { everWorked = false } = {}) {
  if (error?.code === "unknown_type" || error?.code === "media_unavailable") return true;
  return error?.code === "conflict" && !everWorked;
}

/**
 * Subscribe offers answered strictly in version order: `push` returns the offers that are now due
 * (the next versions in order), dropping stale or duplicate versions. `reset` starts again at 1
 * (a new `subscribe`).
 */
export class OfferQueue {
  constructor() {
    this.reset();
  }

  reset() {
    this.answered = 0;
    this.pending = new Map();
  }

  push(offer) {
    if (!Number.isInteger(offer?.version) || offer.version <= this.answered) return [];
    this.pending.set(offer.version, offer);
    const due = [];
    const versions = [...this.pending.keys()].sort((a, b) => a - b);
    for (const version of versions) {
      if (due.length > 0 && version !== due[due.length - 1].version + 1) break;
      due.push(this.pending.get(version));
      this.pending.delete(version);
    }
    if (due.length) this.answered = due[due.length - 1].version;
    return due;
  }
}

/**
 * Whether a `media_closed` should be answered by opening that connection again. Not when this page
 * closed it itself (`closedByPeer`: a new connection replaced it, or we left), nor when the server
 * did (`closedByRouter`: removal, the end of the meeting, or a newer publish/subscribe of ours);
 * yes when it failed (consent lost, DTLS failure).
 */
export function shouldRecover(reason) {
  const name = String(reason ?? "");
  return !(name.startsWith("closedByPeer") || name.startsWith("closedByRouter"));
}

// The SFU is ICE-lite: it never sends connectivity checks and learns each browser's address from the
// browser's own checks, so descriptions go out at once, without waiting for candidates to be gathered.

/**
 * The two peer connections of one participant. `request(type, fields)` sends a signaling command and
 * resolves with its `ok` answer (rejects with the error); `onTrack(seat, source, track)` and
 * `onTrackGone(seat, source)` let the page put remote media on tiles (seats in lower case).
 */
export class MediaSession {
  constructor({ request, media, onTrack, onTrackGone, onUnavailable, e2ee = null }) {
    this.request = request;
    this.e2ee = e2ee; // E2EETransforms in an end-to-end encrypted meeting
    const config = {
      bundlePolicy: "max-bundle",
      rtcpMuxPolicy: "require",
      iceServers: media?.iceServers ?? [],
      iceTransportPolicy: media?.iceTransportPolicy ?? "all",
    };
    this.config = e2ee ? e2ee.peerConfig(config) : config;
    this.onTrack = onTrack;
    this.onTrackGone = onTrackGone;
    this.onUnavailable = onUnavailable;
    this.available = true;
    this.everWorked = false;
    this.publisher = null;
    this.subscriber = null;
    this.senders = new Map(); // source → transceiver
    this.tracks = {};
    this.offers = new OfferQueue();
    this.chain = Promise.resolve();
    this.publishing = Promise.resolve();
    // A closed RTCPeerConnection leaves its pending operations unsettled; `guard` ends them instead.
    this.closed = new Promise((_, reject) => {
      this.rejectClosed = reject;
    });
    this.closed.catch(() => {});
  }

  /** `operation`'s outcome, or a rejection with code `closed` once the session is closed. */
  guard(operation) {
    return Promise.race([operation, this.closed]);
  }

  unavailable(error) {
    if (!this.available) return true;
    if (!isMediaUnavailable(error, { everWorked: this.everWorked })) return false;
    this.available = false;
    this.close();
    this.onUnavailable?.();
    return true;
  }

  /**
   * Starts both connections at once: publishes `tracks` (`{microphone, camera, screen}`) and
   * subscribes. The server handles the two commands in order; neither waits for the other.
   */
  async start(tracks) {
    await Promise.all([this.publish(tracks), this.subscribe()]);
  }

  /**
   * Publishes the given tracks (each a MediaStreamTrack or null); a later call renegotiates. Calls run
   * one after another: an offer is answered before the next one is made.
   */
  async publish(tracks = this.tracks) {
    const turn = this.publishing.catch(() => {}).then(() => this.publishNow(tracks));
    this.publishing = turn;
    try {
      return await turn;
    } catch (error) {
      if (error?.code === "closed" && !this.available) return false;
      throw error;
    }
  }

  async publishNow(tracks) {
    if (!this.available) return false;
    this.tracks = tracks;
    this.publisher ??= new RTCPeerConnection(this.config);
    for (const source of ["microphone", "camera", "screen"]) {
      const track = tracks[source] ?? null;
      let transceiver = this.senders.get(source);
      if (!transceiver && track) {
        transceiver = this.publisher.addTransceiver(track, { direction: "sendonly" });
        this.senders.set(source, transceiver);
        if (this.e2ee) {
          // Before the first frame: nothing leaves this page unencrypted.
          preferE2eeCodecs(transceiver, track.kind);
          this.e2ee.attachSender(transceiver.sender, { kind: track.kind, source });
        }
      } else if (transceiver) {
        await this.guard(transceiver.sender.replaceTrack(track));
        transceiver.direction = track ? "sendonly" : "inactive";
      }
    }
    if (this.senders.size === 0) return true; // nothing to send (no devices); still subscribe
    const publisher = this.publisher;
    const offer = await this.guard(publisher.createOffer());
    await this.guard(publisher.setLocalDescription(offer));
    const entries = [...this.senders].map(([source, transceiver]) => ({ source, mid: transceiver.mid, active: transceiver.direction === "sendonly" }));
    try {
      const answer = await this.request("publish", { sdp: offer.sdp, tracks: publishTracks(entries) });
      await this.guard(publisher.setRemoteDescription({ type: "answer", sdp: answer.sdp }));
      this.everWorked = true;
      return true;
    } catch (error) {
      if (this.unavailable(error)) return false;
      throw error;
    }
  }

  /** Opens (or reopens) the subscribe connection; the answer carries the SFU's first offer. */
  async subscribe() {
    if (!this.available) return;
    this.subscriber?.close();
    this.subscriber = null;
    this.offers.reset();
    let first;
    try {
      first = await this.request("subscribe");
    } catch (error) {
      if (this.unavailable(error)) return;
      throw error;
    }
    if (!this.available) return;
    this.everWorked = true;
    await this.handleSubscribeOffer({ version: first.version ?? 1, sdp: first.sdp });
  }

  /** Answers a subscribe offer; offers are handled one at a time, in version order. */
  handleSubscribeOffer(event) {
    for (const offer of this.offers.push(event)) {
      this.chain = this.chain.then(() => this.answer(offer)).catch(() => {});
    }
    return this.chain;
  }

  /** The SFU closed one connection (`media_closed`): open it again. */
  async recover(connection) {
    if (!this.available) return;
    if (connection === "subscribe") await this.subscribe();
    else {
      this.publisher?.close();
      this.publisher = null;
      this.senders.clear();
      await this.publish(this.tracks);
    }
  }

  async answer(offer) {
    this.subscriber ??= new RTCPeerConnection(this.config);
    const subscriber = this.subscriber;
    const same = (a, b) => a && b && a.seat === b.seat && a.source === b.source;
    const before = msidByMid(subscriber.remoteDescription?.sdp);
    await this.guard(subscriber.setRemoteDescription({ type: "offer", sdp: offer.sdp }));
    const after = msidByMid(offer.sdp);
    // Recycled m-lines: a track that left (or was replaced) is gone from its tile.
    for (const [mid, identity] of before) {
      if (!same(after.get(mid), identity)) this.onTrackGone?.(identity.seat, identity.source);
    }
    // Tracks by mid, from the transceivers themselves: a recycled m-line reuses its receiver (and may
    // fire no "track" event), so every section whose msid is new or changed is handed over here.
    for (const transceiver of subscriber.getTransceivers()) {
      const identity = transceiver.mid === null ? undefined : after.get(transceiver.mid);
      if (identity && !same(before.get(transceiver.mid), identity)) this.onTrack?.(identity.seat, identity.source, transceiver.receiver.track);
      if (this.e2ee && transceiver.mid !== null) {
        const kind = transceiver.receiver.track.kind;
        preferE2eeCodecs(transceiver, kind);
        this.e2ee.attachReceiver(transceiver.receiver, { kind, seat: identity?.seat ?? "", source: identity?.source ?? "" });
      }
    }
    const answer = await this.guard(subscriber.createAnswer());
    // The SFU drops every datagram of this connection until it has the answer, and the browser starts
    // its checks (then DTLS) as soon as the answer is set locally: send it first, so no check or
    // handshake packet is lost and retried seconds later.
    await this.request("subscribe_answer", { version: offer.version, sdp: answer.sdp });
    if (this.subscriber === subscriber) await this.guard(subscriber.setLocalDescription(answer));
  }

  /** Each remote microphone's current level (0…1) by seat: the active speaker is the loudest. */
  levels() {
    if (!this.subscriber?.remoteDescription) return [];
    const identities = msidByMid(this.subscriber.remoteDescription.sdp);
    return this.subscriber.getTransceivers().flatMap((transceiver) => {
      const identity = identities.get(transceiver.mid);
      if (identity?.source !== "microphone") return [];
      const level = transceiver.receiver.getSynchronizationSources?.()[0]?.audioLevel ?? 0;
      return [{ seat: identity.seat, level }];
    });
  }

  close() {
    this.rejectClosed(Object.assign(new Error("The media session closed."), { code: "closed" }));
    this.publisher?.close();
    this.subscriber?.close();
    this.publisher = null;
    this.subscriber = null;
    this.senders.clear();
  }
}

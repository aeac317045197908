// One participant's side of the E2EE key protocol (docs/e2ee.md), driven by signaling: announces our
// public key, follows who the key leader is, and as leader makes and delivers meeting secrets (fresh
// on a leave, a removal, a changed key, a new leader and every 10 minutes; a ratchet on a join). As a
// member it accepts `e2ee_key` and `e2ee_ratchet` from the current leader only. Secrets go to the
// media worker (`transforms`, optional) and encrypt chat; the security code follows the epoch.
// Everything runs one step at a time, in arrival order.
import {
  decryptChat, encryptChat, freshSecret, generateIdentity, importPublicKey, keyLeader, keyedParticipants, ratchet, rekeyAction,
  securityCode, seatId, unwrapSecret, validEpoch, wrapSecret,
} from "./e2ee-keys.js";

export const RING = 4;
export const AHEAD = 4;
export const ROTATE_MS = 10 * 60 * 1000;
export const SWITCH_DELAY_MS = 1000;

export class E2EESession {
  /**
   * @param {object} options
   * @param {string} options.meetingId
   * @param {string} options.seat our seat
   * @param {(type: string, fields: object) => Promise} options.send a signaling command
   * @param {object} [options.transforms] the media worker (E2EETransforms), when there is media
   * @param {() => void} [options.onChange] the epoch, the leader or the security code may have changed
   */
  constructor({ meetingId, seat, send, transforms = null, onChange = () => {}, rotateMs = ROTATE_MS, switchDelayMs = SWITCH_DELAY_MS, timers = globalThis }) {
    this.meetingId = meetingId;
    this.seat = seatId(seat);
    this.send = send;
    this.transforms = transforms;
    this.onChange = onChange;
    this.rotateMs = rotateMs;
    this.switchDelayMs = switchDelayMs;
    this.timers = timers;
    this.identity = null;
    this.participants = [];
    this.seats = new Map(); // upper-case seat → seat as the server spells it
    this.publicKeys = new Map(); // base64url → Promise<CryptoKey | null>
    this.secrets = new Map(); // epoch → Uint8Array, the newest RING
    this.activeAt = new Map(); // epoch → time it is (or was) first used to send
    this.latest = 0; // newest epoch we have
    this.epoch = 0; // epoch we send with
    this.leader = null;
    this.holders = null; // as leader: seat → public key of those given the latest secret
    this.rotation = null;
    this.switchTimer = null;
    this.announceError = null; // the server's code when it refused our public key
    this.announced = null; // our key and order, when the server's answer gave the order
    this.rejected = 0; // key messages ignored (not from the leader, malformed, not for us, or already had: a resume repeats the latest)
    this.queue = Promise.resolve();
    this.closed = false;
    transforms?.configure({ meetingId, seat: this.seat });
  }

  /** Runs `step` after every earlier one; its errors are swallowed (counted) so the queue goes on. */
  enqueue(step) {
    this.queue = this.queue.then(() => (this.closed ? undefined : step())).catch(() => {
      this.rejected += 1;
    });
    return this.queue;
  }

  /** Makes our identity and announces its public key (call once we are in the meeting). */
  start() {
    return this.enqueue(async () => {
      this.identity ??= await generateIdentity();
      this.announceError = null;
      try {
        const answer = await this.send("e2ee_public_key", { publicKey: this.identity.publicKeyText });
        const order = answer?.order ?? answer?.e2ee?.order;
        if (Number.isFinite(order)) {
          this.announced = { publicKey: this.identity.publicKeyText, order };
          await this.apply(this.participants);
          this.onChange();
        }
      } catch (error) {
        this.announceError = error?.code ?? "error"; // e.g. unknown_type: a server without E2EE signaling
        throw error;
      }
    });
  }

  /** The participants in the meeting changed (joins, leaves, announced keys). */
  update(participants) {
    return this.enqueue(async () => {
      await this.apply(participants);
      this.onChange();
    });
  }

  async apply(participants) {
    this.participants = (participants ?? []).map((p) =>
      // Until the server's participant_changed lists our key, what its answer to the announcement said.
      seatId(p.seat) === this.seat && !p.e2ee?.publicKey && this.announced ? { ...p, e2ee: { ...this.announced } } : p);
    this.seats = new Map(this.participants.map((p) => [seatId(p.seat), p.seat]));
    this.leader = keyLeader(this.participants);
    if (!this.identity || this.leader !== this.seat || !this.ownKeyListed()) {
      this.holders = null;
      this.stopRotation();
      return;
    }
    const current = this.keyedMap();
    if (!this.holders) {
      await this.rekeyFresh(current); // we just became the leader
      return;
    }
    const { action, joined } = rekeyAction(this.holders, current);
    if (action === "fresh") await this.rekeyFresh(current);
    else if (action === "ratchet") await this.rekeyRatchet(current, joined);
  }

  ownKeyListed() {
    return keyedParticipants(this.participants).some((p) => p.seat === this.seat);
  }

  /** seat → announced public key, for everyone keyed; our own entry is the key we announced. */
  keyedMap() {
    return new Map(keyedParticipants(this.participants).map((p) => [p.seat, p.seat === this.seat ? this.identity.publicKeyText : p.publicKey]));
  }

  publicKey(text) {
    if (!this.publicKeys.has(text)) this.publicKeys.set(text, importPublicKey(text));
    return this.publicKeys.get(text);
  }

  store(epoch, secret) {
    this.secrets.set(epoch, secret);
    this.latest = Math.max(this.latest, epoch);
    for (const old of [...this.secrets.keys()].sort((a, b) => b - a).slice(RING)) {
      if (old !== this.epoch) this.secrets.delete(old);
    }
    this.transforms?.setSecret(epoch, secret);
  }

  /** Starts sending with `epoch` at `at` (ms since the epoch of Date.now), unless a newer one is already in use. */
  activate(epoch, at) {
    this.activeAt.set(epoch, at);
    const delay = Math.max(0, at - Date.now());
    const use = () => {
      if (this.closed || epoch <= this.epoch || !this.secrets.has(epoch)) return;
      this.epoch = epoch;
      this.transforms?.useEpoch(epoch);
      this.onChange();
    };
    if (delay === 0) use();
    else this.timers.setTimeout(use, delay);
  }

  /** When a new epoch may be used: a fresh one after the switch delay (at once if we have none yet). */
  freshStart() {
    return this.epoch ? Date.now() + this.switchDelayMs : Date.now();
  }

  async deliver(epoch, secret, seats) {
    const sends = [];
    for (const seat of seats) {
      if (seat === this.seat) continue;
      const key = await this.publicKey(this.keyedMap().get(seat));
      if (!key) continue;
      const payload = await wrapSecret({ meetingId: this.meetingId, epoch, fromSeat: this.seat, toSeat: seat, privateKey: this.identity.privateKey, recipientPublicKey: key, secret });
      sends.push(this.send("e2ee_key", { to: this.seats.get(seat) ?? seat, epoch, payload }).catch(() => {}));
    }
    await Promise.all(sends);
  }

  async rekeyFresh(current) {
    const epoch = this.latest + 1;
    const secret = freshSecret();
    this.store(epoch, secret);
    this.holders = current;
    await this.deliver(epoch, secret, current.keys());
    this.activate(epoch, this.freshStart());
    this.startRotation();
  }

  async rekeyRatchet(current, joined) {
    const base = this.secrets.get(this.latest);
    if (!base) {
      await this.rekeyFresh(current);
      return;
    }
    const epoch = this.latest + 1;
    const secret = await ratchet(base);
    this.store(epoch, secret);
    this.holders = current;
    await this.send("e2ee_ratchet", { epoch }).catch(() => {});
    await this.deliver(epoch, secret, joined);
    // At once, but never before the epoch it ratchets from (members may not have that one yet).
    this.activate(epoch, Math.max(Date.now(), this.activeAt.get(epoch - 1) ?? 0));
  }

  startRotation() {
    this.stopRotation();
    this.rotation = this.timers.setTimeout(() => this.enqueue(() => (this.leader === this.seat ? this.rekeyFresh(this.keyedMap()) : undefined)), this.rotateMs);
  }

  stopRotation() {
    if (this.rotation !== null) this.timers.clearTimeout(this.rotation);
    this.rotation = null;
  }

  /** An `e2ee_key {from, epoch, payload}` event. */
  handleKey(message) {
    return this.enqueue(async () => {
      const from = seatId(message?.from);
      const epoch = message?.epoch;
      if (!this.identity || from !== this.leader || from === this.seat || !validEpoch(epoch) || this.secrets.has(epoch) || epoch + RING <= this.latest) {
        this.rejected += 1;
        return;
      }
      const announced = keyedParticipants(this.participants).find((p) => p.seat === from)?.publicKey;
      const senderPublicKey = announced ? await this.publicKey(announced) : null;
      const secret = await unwrapSecret({ meetingId: this.meetingId, epoch, fromSeat: from, toSeat: this.seat, privateKey: this.identity.privateKey, senderPublicKey, payload: message.payload });
      if (!secret) {
        this.rejected += 1;
        return;
      }
      this.store(epoch, secret);
      this.activate(epoch, this.freshStart());
      this.onChange();
    });
  }

  /** An `e2ee_ratchet {from, epoch}` event: derive the next epoch ourselves and use it at once. */
  handleRatchet(message) {
    return this.enqueue(async () => {
      const from = seatId(message?.from);
      const epoch = message?.epoch;
      // Only the very next epoch: a member that missed a rekey must not send under a guessed key.
      if (from !== this.leader || !validEpoch(epoch) || this.secrets.has(epoch) || !this.latest || epoch !== this.latest + 1) {
        this.rejected += 1;
        return;
      }
      this.store(epoch, await ratchet(this.secrets.get(this.latest)));
      this.activate(epoch, Math.max(Date.now(), ...[...this.activeAt.values()]));
      this.onChange();
    });
  }

  /** The secret of `epoch`: one we keep, or a ratchet of the newest when slightly ahead. */
  async secretFor(epoch) {
    if (this.secrets.has(epoch)) return this.secrets.get(epoch);
    if (!this.latest || epoch <= this.latest || epoch - this.latest > AHEAD) return null;
    let secret = this.secrets.get(this.latest);
    for (let e = this.latest + 1; e <= epoch; e += 1) secret = await ratchet(secret);
    return secret;
  }

  /** The `e2ee` field of a chat message, or null while we have no key yet. */
  async encryptChat(text) {
    const secret = this.secrets.get(this.epoch);
    if (!secret) return null;
    return encryptChat({ secret, meetingId: this.meetingId, epoch: this.epoch, seat: this.seat, text });
  }

  /** The text of an encrypted chat message from `from`, or null when it does not open. */
  decryptChat(from, message) {
    return decryptChat({ secretFor: (epoch) => this.secretFor(epoch), meetingId: this.meetingId, seat: from, message });
  }

  /** The security code at the epoch we send with (our own seat with the key we announced), or null before keys. */
  async securityCode() {
    if (!this.epoch || !this.identity) return null;
    const participants = this.participants.map((p) => (seatId(p.seat) === this.seat ? { ...p, e2ee: { ...(p.e2ee ?? {}), publicKey: this.identity.publicKeyText } } : p));
    return securityCode({ meetingId: this.meetingId, epoch: this.epoch, participants });
  }

  /** Whether the server lists a different public key for us than the one we announced (a substitution). */
  ownKeyMismatch() {
    const listed = keyedParticipants(this.participants).find((p) => p.seat === this.seat)?.publicKey;
    return Boolean(this.identity && listed && listed !== this.identity.publicKeyText);
  }

  close() {
    this.closed = true;
    this.stopRotation();
    this.secrets.clear();
  }
}

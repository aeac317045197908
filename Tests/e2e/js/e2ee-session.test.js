// The E2EE key protocol between several participants in one page, through a stand-in server that
// relays e2ee_public_key, e2ee_key and e2ee_ratchet as docs/e2ee.md says (and can substitute a key,
// as a malicious server would). Checks who the leader is, that everyone in the meeting agrees on the
// epoch, secrets and security code after joins and leaves, that whoever left is cut off, and that
// forged or malformed key messages change nothing.
import { equal, ok, test } from "./harness.js";
import { E2EESession } from "../../../Web/assets/js/e2ee-session.js";
import { generateIdentity, ratchet, wrapSecret, freshSecret } from "../../../Web/assets/js/e2ee-keys.js";

const MEETING = "mtg_session";
const seatOf = (n) => `00000000-0000-4000-8000-00000000000${n}`.toUpperCase();
const hex = (bytes) => (bytes ? [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("") : null);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A stand-in signaling server: participants with announced keys and orders, and the relays. */
class Hub {
  constructor({ substitute = null, echoSelf = true } = {}) {
    this.echoSelf = echoSelf; // whether the announcer itself hears of its key (or only from the answer's order)
    this.members = new Map(); // seat → {session, participant}
    this.order = 0;
    this.substitute = substitute; // seat whose announced key the server replaces
    this.log = [];
  }

  participants() {
    return [...this.members.values()].map((m) => m.participant);
  }

  broadcast(except = null) {
    const list = this.participants();
    for (const [seat, m] of this.members) if (seat !== except) m.session.update(list.map((p) => ({ ...p })));
  }

  async join(n, options = {}) {
    const seat = seatOf(n);
    const session = new E2EESession({ meetingId: MEETING, seat, send: (type, fields) => this.command(seat, type, fields), switchDelayMs: 30, ...options });
    this.members.set(seat, { session, participant: { seat, displayName: "P" + n } });
    this.broadcast();
    await session.start();
    await this.settle();
    return session;
  }

  async leave(n) {
    const seat = seatOf(n);
    const member = this.members.get(seat);
    this.members.delete(seat);
    this.broadcast();
    await this.settle();
    return member.session;
  }

  async command(from, type, fields) {
    this.log.push({ from, type, ...fields });
    if (type === "e2ee_public_key") {
      const member = this.members.get(from);
      const publicKey = from === this.substitute ? (this.fake ??= await generateIdentity()).publicKeyText : fields.publicKey;
      member.participant = { ...member.participant, e2ee: { publicKey, order: ++this.order } };
      this.broadcast(this.echoSelf ? null : from);
      return { type: "ok", order: this.order };
    } else if (type === "e2ee_key") {
      this.members.get(fields.to)?.session.handleKey({ from, epoch: fields.epoch, payload: fields.payload });
    } else if (type === "e2ee_ratchet") {
      for (const [seat, m] of this.members) if (seat !== from) m.session.handleRatchet({ from, epoch: fields.epoch });
    }
    return { type: "ok" };
  }

  async settle(ms = 120) {
    for (let i = 0; i < 4; i += 1) {
      await Promise.all([...this.members.values()].map((m) => m.session.queue));
      await sleep(ms / 4);
    }
  }
}

async function agree(sessions, what) {
  const epochs = sessions.map((s) => s.epoch);
  ok(epochs.every((e) => e === epochs[0] && e > 0), `${what}: epochs ${epochs}`);
  const secrets = sessions.map((s) => hex(s.secrets.get(s.epoch)));
  ok(secrets.every((s) => s === secrets[0]), `${what}: the same secret`);
  const codes = await Promise.all(sessions.map((s) => s.securityCode()));
  ok(codes.every((c) => c === codes[0] && /^\d{5} \d{5} \d{5} \d{5}$/.test(c)), `${what}: codes ${codes}`);
  return { epoch: epochs[0], secret: secrets[0], code: codes[0] };
}

test("e2ee session: joins ratchet, leaves rekey, the next leader takes over; all agree, leavers are cut off", async () => {
  const hub = new Hub();
  const alice = await hub.join(1);
  equal(alice.leader, seatOf(1), "the first is the leader");
  equal(alice.epoch, 1, "the leader keys epoch 1 at once");
  const bob = await hub.join(2);
  const two = await agree([alice, bob], "after Bob joined");
  equal(two.epoch, 2, "a join ratchets");
  equal(hex(await ratchet(alice.secrets.get(1))), two.secret, "epoch 2 is the ratchet of epoch 1");
  ok(!bob.secrets.has(1), "the newcomer never gets the epoch before it");
  ok(hub.log.some((m) => m.type === "e2ee_ratchet" && m.epoch === 2 && m.from === seatOf(1)), "the leader announced the ratchet");
  ok(hub.log.filter((m) => m.type === "e2ee_key" && m.epoch === 2).every((m) => m.to === seatOf(2)), "the ratcheted secret went to the newcomer only");

  const carol = await hub.join(3);
  const three = await agree([alice, bob, carol], "after Carol joined");
  equal(three.epoch, 3);
  ok(three.code !== two.code, "the code changed with the new member");

  // Bob leaves: a fresh secret that Bob never receives, not a ratchet he could compute.
  await hub.leave(2);
  const four = await agree([alice, carol], "after Bob left");
  equal(four.epoch, 4);
  ok(four.secret !== hex(await ratchet(alice.secrets.get(3))), "a leave is not a ratchet");
  ok(!bob.secrets.has(4), "Bob never got epoch 4");
  const chat = await alice.encryptChat("after Bob left");
  equal(chat.epoch, 4);
  equal(await carol.decryptChat(seatOf(1), chat), "after Bob left");
  equal(await bob.decryptChat(seatOf(1), chat), null, "Bob cannot read it");

  // The leader leaves: Carol is next in order and rekeys at once.
  await hub.leave(1);
  equal(carol.leader, seatOf(3));
  ok(carol.epoch === 5 && !alice.secrets.has(5), `Carol rekeyed alone: ${carol.epoch}`);
  for (const s of [alice, bob, carol]) s.close();
});

test("e2ee session: key messages from anyone but the leader, or malformed, change nothing", async () => {
  const hub = new Hub();
  const alice = await hub.join(1);
  const bob = await hub.join(2);
  const carol = await hub.join(3);
  const { epoch } = await agree([alice, bob, carol], "start");
  const rejectedBefore = bob.rejected;
  // Carol is a member with a listed key, and wraps a perfectly valid secret for Bob: not the leader, refused.
  const fromCarol = await wrapSecret({ meetingId: MEETING, epoch: epoch + 1, fromSeat: seatOf(3), toSeat: seatOf(2), privateKey: carol.identity.privateKey, recipientPublicKey: bob.identity.publicKey, secret: freshSecret() });
  // Carol is not in the meeting's key list; and Bob's own key is not the leader's.
  const mallory = await generateIdentity();
  const payload = await wrapSecret({ meetingId: MEETING, epoch: epoch + 1, fromSeat: seatOf(9), toSeat: seatOf(2), privateKey: mallory.privateKey, recipientPublicKey: mallory.publicKey, secret: freshSecret() });
  const forged = [
    { from: seatOf(3), epoch: epoch + 1, payload: fromCarol },
    { from: seatOf(9), epoch: epoch + 1, payload },
    { from: seatOf(1), epoch: epoch + 1, payload }, // claims to be the leader, but not wrapped by the leader's key
    { from: seatOf(1), epoch: "7", payload },
    { from: seatOf(1), epoch: epoch + 1, payload: "%%%" },
    { from: seatOf(1), epoch: epoch + 1 },
    { from: seatOf(1), epoch: -3, payload },
    null,
    { epoch: 1e300, payload: 12 },
  ];
  for (const message of forged) await bob.handleKey(message);
  for (const message of [{ from: seatOf(3), epoch: epoch + 1 }, { from: seatOf(9), epoch: epoch + 1 }, { from: seatOf(1), epoch: epoch + 50 }, { from: seatOf(1), epoch: "x" }, {}]) await bob.handleRatchet(message);
  await hub.settle();
  equal(bob.epoch, epoch, "still the same epoch");
  equal(bob.rejected - rejectedBefore, forged.length + 5, "every forged message was rejected");
  equal(await bob.decryptChat(seatOf(1), { epoch, nonce: "!!", ciphertext: "??" }), null, "bad chat base64");
  equal(await bob.decryptChat(seatOf(1), "nonsense"), null, "bad chat message");
  for (const s of [alice, bob, carol]) s.close();
});

test("e2ee session: a key substituted by the server shows as a different security code", async () => {
  const hub = new Hub({ substitute: seatOf(2) });
  const alice = await hub.join(1);
  const bob = await hub.join(2);
  await hub.settle();
  ok(bob.ownKeyMismatch(), "Bob sees that the server lists another key for him");
  ok(!alice.ownKeyMismatch());
  ok(!bob.epoch, "Bob cannot open a key wrapped to the server's key");
  const alicesCode = await alice.securityCode();
  ok(alicesCode, "Alice has a code");
  // Even if Bob had the secret, his code (with his real key) would differ from Alice's (with the server's).
  bob.store(alice.epoch, alice.secrets.get(alice.epoch));
  bob.epoch = alice.epoch;
  ok((await bob.securityCode()) !== alicesCode, "codes differ");
  for (const s of [alice, bob]) s.close();
});

test("e2ee session: the leader rotates keys on its timer; members follow", async () => {
  const hub = new Hub();
  const alice = await hub.join(1, { rotateMs: 250 });
  const bob = await hub.join(2);
  const before = (await agree([alice, bob], "before rotation")).epoch;
  await sleep(450);
  await hub.settle();
  const after = await agree([alice, bob], "after rotation");
  ok(after.epoch > before, `rotated: ${before} → ${after.epoch}`);
  for (const s of [alice, bob]) s.close();
});

test("e2ee session: the order in the answer to our announcement stands in until the server lists our key", async () => {
  const hub = new Hub({ echoSelf: false });
  const alice = await hub.join(1);
  equal(alice.leader, seatOf(1), "Alice knows she leads without hearing of her own key");
  equal(alice.epoch, 1);
  const bob = await hub.join(2);
  await agree([alice, bob], "after Bob joined");
  for (const s of [alice, bob]) s.close();
});

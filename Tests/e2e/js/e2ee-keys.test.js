// The E2EE key material (e2ee-keys.js): two simulated participants in one page agree on secrets,
// media keys, chat and the security code; a substituted key changes the code; a wrong recipient
// cannot unwrap; malformed input gives null.
import { deepEqual, equal, ok, test } from "./harness.js";
import {
  decryptChat, encryptChat, epochBytes, freshSecret, fromBase64Url, generateIdentity, importPublicKey, keyLeader, mediaBaseKey,
  ratchet, rekeyAction, securityCode, toBase64Url, unwrapSecret, wrapSecret,
} from "../../../Web/assets/js/e2ee-keys.js";

const MEETING = "mtg_8Jc2xQ";
const ALICE = "1A2B3C4D-0000-4000-8000-00000000000A";
const BOB = "1A2B3C4D-0000-4000-8000-00000000000B";
const CAROL = "1A2B3C4D-0000-4000-8000-00000000000C";
const hex = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");

test("e2ee keys: base64url round-trips and rejects what is not base64url", () => {
  const bytes = Uint8Array.from({ length: 65 }, (_, i) => (i * 37) & 0xff);
  deepEqual([...fromBase64Url(toBase64Url(bytes))], [...bytes]);
  ok(!toBase64Url(bytes).includes("=") && !/[+/]/.test(toBase64Url(Uint8Array.of(251, 255, 191))), "no padding, URL alphabet");
  for (const bad of ["a", "ab+c", "ab/c", "%%%", "abc$", null, 42, {}]) equal(fromBase64Url(bad), null, String(bad));
  deepEqual([...epochBytes(258)], [0, 0, 0, 0, 0, 0, 1, 2]);
});

test("e2ee keys: identities are 65-byte P-256 points; bad announced keys are refused", async () => {
  const alice = await generateIdentity();
  equal(fromBase64Url(alice.publicKeyText).length, 65);
  equal(fromBase64Url(alice.publicKeyText)[0], 4);
  ok(await importPublicKey(alice.publicKeyText), "a real key imports");
  for (const bad of ["", "not-base64!", toBase64Url(new Uint8Array(65)), toBase64Url(Uint8Array.of(4, ...new Uint8Array(64))), toBase64Url(new Uint8Array(33)), undefined]) {
    equal(await importPublicKey(bad), null, `refused: ${String(bad).slice(0, 12)}`);
  }
});

test("e2ee keys: a wrapped secret opens for its recipient only, for that epoch and those seats", async () => {
  const alice = await generateIdentity();
  const bob = await generateIdentity();
  const carol = await generateIdentity();
  const secret = freshSecret();
  const payload = await wrapSecret({ meetingId: MEETING, epoch: 3, fromSeat: ALICE, toSeat: BOB, privateKey: alice.privateKey, recipientPublicKey: bob.publicKey, secret });
  const base = { meetingId: MEETING, epoch: 3, fromSeat: ALICE, toSeat: BOB, privateKey: bob.privateKey, senderPublicKey: alice.publicKey, payload };
  equal(hex(await unwrapSecret(base)), hex(secret), "Bob opens it");
  // Seats are compared as upper-case UUIDs.
  equal(hex(await unwrapSecret({ ...base, fromSeat: ALICE.toLowerCase() })), hex(secret), "seat case does not matter");
  equal(await unwrapSecret({ ...base, privateKey: carol.privateKey, toSeat: CAROL }), null, "Carol cannot");
  equal(await unwrapSecret({ ...base, privateKey: carol.privateKey }), null, "Carol cannot, even claiming Bob's seat");
  equal(await unwrapSecret({ ...base, epoch: 4 }), null, "another epoch");
  equal(await unwrapSecret({ ...base, meetingId: "other" }), null, "another meeting");
  equal(await unwrapSecret({ ...base, fromSeat: CAROL }), null, "another sender seat");
  equal(await unwrapSecret({ ...base, senderPublicKey: carol.publicKey }), null, "another sender key");
  const bytes = fromBase64Url(payload);
  bytes[20] ^= 1;
  equal(await unwrapSecret({ ...base, payload: toBase64Url(bytes) }), null, "tampered");
  for (const bad of ["", "!!!", toBase64Url(new Uint8Array(10)), null, 7]) equal(await unwrapSecret({ ...base, payload: bad }), null, `payload ${bad}`);
  equal(await unwrapSecret({ ...base, epoch: "3" }), null, "epoch not a number");
});

test("e2ee keys: ratchet, media keys and chat agree between two participants", async () => {
  const secret = freshSecret();
  const next = await ratchet(secret);
  equal(next.length, 32);
  equal(hex(await ratchet(Uint8Array.from(secret))), hex(next), "the ratchet is deterministic");
  ok(hex(next) !== hex(secret));
  const aliceCamera = await mediaBaseKey(secret, MEETING, ALICE, "camera");
  equal(aliceCamera.length, 16);
  equal(hex(await mediaBaseKey(secret, MEETING, ALICE.toLowerCase(), "camera")), hex(aliceCamera), "same key from a lower-case seat");
  ok(hex(await mediaBaseKey(secret, MEETING, ALICE, "microphone")) !== hex(aliceCamera), "per source");
  ok(hex(await mediaBaseKey(secret, MEETING, BOB, "camera")) !== hex(aliceCamera), "per sender");
  ok(hex(await mediaBaseKey(next, MEETING, ALICE, "camera")) !== hex(aliceCamera), "per epoch");

  const message = await encryptChat({ secret, meetingId: MEETING, epoch: 5, seat: ALICE, text: "Hello, Bob — ünïcödé" });
  deepEqual(Object.keys(message).sort(), ["ciphertext", "epoch", "nonce"]);
  ok(!message.ciphertext.includes("Hello"));
  const secretFor = async (epoch) => (epoch === 5 ? secret : null);
  equal(await decryptChat({ secretFor, meetingId: MEETING, seat: ALICE, message }), "Hello, Bob — ünïcödé");
  equal(await decryptChat({ secretFor, meetingId: MEETING, seat: BOB, message }), null, "claimed by another sender");
  equal(await decryptChat({ secretFor, meetingId: MEETING, seat: ALICE, message: { ...message, epoch: 6 } }), null, "unknown epoch");
  equal(await decryptChat({ secretFor, meetingId: MEETING, seat: ALICE, message: { ...message, ciphertext: "@@" } }), null, "bad base64");
  equal(await decryptChat({ secretFor, meetingId: MEETING, seat: ALICE, message: null }), null, "no message");
  const other = await encryptChat({ secret: freshSecret(), meetingId: MEETING, epoch: 5, seat: ALICE, text: "x" });
  equal(await decryptChat({ secretFor, meetingId: MEETING, seat: ALICE, message: other }), null, "another secret");
});

test("e2ee keys: security code is the same for everyone, changes with a substituted key, epoch or member", async () => {
  const alice = await generateIdentity();
  const bob = await generateIdentity();
  const mallory = await generateIdentity();
  const people = [
    { seat: BOB, displayName: "Bob", e2ee: { publicKey: bob.publicKeyText, order: 2 } },
    { seat: ALICE, displayName: "Alice", e2ee: { publicKey: alice.publicKeyText, order: 1 } },
    { seat: CAROL, displayName: "Carol (no key yet)" },
  ];
  const code = await securityCode({ meetingId: MEETING, epoch: 4, participants: people });
  ok(/^\d{5} \d{5} \d{5} \d{5}$/.test(code), code);
  equal(await securityCode({ meetingId: MEETING, epoch: 4, participants: [...people].reverse() }), code, "order of the list does not matter");
  const substituted = people.map((p) => (p.seat === BOB ? { ...p, e2ee: { ...p.e2ee, publicKey: mallory.publicKeyText } } : p));
  ok((await securityCode({ meetingId: MEETING, epoch: 4, participants: substituted })) !== code, "a substituted key changes it");
  ok((await securityCode({ meetingId: MEETING, epoch: 5, participants: people })) !== code, "another epoch");
  ok((await securityCode({ meetingId: "x", epoch: 4, participants: people })) !== code, "another meeting");
  ok((await securityCode({ meetingId: MEETING, epoch: 4, participants: people.slice(1) })) !== code, "someone fewer");
  equal(await securityCode({ meetingId: MEETING, epoch: 4, participants: [{ seat: BOB, e2ee: { publicKey: "@@" } }] }), null, "undecodable key");
});

test("e2ee keys: the leader has the smallest order; who needs a fresh key and who a ratchet", () => {
  const people = [
    { seat: BOB, e2ee: { publicKey: "b", order: 5 } },
    { seat: ALICE.toLowerCase(), e2ee: { publicKey: "a", order: 2 } },
    { seat: CAROL, e2ee: { publicKey: "c", order: 9 } },
    { seat: "0000", displayName: "no key" },
  ];
  equal(keyLeader(people), ALICE);
  equal(keyLeader(people.slice(2)), CAROL);
  equal(keyLeader([{ seat: BOB }]), null);
  equal(keyLeader([]), null);
  const holders = new Map([[ALICE, "a"], [BOB, "b"]]);
  deepEqual(rekeyAction(holders, new Map([[ALICE, "a"], [BOB, "b"]])), { action: "none", joined: [] });
  deepEqual(rekeyAction(holders, new Map([[ALICE, "a"], [BOB, "b"], [CAROL, "c"]])), { action: "ratchet", joined: [CAROL] });
  deepEqual(rekeyAction(holders, new Map([[ALICE, "a"], [CAROL, "c"]])), { action: "fresh", joined: [] }, "a leave wins over a join");
  deepEqual(rekeyAction(holders, new Map([[ALICE, "a"], [BOB, "b2"]])), { action: "fresh", joined: [] }, "a changed key is a leave and a join");
});

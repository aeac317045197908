// The key material of an end-to-end encrypted meeting (docs/e2ee.md), all through WebCrypto: the
// per-meeting identity key pair (ECDH P-256), wrapping meeting secrets to one recipient
// (ECDH + HKDF + AES-256-GCM), the join ratchet, per-sender media base keys, chat encryption, the
// security code and the key leader. Pure given its inputs; no DOM, no signaling. Seats enter every
// derivation as upper-case UUID strings; anything malformed (bad base64url, wrong lengths, forged
// ciphertext) yields null instead of throwing.

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });
export const SECRET_BYTES = 32;
export const SOURCES = ["microphone", "camera", "screen", "screenAudio"];

/** Bytes as base64url without padding. */
export function toBase64Url(bytes) {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Bytes from base64url (padding optional), or null when `text` is not base64url. */
export function fromBase64Url(text) {
  if (typeof text !== "string" || !/^[A-Za-z0-9_-]*={0,2}$/.test(text) || text.replace(/=+$/, "").length % 4 === 1) return null;
  try {
    const binary = atob(text.replace(/=+$/, "").replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/** Concatenation of byte arrays and strings (UTF-8). */
export function bytesOf(...parts) {
  const arrays = parts.map((part) => (typeof part === "string" ? encoder.encode(part) : part));
  const out = new Uint8Array(arrays.reduce((sum, a) => sum + a.length, 0));
  let offset = 0;
  for (const a of arrays) {
    out.set(a, offset);
    offset += a.length;
  }
  return out;
}

/** An epoch as 8 bytes, big-endian. */
export function epochBytes(epoch) {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(epoch));
  return out;
}

/** A seat as it enters derivations: the upper-case UUID string. */
export function seatId(seat) {
  return String(seat ?? "").toUpperCase();
}

/** Whether `epoch` is a usable epoch number (a positive safe integer). */
export function validEpoch(epoch) {
  return Number.isSafeInteger(epoch) && epoch > 0;
}

async function hkdf(ikm, salt, info, length) {
  const key = await crypto.subtle.importKey("raw", ikm, "HKDF", false, ["deriveBits"]);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: bytesOf(salt), info: bytesOf(info) }, key, length * 8));
}

// --- Identity --------------------------------------------------------------------------------

/** A fresh identity for one meeting: `{privateKey, publicKey}` (the private key not extractable) and `publicKeyText` (65-byte point, base64url). */
export async function generateIdentity() {
  const pair = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, false, ["deriveBits"]);
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  return { privateKey: pair.privateKey, publicKey: pair.publicKey, publicKeyText: toBase64Url(raw) };
}

/** The ECDH public key announced as `text` (an uncompressed P-256 point, base64url), or null. */
export async function importPublicKey(text) {
  const raw = fromBase64Url(text);
  if (!raw || raw.length !== 65 || raw[0] !== 0x04) return null;
  try {
    return await crypto.subtle.importKey("raw", raw, { name: "ECDH", namedCurve: "P-256" }, false, []);
  } catch {
    return null;
  }
}

// --- Key wrap --------------------------------------------------------------------------------

function wrapInfo(epoch, fromSeat, toSeat) {
  return bytesOf("DigitalMeet E2EE key wrap", epochBytes(epoch), seatId(fromSeat), seatId(toSeat));
}

async function wrapKey({ meetingId, epoch, fromSeat, toSeat, privateKey, peerPublicKey }) {
  const shared = new Uint8Array(await crypto.subtle.deriveBits({ name: "ECDH", public: peerPublicKey }, privateKey, 256));
  const bits = await hkdf(shared, meetingId, wrapInfo(epoch, fromSeat, toSeat), 32);
  return crypto.subtle.importKey("raw", bits, "AES-GCM", false, ["encrypt", "decrypt"]);
}

/** The `e2ee_key` payload carrying `secret` of `epoch` from `fromSeat` (our private key) to `toSeat` (their public key). */
export async function wrapSecret({ meetingId, epoch, fromSeat, toSeat, privateKey, recipientPublicKey, secret }) {
  const key = await wrapKey({ meetingId, epoch, fromSeat, toSeat, privateKey, peerPublicKey: recipientPublicKey });
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce, additionalData: wrapInfo(epoch, fromSeat, toSeat) }, key, secret));
  return toBase64Url(bytesOf(nonce, sealed));
}

/** The secret in an `e2ee_key` payload addressed to us (`toSeat`, our private key), or null when it does not open. */
export async function unwrapSecret({ meetingId, epoch, fromSeat, toSeat, privateKey, senderPublicKey, payload }) {
  try {
    if (!validEpoch(epoch) || !senderPublicKey) return null;
    const bytes = fromBase64Url(payload);
    if (!bytes || bytes.length !== 12 + SECRET_BYTES + 16) return null;
    const key = await wrapKey({ meetingId, epoch, fromSeat, toSeat, privateKey, peerPublicKey: senderPublicKey });
    const secret = await crypto.subtle.decrypt({ name: "AES-GCM", iv: bytes.subarray(0, 12), additionalData: wrapInfo(epoch, fromSeat, toSeat) }, key, bytes.subarray(12));
    return new Uint8Array(secret);
  } catch {
    return null;
  }
}

// --- Secrets and keys ------------------------------------------------------------------------

/** 32 random bytes: a fresh meeting secret. */
export function freshSecret() {
  return crypto.getRandomValues(new Uint8Array(SECRET_BYTES));
}

/** The next epoch's secret after a join: HKDF-SHA256(secret, salt "", info "DigitalMeet E2EE ratchet"). */
export function ratchet(secret) {
  return hkdf(secret, "", "DigitalMeet E2EE ratchet", SECRET_BYTES);
}

/** The SFrame base key (16 bytes) of one sender's `source` in the epoch of `secret`. */
export function mediaBaseKey(secret, meetingId, seat, source) {
  return hkdf(secret, meetingId, bytesOf("DigitalMeet SFrame", seatId(seat), "/", source), 16);
}

// --- Chat ------------------------------------------------------------------------------------

async function chatKey(secret, meetingId) {
  const bits = await hkdf(secret, meetingId, "DigitalMeet E2EE chat", 32);
  return crypto.subtle.importKey("raw", bits, "AES-GCM", false, ["encrypt", "decrypt"]);
}

function chatAad(epoch, seat) {
  return bytesOf("DigitalMeet E2EE chat", epochBytes(epoch), seatId(seat));
}

/** The `e2ee` field of a chat message: `{epoch, nonce, ciphertext}` (base64url). */
export async function encryptChat({ secret, meetingId, epoch, seat, text }) {
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  const key = await chatKey(secret, meetingId);
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce, additionalData: chatAad(epoch, seat) }, key, encoder.encode(text)));
  return { epoch, nonce: toBase64Url(nonce), ciphertext: toBase64Url(sealed) };
}

/** The text of an encrypted chat message from `seat`, given `secretFor(epoch)` (bytes or null); null when it does not open. */
export async function decryptChat({ secretFor, meetingId, seat, message }) {
  try {
    const epoch = message?.epoch;
    if (!validEpoch(epoch)) return null;
    const secret = await secretFor(epoch);
    const nonce = fromBase64Url(message.nonce);
    const sealed = fromBase64Url(message.ciphertext);
    if (!secret || !nonce || nonce.length !== 12 || !sealed || sealed.length < 16) return null;
    const key = await chatKey(secret, meetingId);
    return decoder.decode(await crypto.subtle.decrypt({ name: "AES-GCM", iv: nonce, additionalData: chatAad(epoch, seat) }, key, sealed));
  } catch {
    return null;
  }
}

// --- Security code and leader ----------------------------------------------------------------

/** The participants (in the meeting) with an announced key: `[{seat, publicKey, order}]`, by seat. */
export function keyedParticipants(participants) {
  return (participants ?? [])
    .filter((p) => typeof p?.e2ee?.publicKey === "string" && p.e2ee.publicKey && typeof p.seat === "string")
    .map((p) => ({ seat: seatId(p.seat), publicKey: p.e2ee.publicKey, order: Number.isFinite(p.e2ee.order) ? p.e2ee.order : Infinity }))
    .sort((a, b) => (a.seat < b.seat ? -1 : a.seat > b.seat ? 1 : 0));
}

/**
 * The security code: SHA-256("DigitalMeet security code" || meeting id || epoch (8 bytes) || for each
 * keyed participant by seat: seat || public key (65 bytes)), its first 64 bits as 20 digits in four
 * groups of five. Null when a public key does not decode.
 */
export async function securityCode({ meetingId, epoch, participants }) {
  const parts = ["DigitalMeet security code", meetingId, epochBytes(epoch)];
  for (const p of keyedParticipants(participants)) {
    const key = fromBase64Url(p.publicKey);
    if (!key) return null;
    parts.push(p.seat, key);
  }
  const digest = new DataView(await crypto.subtle.digest("SHA-256", bytesOf(...parts)));
  const digits = digest.getBigUint64(0).toString().padStart(20, "0");
  return digits.match(/.{5}/g).join(" ");
}

/** The key leader's seat (upper case): the keyed participant with the smallest `order` (then seat), or null. */
export function keyLeader(participants) {
  const keyed = keyedParticipants(participants);
  if (keyed.length === 0) return null;
  return keyed.reduce((best, p) => (p.order < best.order ? p : best)).seat;
}

/**
 * What the leader must do when the keyed participants change from `holders` (Map seat → public key,
 * those who have the current secret) to `current` (the same for now): "fresh" when anyone left or
 * changed key, "ratchet" (with `joined`) when someone only joined, "none" otherwise.
 */
export function rekeyAction(holders, current) {
  for (const [seat, key] of holders) {
    if (current.get(seat) !== key) return { action: "fresh", joined: [] };
  }
  const joined = [...current.keys()].filter((seat) => !holders.has(seat));
  return joined.length ? { action: "ratchet", joined } : { action: "none", joined: [] };
}

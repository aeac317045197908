// SFrame (RFC 9605) against the RFC's own test vectors (Appendix C.1 header encodings, Appendix C.3
// AES_128_GCM_SHA256_128), plus what must be refused: tampered, forged, truncated and misaddressed frames.
import { deepEqual, equal, ok, test } from "./harness.js";
import { clearLength, decryptFrame, deriveKeySalt, encodeHeader, encryptFrame, nonceFor, parseHeader } from "../../../Web/assets/js/sframe.js";

export const hex = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
export const unhex = (text) => Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16));

// RFC 9605 Appendix C.1: [kid, ctr, header] (a sample covering every KID and CTR length class).
const HEADER_VECTORS = [
  ["0x0000000000000000", "0x0000000000000000", "00"],
  ["0x0000000000000000", "0x0000000000000001", "01"],
  ["0x0000000000000000", "0x00000000000000ff", "08ff"],
  ["0x0000000000000000", "0x0000000000000100", "090100"],
  ["0x0000000000000000", "0x000000000000ffff", "09ffff"],
  ["0x0000000000000000", "0x0000000000010000", "0a010000"],
  ["0x0000000000000000", "0x0000000001000000", "0b01000000"],
  ["0x0000000000000000", "0x0000000100000000", "0c0100000000"],
  ["0x0000000000000000", "0x0000010000000000", "0d010000000000"],
  ["0x0000000000000000", "0x0001000000000000", "0e01000000000000"],
  ["0x0000000000000000", "0x0100000000000000", "0f0100000000000000"],
  ["0x0000000000000000", "0xffffffffffffffff", "0fffffffffffffffff"],
  ["0x0000000000000001", "0x0000000000000000", "10"],
  ["0x0000000000000001", "0x0000000000000001", "11"],
  ["0x0000000000000001", "0x00000000000000ff", "18ff"],
  ["0x0000000000000001", "0x0000000000010000", "1a010000"],
  ["0x0000000000000001", "0xffffffffffffffff", "1fffffffffffffffff"],
  ["0x00000000000000ff", "0x0000000000000000", "80ff"],
  ["0x00000000000000ff", "0x0000000000000001", "81ff"],
  ["0x00000000000000ff", "0x00000000000000ff", "88ffff"],
  ["0x00000000000000ff", "0x0000000000000100", "89ff0100"],
  ["0x00000000000000ff", "0x0100000000000000", "8fff0100000000000000"],
  ["0x0000000000000100", "0x0000000000000000", "900100"],
  ["0x0000000000000100", "0x0000000000000001", "910100"],
  ["0x0000000000000100", "0x00000000000000ff", "980100ff"],
  ["0x0000000000000100", "0x0000000000000100", "9901000100"],
  ["0x000000000000ffff", "0x000000000000ffff", "99ffffffff"],
  ["0x0000000000010000", "0x0000000000000000", "a0010000"],
  ["0x0000000000010000", "0x0000000000010000", "aa010000010000"],
  ["0x0000000000ffffff", "0x0000000000ffffff", "aaffffffffffff"],
  ["0x0000000001000000", "0x0000000000000000", "b001000000"],
  ["0x0000000001000000", "0x0000000001000000", "bb0100000001000000"],
  ["0x00000000ffffffff", "0x00000000ffffffff", "bbffffffffffffffff"],
  ["0x0000000100000000", "0x0000000000000000", "c00100000000"],
  ["0x0000000100000000", "0x0000000000000001", "c10100000000"],
  ["0x0000000100000000", "0x00000000000000ff", "c80100000000ff"],
  ["0x0000000100000000", "0x0000000100000000", "cc01000000000100000000"],
  ["0xffffffffffffffff", "0x0000000000000000", "f0ffffffffffffffff"],
  ["0xffffffffffffffff", "0x0000000000000001", "f1ffffffffffffffff"],
  ["0xffffffffffffffff", "0x00000000000000ff", "f8ffffffffffffffffff"],
  ["0xffffffffffffffff", "0x0000000000010000", "faffffffffffffffff010000"],
  ["0xffffffffffffffff", "0x0001000000000000", "feffffffffffffffff01000000000000"],
  ["0xffffffffffffffff", "0x0100000000000000", "ffffffffffffffffff0100000000000000"],
  ["0xffffffffffffffff", "0xffffffffffffffff", "ffffffffffffffffffffffffffffffffff"],
];

// RFC 9605 Appendix C.3, cipher suite 0x0004 (AES_128_GCM_SHA256_128).
const VECTOR = {
  kid: 0x123n,
  ctr: 0x4567n,
  baseKey: "000102030405060708090a0b0c0d0e0f",
  sframeKey: "d34f547f4ca4f9a7447006fe7fcbf768",
  sframeSalt: "75234edefe07819026751816",
  metadata: "4945544620534672616d65205747",
  nonce: "75234edefe07819026755d71",
  pt: "64726166742d696574662d736672616d652d656e63",
  ct: "9901234567b7412c2513a1b66dbb48841bbaf17f598751176ad847681a69c6d0b091c07018ce4adb34eb",
};

test("sframe: RFC 9605 C.1 header vectors encode and parse", () => {
  for (const [kid, ctr, header] of HEADER_VECTORS) {
    equal(hex(encodeHeader(BigInt(kid), BigInt(ctr))), header, `kid ${kid} ctr ${ctr}:`);
    const parsed = parseHeader(unhex(header));
    ok(parsed, `header ${header} parses`);
    equal(parsed.kid, BigInt(kid), `kid of ${header}`);
    equal(parsed.ctr, BigInt(ctr), `ctr of ${header}`);
    equal(parsed.length, header.length / 2, `length of ${header}`);
  }
});

test("sframe: a truncated header parses to null, never throws", () => {
  for (const header of ["", "80", "8fff01000000", "0fff", "ffffffffffffffffff"]) equal(parseHeader(unhex(header)), null, header);
  let threw = false;
  try { encodeHeader(-1, 0); } catch { threw = true; }
  ok(threw, "a negative KID is refused");
});

test("sframe: RFC 9605 C.3 AES_128_GCM_SHA256_128 key, salt, nonce and ciphertext", async () => {
  const derived = await deriveKeySalt(unhex(VECTOR.baseKey), VECTOR.kid, { exposeKey: true });
  equal(hex(derived.rawKey), VECTOR.sframeKey, "sframe_key");
  equal(hex(derived.salt), VECTOR.sframeSalt, "sframe_salt");
  equal(hex(nonceFor(derived.salt, VECTOR.ctr)), VECTOR.nonce, "nonce");
  // The RFC's metadata is our clear prefix: the frame is metadata || ct.
  const frame = await encryptFrame(derived, VECTOR.kid, VECTOR.ctr, unhex(VECTOR.metadata + VECTOR.pt), VECTOR.metadata.length / 2);
  equal(hex(frame), VECTOR.metadata + VECTOR.ct, "metadata || ct");
  const opened = await decryptFrame(async (kid) => (kid === VECTOR.kid ? derived : null), frame, VECTOR.metadata.length / 2);
  equal(hex(opened.data), VECTOR.metadata + VECTOR.pt);
  equal(opened.ctr, VECTOR.ctr);
});

test("sframe: tampered, forged, truncated and wrong-key frames are refused (null, no exception)", async () => {
  const keys = await deriveKeySalt(unhex(VECTOR.baseKey), 7n);
  const other = await deriveKeySalt(unhex("ff".repeat(16)), 7n);
  const keyFor = async (kid) => (kid === 7n ? keys : null);
  const data = Uint8Array.from({ length: 200 }, (_, i) => i);
  const frame = await encryptFrame(keys, 7n, 42n, data, 10);
  ok(await decryptFrame(keyFor, frame, 10), "the genuine frame opens");
  for (const index of [0, 9, 10, 11, 50, frame.length - 1]) {
    const tampered = Uint8Array.from(frame);
    tampered[index] ^= 0x01; // a clear byte, the header, the ciphertext or the tag
    equal(await decryptFrame(keyFor, tampered, 10), null, `byte ${index} flipped`);
  }
  for (const length of [0, 1, 10, 11, 20, frame.length - 1]) equal(await decryptFrame(keyFor, frame.subarray(0, length), 10), null, `truncated to ${length}`);
  equal(await decryptFrame(async () => other, frame, 10), null, "wrong key");
  equal(await decryptFrame(keyFor, crypto.getRandomValues(new Uint8Array(300)), 10), null, "random bytes");
  equal(await decryptFrame(async () => { throw new Error("boom"); }, frame, 10), null, "a failing key lookup");
  equal(await decryptFrame(keyFor, "not bytes", 0), null, "not bytes");
  // A frame of another KID (epoch) finds no key.
  const elsewhere = await encryptFrame(keys, 8n, 0n, data, 10);
  equal(await decryptFrame(keyFor, elsewhere, 10), null, "unknown KID");
});

test("sframe: VP8 keeps 10 bytes of a key frame and 3 of a delta frame in clear; audio none", async () => {
  equal(clearLength("video", Uint8Array.of(0x10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)), 10);
  equal(clearLength("video", Uint8Array.of(0x11, 1, 2, 3, 4, 5)), 3);
  equal(clearLength("video", Uint8Array.of(0x10, 1)), 2);
  equal(clearLength("audio", Uint8Array.of(0x10, 1, 2, 3)), 0);
  const keys = await deriveKeySalt(unhex(VECTOR.baseKey), 1n);
  const keyFrame = Uint8Array.from({ length: 64 }, (_, i) => (i === 0 ? 0x10 : i));
  const sealed = await encryptFrame(keys, 1n, 0n, keyFrame, clearLength("video", keyFrame));
  deepEqual([...sealed.subarray(0, 10)], [...keyFrame.subarray(0, 10)], "the clear bytes lead the frame");
  equal(hex(sealed.subarray(10, 11)), hex(encodeHeader(1, 0)), "then the SFrame header");
  equal(sealed.length, 64 + 1 + 16, "then ciphertext and a 16-byte tag");
  equal(clearLength("video", sealed), 10, "the receiver finds the same clear length");
});

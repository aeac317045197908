// SFrame (RFC 9605) for one cipher suite, AES_128_GCM_SHA256_128 (0x0004), with WebCrypto only:
// the header's KID/CTR encoding (§4.3), key and salt derivation (§4.4.2), the nonce (salt XOR
// counter) and frame encryption with metadata as associated data (§4.4.3-4.4.4). Our media layout
// (docs/e2ee.md) puts a few codec bytes in clear in front: `clear || header || ciphertext || tag`,
// the clear bytes authenticated as SFrame metadata. Pure and free of DOM: the page and the worker
// both import it.

export const CIPHER_SUITE = 0x0004;
const KEY_BYTES = 16;
const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
const MAX_U64 = (1n << 64n) - 1n;
const encoder = new TextEncoder();

/** `value` as a BigInt in 0…2^64-1, or null. */
function u64(value) {
  let big;
  try {
    big = BigInt(value);
  } catch {
    return null;
  }
  return big >= 0n && big <= MAX_U64 ? big : null;
}

/** The minimal big-endian bytes of `value` (at least one byte). */
function minimalBytes(value) {
  const bytes = [];
  let rest = value;
  do {
    bytes.unshift(Number(rest & 0xffn));
    rest >>= 8n;
  } while (rest > 0n);
  return bytes;
}

/** `value` as `length` big-endian bytes. */
export function bigEndian(value, length) {
  const out = new Uint8Array(length);
  let rest = BigInt(value);
  for (let i = length - 1; i >= 0; i -= 1) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

/** The SFrame header for `kid` and `ctr` (numbers or BigInts), RFC 9605 §4.3. */
export function encodeHeader(kid, ctr) {
  const k = u64(kid);
  const c = u64(ctr);
  if (k === null || c === null) throw new RangeError("KID and CTR must be integers in 0…2^64-1");
  const bytes = [0];
  let config = 0;
  if (k < 8n) config |= Number(k) << 4;
  else {
    const kidBytes = minimalBytes(k);
    config |= 0x80 | ((kidBytes.length - 1) << 4);
    bytes.push(...kidBytes);
  }
  if (c < 8n) config |= Number(c);
  else {
    const ctrBytes = minimalBytes(c);
    config |= 0x08 | (ctrBytes.length - 1);
    bytes.push(...ctrBytes);
  }
  bytes[0] = config;
  return Uint8Array.from(bytes);
}

/** `{kid, ctr, length}` (BigInts, header length in bytes) from `bytes` at `offset`, or null when truncated. */
export function parseHeader(bytes, offset = 0) {
  if (!(bytes instanceof Uint8Array) || offset >= bytes.length) return null;
  const config = bytes[offset];
  let position = offset + 1;
  const read = (length) => {
    if (position + length > bytes.length) return null;
    let value = 0n;
    for (let i = 0; i < length; i += 1) value = (value << 8n) | BigInt(bytes[position + i]);
    position += length;
    return value;
  };
  const kid = config & 0x80 ? read(((config >> 4) & 0x07) + 1) : BigInt((config >> 4) & 0x07);
  if (kid === null) return null;
  const ctr = config & 0x08 ? read((config & 0x07) + 1) : BigInt(config & 0x07);
  if (ctr === null) return null;
  return { kid, ctr, length: position - offset };
}

function label(name, kid) {
  const text = encoder.encode(`SFrame 1.0 Secret ${name} `);
  const out = new Uint8Array(text.length + 10);
  out.set(text);
  out.set(bigEndian(kid, 8), text.length);
  out.set(bigEndian(CIPHER_SUITE, 2), text.length + 8);
  return out;
}

/**
 * `{key, salt}` for `baseKey` (bytes) and `kid` (RFC 9605 §4.4.2): HKDF-SHA256 with an empty salt,
 * `key` a non-extractable AES-128-GCM CryptoKey (`rawKey` too when `exposeKey`, for the test vectors).
 */
export async function deriveKeySalt(baseKey, kid, { exposeKey = false } = {}) {
  const hkdf = await crypto.subtle.importKey("raw", baseKey, "HKDF", false, ["deriveBits"]);
  const expand = async (info, length) => new Uint8Array(await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info }, hkdf, length * 8));
  const rawKey = await expand(label("key", kid), KEY_BYTES);
  const salt = await expand(label("salt", kid), NONCE_BYTES);
  const key = await crypto.subtle.importKey("raw", rawKey, "AES-GCM", false, ["encrypt", "decrypt"]);
  return exposeKey ? { key, salt, rawKey } : { key, salt };
}

/** The AEAD nonce: the salt XOR the counter, left-padded to 12 bytes. */
export function nonceFor(salt, ctr) {
  const nonce = Uint8Array.from(salt);
  const counter = bigEndian(ctr, NONCE_BYTES);
  for (let i = 0; i < NONCE_BYTES; i += 1) nonce[i] ^= counter[i];
  return nonce;
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * SFrame-protects `data` (Uint8Array): its first `clearLength` bytes stay in clear as metadata
 * (authenticated), the rest is encrypted. Returns `clear || header || ciphertext || tag`.
 */
export async function encryptFrame({ key, salt }, kid, ctr, data, clearLength = 0) {
  const clear = data.subarray(0, Math.min(clearLength, data.length));
  const plaintext = data.subarray(clear.length);
  const header = encodeHeader(kid, ctr);
  const aad = concat(header, clear);
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonceFor(salt, ctr), additionalData: aad, tagLength: TAG_BYTES * 8 }, key, plaintext));
  return concat(clear, header, sealed);
}

/** The KID and CTR of a protected frame (`clearLength` clear bytes in front), or null when it cannot be one. */
export function frameHeader(data, clearLength = 0) {
  if (!(data instanceof Uint8Array) || data.length < clearLength + 1 + TAG_BYTES) return null;
  const header = parseHeader(data, clearLength);
  if (!header || data.length < clearLength + header.length + TAG_BYTES) return null;
  return header;
}

/**
 * Opens a frame made by `encryptFrame`. `keyFor(kid)` resolves with `{key, salt}` or null. Resolves
 * with `{kid, ctr, data}` (data = clear bytes || plaintext) or null for anything that does not
 * authenticate (forged, tampered, truncated, unknown key). Never rejects.
 */
export async function decryptFrame(keyFor, data, clearLength = 0) {
  try {
    const header = frameHeader(data, clearLength);
    if (!header) return null;
    const keys = await keyFor(header.kid);
    if (!keys) return null;
    const clear = data.subarray(0, clearLength);
    const aad = concat(data.subarray(clearLength, clearLength + header.length), clear);
    const sealed = data.subarray(clearLength + header.length);
    const plaintext = new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv: nonceFor(keys.salt, header.ctr), additionalData: aad, tagLength: TAG_BYTES * 8 }, keys.key, sealed));
    return { kid: header.kid, ctr: header.ctr, data: concat(clear, plaintext) };
  } catch {
    return null;
  }
}

/**
 * How many leading bytes of a frame stay in clear (docs/e2ee.md): for VP8 the first 10 bytes of a
 * key frame and 3 of a delta frame (the frame tag's lowest bit is 0 on key frames); none for audio.
 * Computed from the frame's first byte, which is itself in clear, so sender and receiver agree.
 */
export function clearLength(kind, data) {
  if (kind !== "video" || !data || data.length === 0) return 0;
  return Math.min(data.length, (data[0] & 0x01) === 0 ? 10 : 3);
}

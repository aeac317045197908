// WebAuthn glue, free of page state: base64url <-> ArrayBuffer, the server's JSON options turned into
// what navigator.credentials expects, and credentials turned back into JSON for the server.

/** Whether this browser can use security keys and passkeys. */
export function isSupported() {
  return typeof window.PublicKeyCredential === "function" && !!navigator.credentials;
}

/** base64url (RFC 4648 §5, no padding) to an ArrayBuffer. */
export function base64urlToBuffer(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(text.length / 4) * 4, "=");
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index);
  return bytes.buffer;
}

/** An ArrayBuffer (or view) to base64url without padding. */
export function bufferToBase64url(buffer) {
  const bytes = buffer instanceof ArrayBuffer ? new Uint8Array(buffer) : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function descriptors(list) {
  return (list ?? []).map((entry) => ({ ...entry, id: base64urlToBuffer(entry.id) }));
}

/** PublicKeyCredentialCreationOptions from the server's JSON. */
export function creationOptionsFromJSON(options) {
  return {
    ...options,
    challenge: base64urlToBuffer(options.challenge),
    user: { ...options.user, id: base64urlToBuffer(options.user.id) },
    excludeCredentials: descriptors(options.excludeCredentials),
  };
}

/** PublicKeyCredentialRequestOptions from the server's JSON. */
export function requestOptionsFromJSON(options) {
  return { ...options, challenge: base64urlToBuffer(options.challenge), allowCredentials: descriptors(options.allowCredentials) };
}

/** A created credential as the server reads it. */
export function attestationToJSON(credential) {
  return {
    id: bufferToBase64url(credential.rawId),
    type: credential.type,
    response: {
      clientDataJSON: bufferToBase64url(credential.response.clientDataJSON),
      attestationObject: bufferToBase64url(credential.response.attestationObject),
    },
  };
}

/** An assertion as the server reads it. */
export function assertionToJSON(credential) {
  const response = credential.response;
  return {
    id: bufferToBase64url(credential.rawId),
    type: credential.type,
    response: {
      clientDataJSON: bufferToBase64url(response.clientDataJSON),
      authenticatorData: bufferToBase64url(response.authenticatorData),
      signature: bufferToBase64url(response.signature),
      userHandle: response.userHandle ? bufferToBase64url(response.userHandle) : null,
    },
  };
}

/** A sentence for a failed browser ceremony (DOMException names from the WebAuthn spec). */
export function describeError(error) {
  switch (error?.name) {
    case "NotAllowedError":
      return "The security key or passkey did not answer: the request was cancelled or timed out. Try again.";
    case "InvalidStateError":
      return "That security key is already registered to your account.";
    case "NotSupportedError":
      return "This security key does not support the kinds of key DigitalMeet accepts.";
    case "SecurityError":
      return "This browser refused to use a security key for this address.";
    default:
      return error?.message || "The security key or passkey could not be used.";
  }
}

async function ceremony(run) {
  try {
    return await run();
  } catch (error) {
    if (error instanceof DOMException) throw new Error(describeError(error));
    throw error;
  }
}

/** Runs navigator.credentials.create() with the server's options; returns the JSON to send back. */
export async function createCredential(options) {
  const credential = await ceremony(() => navigator.credentials.create({ publicKey: creationOptionsFromJSON(options) }));
  return attestationToJSON(credential);
}

/** Runs navigator.credentials.get() with the server's options; returns the JSON to send back. */
export async function getAssertion(options) {
  const credential = await ceremony(() => navigator.credentials.get({ publicKey: requestOptionsFromJSON(options) }));
  return assertionToJSON(credential);
}

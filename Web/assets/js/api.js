// The one way the web client talks to the server: JSON over fetch, same origin, errors as ApiError.
// State-changing requests carry the session's CSRF token, which only the session endpoint reveals.

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field ?? null;
  }
}

let csrfToken = null;

/** Remembers the CSRF token of the current session (from /api/v1/auth/session or a sign-in step). */
export function setCsrfToken(token) {
  csrfToken = token ?? null;
}

async function parse(response) {
  if (response.status === 204) return null;
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const detail = body?.error ?? {};
    const error = new ApiError(response.status, detail.code ?? "http_" + response.status,
      detail.message ?? "The server could not complete the request (" + response.status + ").", detail.field);
    // Throttled requests say when to try again (seconds).
    const retryAfter = Number.parseInt(response.headers.get("Retry-After") ?? "", 10);
    error.retryAfter = Number.isFinite(retryAfter) ? retryAfter : null;
    throw error;
  }
  if (body && typeof body.csrfToken === "string") csrfToken = body.csrfToken;
  return body;
}

function headers(extra) {
  const result = { Accept: "application/json", ...extra };
  if (csrfToken) result["X-CSRF-Token"] = csrfToken;
  return result;
}

export async function getJSON(path) {
  return parse(await fetch(path, { credentials: "same-origin", headers: { Accept: "application/json" } }));
}

export async function postJSON(path, payload) {
  return parse(await fetch(path, {
    method: "POST",
    credentials: "same-origin",
    headers: headers({ "Content-Type": "application/json" }),
    body: JSON.stringify(payload ?? {}),
  }));
}

/** PUT or PATCH (or any other state-changing method) with a JSON body: the admin console's changes. */
export async function sendJSON(method, path, payload) {
  return parse(await fetch(path, {
    method,
    credentials: "same-origin",
    headers: headers({ "Content-Type": "application/json" }),
    body: JSON.stringify(payload ?? {}),
  }));
}

/** DELETE, with a JSON body when `payload` is given (removals that need the current factors). */
export async function deleteJSON(path, payload) {
  const init = { method: "DELETE", credentials: "same-origin", headers: headers(payload ? { "Content-Type": "application/json" } : {}) };
  if (payload) init.body = JSON.stringify(payload);
  return parse(await fetch(path, init));
}

/** The visitor's session; also arms the CSRF token for later requests. */
export async function loadSession() {
  const session = await getJSON("/api/v1/auth/session");
  setCsrfToken(session.csrfToken);
  return session;
}

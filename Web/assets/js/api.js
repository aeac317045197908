// The one way the web client talks to the server: JSON over fetch, same origin, errors as ApiError.

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field ?? null;
  }
}

async function parse(response) {
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const detail = body?.error ?? {};
    throw new ApiError(response.status, detail.code ?? "http_" + response.status,
      detail.message ?? "The server could not complete the request (" + response.status + ").", detail.field);
  }
  return body;
}

export async function getJSON(path) {
  return parse(await fetch(path, { credentials: "same-origin", headers: { Accept: "application/json" } }));
}

export async function postJSON(path, payload) {
  return parse(await fetch(path, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(payload),
  }));
}

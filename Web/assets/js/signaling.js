// The signaling socket (docs/signaling.md): JSON messages with v, type and id; answers carry `re`.
// `request` resolves with the `ok` answer or rejects with a SignalingError carrying the server's code.

export class SignalingError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

export class SignalingSocket {
  /**
   * @param {string} url the signalingURL from the ticket answer
   * @param {{onEvent: (message) => void, onClose: (code: number, reason: string) => void}} handlers
   */
  constructor(url, { onEvent, onClose }) {
    this.url = url;
    this.onEvent = onEvent;
    this.onClose = onClose;
    this.pending = new Map();
    this.nextId = 1;
    this.socket = null;
  }

  open() {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(this.url);
      this.socket = socket;
      let opened = false;
      socket.addEventListener("open", () => {
        opened = true;
        resolve();
      });
      socket.addEventListener("message", (event) => this.receive(event.data));
      socket.addEventListener("close", (event) => {
        for (const { reject: fail } of this.pending.values()) fail(new SignalingError("closed", event.reason || "The connection closed."));
        this.pending.clear();
        if (!opened) reject(new SignalingError("unreachable", "Could not reach the meeting server."));
        else this.onClose(event.code, event.reason);
      });
    });
  }

  receive(data) {
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    if (message.type === "event") {
      this.onEvent(message);
      return;
    }
    const waiting = message.re !== undefined ? this.pending.get(message.re) : undefined;
    if (!waiting) return;
    this.pending.delete(message.re);
    if (message.type === "ok") waiting.resolve(message);
    else waiting.reject(new SignalingError(message.code ?? "error", message.message ?? "The server refused that."));
  }

  /** Sends a command; resolves with its `ok` answer. */
  request(type, fields = {}) {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) {
      return Promise.reject(new SignalingError("closed", "You are not connected right now."));
    }
    const id = String(this.nextId++);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.send(JSON.stringify({ v: 1, type, id, ...fields }));
    });
  }

  close() {
    if (this.socket && this.socket.readyState <= WebSocket.OPEN) this.socket.close(1000);
  }
}

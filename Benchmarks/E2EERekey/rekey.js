// Rekey time after a leave in an E2EE meeting (docs/e2ee.md), measured with the real browser key
// session (Web/assets/js/e2ee-session.js, WebCrypto) of N participants in one page, through an
// in-page relay that plays the signaling server with a configurable one-way delay.
//
// Query parameters: participants (10), runs (20 per case), warmup (2 per case), delays (ms, "0,25").
// Results go to window.__rekey ({done, error, progress, config, cases: [...]}) and to the page.
import { E2EESession, SWITCH_DELAY_MS } from "/assets/js/e2ee-session.js";

const params = new URLSearchParams(location.search);
const N = Number(params.get("participants") ?? 10);
const RUNS = Number(params.get("runs") ?? 20);
const WARMUP = Number(params.get("warmup") ?? 2);
const DELAYS = (params.get("delays") ?? "0,25").split(",").map(Number);
const MEETING = "mtg_rekey_bench";
const NO_ROTATION = 24 * 60 * 60 * 1000;
const ITERATION_TIMEOUT_MS = 15000;

const state = (window.__rekey = { done: false, error: null, progress: "", config: { participants: N, runs: RUNS, warmup: WARMUP, delays: DELAYS }, cases: [] });

const now = () => performance.now();
const seatOf = (meeting, n) => `00000000-0000-4000-8000-${String(meeting).padStart(6, "0")}${String(n).padStart(6, "0")}`;
const hex = (bytes) => (bytes ? [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("") : null);

// A macrotask without setTimeout's 4 ms clamp for nested timers (relay delay 0: "as soon as possible").
const channel = new MessageChannel();
const tasks = [];
channel.port1.onmessage = () => tasks.shift()();
function macrotask(fn) {
  tasks.push(fn);
  channel.port2.postMessage(0);
}
const sleep = (ms) => new Promise((resolve) => (ms > 0 ? setTimeout(resolve, ms) : macrotask(resolve)));

/** The real session, unchanged, with a note of when it first held (`store`) and first sent with (`epoch`) each epoch. */
class TimedSession extends E2EESession {
  get epoch() {
    return this._epoch ?? 0;
  }

  set epoch(value) {
    this._epoch = value;
    if (value && this.usedAt && !this.usedAt.has(value)) this.usedAt.set(value, now());
  }

  store(epoch, secret) {
    super.store(epoch, secret);
    if (!this.storedAt.has(epoch)) this.storedAt.set(epoch, now());
  }
}

/**
 * The signaling server for one meeting: participants with `e2ee: {publicKey, order}`, answers to
 * `e2ee_public_key` (ok with the order), `e2ee_key` relayed to `to`, `e2ee_ratchet` to everyone else,
 * participant_joined / participant_changed / participant_left as `update(participants)` on every
 * session. Every message, either way, takes `delay` ms (in order per direction).
 */
class Relay {
  constructor(meeting, switchDelayMs) {
    this.meeting = meeting;
    this.switchDelayMs = switchDelayMs;
    this.delay = 0;
    this.members = new Map(); // seat → {session, participant}
    this.order = 0;
    this.messages = 0;
  }

  later(fn) {
    this.messages += 1;
    if (this.delay > 0) setTimeout(fn, this.delay);
    else macrotask(fn);
  }

  participants() {
    return JSON.parse(JSON.stringify([...this.members.values()].map((m) => m.participant)));
  }

  /** An event to `seat`, delivered only if that seat is still in the meeting when it arrives. */
  toClient(seat, deliver) {
    this.later(() => {
      const member = this.members.get(seat);
      if (member) deliver(member.session);
    });
  }

  broadcast(except = null) {
    for (const seat of this.members.keys()) {
      if (seat === except) continue;
      const list = this.participants();
      this.toClient(seat, (session) => session.update(list));
    }
  }

  /** A client's signaling request: to the server after `delay`, the answer back after `delay` again. */
  request(from, type, fields) {
    const message = JSON.parse(JSON.stringify(fields));
    return new Promise((resolve, reject) => {
      this.later(() => {
        let answer;
        let failure = null;
        try {
          answer = this.handle(from, type, message);
        } catch (error) {
          failure = error;
        }
        this.later(() => (failure ? reject(failure) : resolve(answer)));
      });
    });
  }

  handle(from, type, fields) {
    const actor = this.members.get(from);
    if (!actor) throw { code: "not_found" };
    if (type === "e2ee_public_key") {
      if (actor.participant.e2ee) return { type: "ok" };
      this.order += 1;
      actor.participant = { ...actor.participant, e2ee: { publicKey: fields.publicKey, order: this.order } };
      this.broadcast(); // participant_changed, to everyone in the meeting
      return { type: "ok", order: this.order };
    }
    if (type === "e2ee_key") {
      if (!actor.participant.e2ee) throw { code: "conflict" };
      const to = this.members.get(fields.to);
      if (!to) throw { code: "not_found" };
      if (!to.participant.e2ee) throw { code: "conflict" };
      const event = { from, epoch: fields.epoch, payload: fields.payload };
      this.toClient(fields.to, (session) => session.handleKey(event));
      return { type: "ok" };
    }
    if (type === "e2ee_ratchet") {
      if (!actor.participant.e2ee) throw { code: "conflict" };
      for (const seat of this.members.keys()) {
        if (seat !== from) this.toClient(seat, (session) => session.handleRatchet({ from, epoch: fields.epoch }));
      }
      return { type: "ok" };
    }
    throw { code: "unknown_type" };
  }

  /** Seat n joins: participant_joined to the others; the join answer to the newcomer, which then keys up as meeting.js does. */
  join(n) {
    const seat = seatOf(this.meeting, n);
    const session = new TimedSession({
      meetingId: MEETING, seat, transforms: null, rotateMs: NO_ROTATION, switchDelayMs: this.switchDelayMs,
      send: (type, fields) => this.request(seat, type, fields),
    });
    session.storedAt = new Map();
    session.usedAt = new Map();
    this.members.set(seat, { session, participant: { seat, displayName: "P" + n, role: "participant" } });
    this.broadcast(seat);
    const list = this.participants();
    this.toClient(seat, (s) => {
      s.update(list);
      s.start();
    });
    return session;
  }

  /** The server takes `seat` out (its participant_left goes to everyone left); returns the moment it did. */
  leave(seat) {
    this.members.delete(seat);
    const at = now();
    this.broadcast();
    return at;
  }

  sessions() {
    return [...this.members.values()].map((m) => m.session);
  }
}

async function waitFor(condition, what, timeout = ITERATION_TIMEOUT_MS) {
  const start = now();
  while (!condition()) {
    if (now() - start > timeout) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

async function idle(sessions) {
  for (let i = 0; i < 3; i += 1) {
    await Promise.all(sessions.map((s) => s.queue));
    await sleep(5);
  }
}

/** Everyone holds and sends with the same newest epoch, and the leader has given it to all. */
function settled(relay, count) {
  const sessions = relay.sessions();
  if (sessions.length !== count) return false;
  const e = sessions[0].epoch;
  return e > 0 && sessions.every((s) => s.epoch === e && s.latest === e) && sessions.some((s) => s.holders && s.holders.size === count);
}

let meetingCounter = 0;

/** One meeting: N join one by one (relay delay 0 while setting up), then `leaver` leaves under `delay`. */
async function iteration({ delay, switchDelayMs, leaver }) {
  meetingCounter += 1;
  const relay = new Relay(meetingCounter, switchDelayMs);
  const all = [];
  try {
    for (let n = 1; n <= N; n += 1) {
      all.push(relay.join(n));
      await waitFor(() => settled(relay, n), `join ${n}`);
    }
    await idle(all);
    const before = all[0].epoch;
    const leaderSeat = all[0].leader;
    if (!all.every((s) => s.leader === leaderSeat) || leaderSeat !== all[0].seat) throw new Error("the first to join is not everyone's leader");
    const gone = leaver === "leader" ? all[0] : all[Math.floor(N / 2) - 1]; // the leader, or a member in the middle of the order
    const remaining = all.filter((s) => s !== gone);

    const rejectedBefore = remaining.map((s) => s.rejected);
    relay.delay = delay;
    const t0 = relay.leave(gone.seat);
    const firstAfter = (times) => Math.min(...[...times].filter(([e]) => e > before).map(([, t]) => t));
    await waitFor(() => remaining.every((s) => s.epoch > before), "everyone sending with the new epoch");
    await idle(all);

    const fresh = before + 1;
    const secrets = new Set(remaining.map((s) => hex(s.secrets.get(fresh))));
    if (secrets.size !== 1 || secrets.has(null)) throw new Error(`remaining sessions disagree on epoch ${fresh}`);
    if (remaining.some((s) => s.epoch !== fresh || s.latest !== fresh)) throw new Error(`not all at epoch ${fresh}: ${remaining.map((s) => s.epoch)}`);
    if (gone.secrets.has(fresh) || gone.latest > before) throw new Error("the participant who left got the new secret");
    if (remaining.some((s, i) => s.rejected !== rejectedBefore[i])) throw new Error("a session rejected a key message after the leave");
    const holds = Math.max(...remaining.map((s) => firstAfter(s.storedAt))) - t0;
    const sends = Math.max(...remaining.map((s) => firstAfter(s.usedAt))) - t0;
    const newLeader = remaining[0].leader;
    const leaderStored = remaining.find((s) => s.seat === newLeader).storedAt.get(fresh) - t0;
    return { holds, sends, leaderStored };
  } finally {
    for (const s of all) s.close();
  }
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

function render() {
  const lines = ["delay  switch  leaver  | holds med   p95 | sends med   p95 | new leader stores med"];
  for (const c of state.cases) {
    lines.push(`${String(c.delay).padStart(3)}ms  ${String(c.switchDelayMs).padStart(4)}ms  ${c.leaver.padEnd(6)}  | ${c.holds.median.toFixed(1).padStart(8)} ${c.holds.p95.toFixed(1).padStart(6)} | ${c.sends.median.toFixed(1).padStart(8)} ${c.sends.p95.toFixed(1).padStart(6)} | ${c.leaderStored.median.toFixed(1).padStart(8)}`);
  }
  document.getElementById("table").textContent = lines.join("\n");
}

async function main() {
  if (!window.isSecureContext || !crypto.subtle) throw new Error("not a secure context: crypto.subtle is missing");
  for (const delay of DELAYS) {
    for (const switchDelayMs of [SWITCH_DELAY_MS, 0]) {
      for (const leaver of ["member", "leader"]) {
        const samples = [];
        for (let i = 0; i < WARMUP + RUNS; i += 1) {
          state.progress = `delay ${delay} ms, switch ${switchDelayMs} ms, ${leaver} leaves: ${i + 1}/${WARMUP + RUNS}`;
          document.getElementById("status").textContent = state.progress;
          const sample = await iteration({ delay, switchDelayMs, leaver });
          if (i >= WARMUP) samples.push(sample);
        }
        const stat = (key) => {
          const values = samples.map((s) => s[key]);
          return { median: median(values), p95: percentile(values, 95), min: Math.min(...values), max: Math.max(...values), values };
        };
        state.cases.push({ delay, switchDelayMs, leaver, participants: N, runs: RUNS, holds: stat("holds"), sends: stat("sends"), leaderStored: stat("leaderStored") });
        render();
      }
    }
  }
}

try {
  await main();
  document.getElementById("status").textContent = "Done";
} catch (error) {
  state.error = String(error?.stack ?? error);
  document.getElementById("status").textContent = "Failed: " + state.error;
}
state.done = true;
document.getElementById("status").dataset.done = "true";

// What to do when the signaling socket closes: resume (with back-off) or show a final screen.
// Pure, so the decisions are unit-tested.

/** How long the server keeps a dropped seat for `resume` (docs/signaling.md). */
export const RESUME_WINDOW_MS = 30_000;

/**
 * Close codes after which the client never tries to resume: the server's own verdicts. A plain 1000
 * is not one of them: a server shutting down closes that way too, and its seats survive a restart;
 * our own leaving never gets here.
 */
const FINAL_CODES = new Set([4401, 4403, 4409, 4410, 4429]);

export function shouldResume(code) {
  return !FINAL_CODES.has(code);
}

/** Delay before resume attempt `attempt` (0-based): 0.5 s doubling to at most 5 s, with ±20 % jitter. */
export function backoffDelay(attempt, random = Math.random) {
  const base = Math.min(5000, 500 * 2 ** Math.max(0, attempt));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** Whether another attempt starting after `delay` still falls in the resume window opened at `droppedAt`. */
export function withinResumeWindow(droppedAt, now, delay = 0) {
  return now + delay - droppedAt < RESUME_WINDOW_MS;
}

/**
 * The final screen for a closed socket: `{title, text, rejoin}`. `lastEvent` is the last event that
 * explains the close (`removed`, `denied`, `ended`, `session_ended`), when one arrived.
 */
export function finalScreen(code, lastEvent = null) {
  const event = lastEvent?.event;
  if (event === "removed") {
    return lastEvent.mayRejoin
      ? { title: "A host removed you from the meeting", text: "They allowed you to join again if you need to.", rejoin: true }
      : { title: "A host removed you from the meeting", text: "You can't join this meeting again.", rejoin: false };
  }
  if (event === "denied") return { title: "The host did not let you in", text: "You can't join this meeting now.", rejoin: false };
  if (event === "ended" || code === 4410) return { title: "The meeting has ended", text: "Thank you for joining.", rejoin: false };
  if (event === "session_ended" || code === 4401) {
    return { title: "Your session ended", text: "Sign in again to rejoin the meeting.", rejoin: true, signIn: true };
  }
  if (code === 4409) return { title: "You joined from another window", text: "This window has left the meeting.", rejoin: true };
  if (code === 4403) return { title: "You can't be in this meeting", text: "The server refused this connection.", rejoin: false };
  if (code === 4429) return { title: "Disconnected", text: "This window sent too many messages. Rejoin to continue.", rejoin: true };
  return { title: "You lost the connection", text: "We could not reconnect you in time.", rejoin: true };
}

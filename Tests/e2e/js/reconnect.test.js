import { equal, ok, test } from "./harness.js";
import { backoffDelay, finalScreen, shouldResume, withinResumeWindow } from "../../../Web/assets/js/reconnect.js";

test("reconnect: drops and server shutdowns resume, the server's verdicts do not", () => {
  ok(shouldResume(1006));
  ok(shouldResume(1001));
  ok(shouldResume(1000));
  ok(shouldResume(1012));
  for (const code of [4401, 4403, 4409, 4410, 4429]) equal(shouldResume(code), false, String(code));
});

test("reconnect: back-off doubles from 0.5 s and caps at 5 s, jitter within ±20 %", () => {
  equal(backoffDelay(0, () => 0.5), 500);
  equal(backoffDelay(1, () => 0.5), 1000);
  equal(backoffDelay(3, () => 0.5), 4000);
  equal(backoffDelay(10, () => 0.5), 5000);
  equal(backoffDelay(0, () => 0), 400);
  equal(backoffDelay(0, () => 1), 600);
});

test("reconnect: attempts stay inside the 30-second resume window", () => {
  ok(withinResumeWindow(0, 10_000, 5_000));
  equal(withinResumeWindow(0, 28_000, 5_000), false);
});

test("final screens: removed, denied, ended, session ended, elsewhere", () => {
  equal(finalScreen(4403, { event: "removed", mayRejoin: false }).title, "A host removed you from the meeting");
  equal(finalScreen(4403, { event: "removed", mayRejoin: false }).rejoin, false);
  equal(finalScreen(4403, { event: "removed", mayRejoin: true }).rejoin, true);
  equal(finalScreen(4403, { event: "denied" }).title, "The host did not let you in");
  equal(finalScreen(4410).title, "The meeting has ended");
  equal(finalScreen(4401).title, "Your session ended");
  equal(finalScreen(4409).title, "You joined from another window");
  equal(finalScreen(1006).title, "You lost the connection");
});

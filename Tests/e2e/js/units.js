// Loads every unit test module, runs them, and shows the results (read by test_web_units.py).
import { run } from "./harness.js";
import "./layout.test.js";
import "./shortcuts.test.js";
import "./reconnect.test.js";
import "./meeting-state.test.js";
import "./media.test.js";
import "./device-check.test.js";
import "./media-session.test.js";
import "./sframe.test.js";
import "./e2ee-keys.test.js";
import "./e2ee-session.test.js";
import "./e2ee-transform.test.js";

const results = await run();
const list = document.getElementById("results");
for (const result of results) {
  const item = document.createElement("li");
  item.className = result.passed ? "passed" : "failed";
  item.textContent = (result.passed ? "PASS " : "FAIL ") + result.name + (result.error ? " — " + result.error : "");
  list.append(item);
}
const failed = results.filter((r) => !r.passed).length;
const summary = document.getElementById("summary");
summary.textContent = `${results.length - failed} passed, ${failed} failed`;
summary.dataset.passed = String(results.length - failed);
summary.dataset.failed = String(failed);
summary.dataset.done = "true";

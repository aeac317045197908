// Reporting a security vulnerability (/security/report): a public form, no account needed. The
// server answers with a reference and the time by which we acknowledge the report (policy §11).
import { postJSON } from "./api.js";
import { byId, make } from "./dom.js";
import { Form } from "./forms.js";

const form = new Form(byId("report-form"), ["summary", "details", "contact", "name", "creditPermitted"], byId("report-message"));
const deadline = new Intl.DateTimeFormat(undefined, {
  weekday: "long", year: "numeric", month: "long", day: "numeric", hour: "numeric", minute: "2-digit", timeZoneName: "short",
});

/** The same limits the server applies; returns false after marking the first field that breaks one. */
function withinLimits(summary, details, contact, name) {
  const problems = [];
  if (summary.length < 3 || summary.length > 200) problems.push(["summary", "Write a summary of 3 to 200 characters."]);
  if (details.length < 20) problems.push(["details", "Describe the problem in at least 20 characters."]);
  else if (details.length > 20000) problems.push(["details", "Keep the details under 20,000 characters; you can send more once we reply."]);
  if (contact && (contact.length > 254 || byId("contact").validity.typeMismatch)) {
    problems.push(["contact", "Enter an email address such as name@example.com, or leave this empty."]);
  }
  if (name.length > 100) problems.push(["name", "Keep the name under 100 characters."]);
  // Marked from the last to the first, so that focus ends on the first problem.
  for (const [field, text] of problems.slice().reverse()) form.showFieldError(field, text);
  return problems.length === 0;
}

function minutes(seconds) {
  const count = Math.max(1, Math.ceil(seconds / 60));
  return count === 1 ? "a minute" : count + " minutes";
}

function showDone(receipt, contact) {
  byId("report-reference").textContent = receipt.reference;
  const acknowledgeBy = new Date(receipt.acknowledgeBy);
  byId("report-acknowledge-by").replaceChildren(
    "We will acknowledge your report by ",
    make("time", { text: deadline.format(acknowledgeBy), attributes: { datetime: receipt.acknowledgeBy } }),
    ".");
  byId("report-updates").textContent = contact
    ? "We will send updates on our progress to " + contact + "."
    : "You did not give an email address, so we cannot send you updates. Keep the reference if you want to ask about this report.";
  form.form.hidden = true;
  byId("report-card").hidden = true;
  byId("report-done").hidden = false;
  byId("report-done-title").focus();
}

form.onSubmit(async () => {
  if (!form.requireFilled(["summary", "details"])) return;
  const summary = form.value("summary").trim();
  const details = form.value("details").trim();
  const contact = form.value("contact").trim();
  const name = form.value("name").trim();
  if (!withinLimits(summary, details, contact, name)) return;
  const body = { summary, details, contact: contact || null, name: name || null, creditPermitted: byId("creditPermitted").checked };
  const receipt = await form.run("Sending…", async () => {
    try {
      return await postJSON("/api/v1/security-reports", body);
    } catch (error) {
      // Throttled: say when to try again rather than only that it failed.
      if (error.code === "too_many_attempts" && error.retryAfter) {
        error.message = "Too many reports were sent from your network just now. Please try again in " + minutes(error.retryAfter) + ".";
      }
      throw error;
    }
  });
  if (receipt) showDone(receipt, contact);
});

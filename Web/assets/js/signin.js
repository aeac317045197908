// Sign-in: email and password, then (when the account has it) the second factor. Each step gets a
// new session cookie from the server; this page never sees the session token itself.
import { getJSON, postJSON, setCsrfToken } from "./api.js";
import { Form, safeNextPath } from "./forms.js";

const passwordStep = document.getElementById("password-step");
const codeStep = document.getElementById("code-step");
const signin = new Form(document.getElementById("signin-form"), ["email", "password"], document.getElementById("signin-message"));
const codeForm = new Form(document.getElementById("code-form"), ["code", "recoveryCode"], document.getElementById("code-message"));
let usingRecovery = false;

function finish(stage) {
  if (stage === "enrol") location.assign("/account#enrol");
  else location.assign(safeNextPath());
}

const session = await getJSON("/api/v1/auth/session").catch(() => null);
if (session?.signupAllowed) document.getElementById("signup-link").hidden = false;
if (session?.stage === "active") finish("active");
else if (session?.stage === "mfa") showCodeStep(session.csrfToken);
else if (session?.stage === "enrol") finish("enrol");

function showCodeStep(csrfToken) {
  setCsrfToken(csrfToken);
  passwordStep.hidden = true;
  codeStep.hidden = false;
  document.getElementById("code-title").focus();
  document.getElementById("code").focus();
}

signin.onSubmit(async () => {
  if (!signin.requireFilled()) return;
  const result = await signin.run("Signing in…", () => postJSON("/api/v1/auth/sign-in", signin.values()));
  if (!result) {
    document.getElementById("password").value = "";
    return;
  }
  if (result.stage === "mfa") showCodeStep(result.csrfToken);
  else finish(result.stage);
});

document.getElementById("toggle-recovery").addEventListener("click", (event) => {
  usingRecovery = !usingRecovery;
  codeForm.clear();
  document.getElementById("code-field").hidden = usingRecovery;
  document.getElementById("recovery-field").hidden = !usingRecovery;
  document.getElementById("code-intro").textContent = usingRecovery
    ? "Enter one of your recovery codes."
    : "Enter the 6-digit code from your authenticator app.";
  event.currentTarget.textContent = usingRecovery ? "Use the authenticator app instead" : "Use a recovery code instead";
  document.getElementById(usingRecovery ? "recoveryCode" : "code").focus();
});

codeForm.onSubmit(async () => {
  const name = usingRecovery ? "recoveryCode" : "code";
  if (!codeForm.requireFilled([name])) return;
  const payload = usingRecovery ? { recoveryCode: codeForm.value("recoveryCode") } : { code: codeForm.value("code") };
  const result = await codeForm.run("Verifying…", () => postJSON("/api/v1/auth/mfa", payload));
  if (result) finish(result.stage);
  else {
    document.getElementById(name).value = "";
    // The five-minute window for the second factor may have passed: start again.
    const current = await getJSON("/api/v1/auth/session").catch(() => null);
    if (current && !current.stage) {
      codeStep.hidden = true;
      passwordStep.hidden = false;
      signin.showMessage("The sign-in took too long; enter your password again.");
    }
  }
});

// Sign-in: email and password, then (when the account has it) the second factor. Each step gets a
// new session cookie from the server; this page never sees the session token itself.
import { getJSON, postJSON, setCsrfToken } from "./api.js";
import { Form, safeNextPath } from "./forms.js";
import { getAssertion, isSupported } from "./webauthn.js";

const passwordStep = document.getElementById("password-step");
const codeStep = document.getElementById("code-step");
const signin = new Form(document.getElementById("signin-form"), ["email", "password"], document.getElementById("signin-message"));
const codeForm = new Form(document.getElementById("code-form"), ["code", "recoveryCode"], document.getElementById("code-message"));
let usingRecovery = false;
// What the account offers after its password ("totp", "passkey"); both until the server says.
let factors = ["totp", "passkey"];

function finish(stage) {
  if (stage === "enrol") location.assign("/account#enrol");
  else location.assign(safeNextPath());
}

const session = await getJSON("/api/v1/auth/session").catch(() => null);
if (session?.signupAllowed) document.getElementById("signup-link").hidden = false;
if (session?.stage === "active") finish("active");
else if (session?.stage === "mfa") await showCodeStep(session.csrfToken);
else if (session?.stage === "enrol") finish("enrol");

async function showCodeStep(csrfToken) {
  setCsrfToken(csrfToken);
  passwordStep.hidden = true;
  codeStep.hidden = false;
  const current = await getJSON("/api/v1/auth/session").catch(() => null);
  if (current?.secondFactors) factors = current.secondFactors;
  const passkey = factors.includes("passkey") && isSupported();
  document.getElementById("passkey-actions").hidden = !passkey;
  if (!factors.includes("totp")) {
    document.getElementById("code-intro").textContent = passkey
      ? "Use your security key or passkey, or one of your recovery codes."
      : "Enter one of your recovery codes.";
    showCodeInput();
  }
  document.getElementById("code-title").focus();
  if (!document.getElementById("code-field").hidden) document.getElementById("code").focus();
}

/** Shows the field for the factor in use: the app's code, or a recovery code. */
function showCodeInput() {
  const totp = factors.includes("totp");
  document.getElementById("code-field").hidden = usingRecovery || !totp;
  document.getElementById("recovery-field").hidden = !usingRecovery;
  document.getElementById("code-submit").hidden = !usingRecovery && !totp;
}

signin.onSubmit(async () => {
  if (!signin.requireFilled()) return;
  const result = await signin.run("Signing in…", () => postJSON("/api/v1/auth/sign-in", signin.values()));
  if (!result) {
    document.getElementById("password").value = "";
    return;
  }
  if (result.stage === "mfa") await showCodeStep(result.csrfToken);
  else finish(result.stage);
});

document.getElementById("toggle-recovery").addEventListener("click", (event) => {
  usingRecovery = !usingRecovery;
  codeForm.clear();
  showCodeInput();
  const totp = factors.includes("totp");
  document.getElementById("code-intro").textContent = usingRecovery
    ? "Enter one of your recovery codes."
    : totp ? "Enter the 6-digit code from your authenticator app." : "Use your security key or passkey, or one of your recovery codes.";
  event.currentTarget.textContent = usingRecovery
    ? (totp ? "Use the authenticator app instead" : "Hide the recovery code")
    : "Use a recovery code instead";
  const focus = usingRecovery ? "recoveryCode" : totp ? "code" : null;
  if (focus) document.getElementById(focus).focus();
});

/** Restarts at the password when the five-minute window for the second factor has passed. */
async function restartIfExpired() {
  const current = await getJSON("/api/v1/auth/session").catch(() => null);
  if (current && !current.stage) {
    codeStep.hidden = true;
    passwordStep.hidden = false;
    signin.showMessage("The sign-in took too long; enter your password again.");
  }
}

document.getElementById("use-passkey").addEventListener("click", async (event) => {
  const button = event.currentTarget;
  codeForm.clear();
  button.disabled = true;
  try {
    const credential = await getAssertion(await postJSON("/api/v1/auth/passkey/options"));
    const result = await postJSON("/api/v1/auth/passkey", { credential });
    finish(result.stage);
  } catch (error) {
    codeForm.showMessage(error.message);
    await restartIfExpired();
  } finally {
    button.disabled = false;
  }
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
    await restartIfExpired();
  }
});

// Step-up: administrative changes need the password and a second factor from the last five minutes.
// `withStepUp(action)` runs a change; when the server answers 403 step_up_required it asks for both
// in a dialog, posts them to /api/v1/auth/step-up (which rotates the session and its CSRF token) and
// runs the change once more. The dialog is built here, so any page can use it without extra markup.
import { ApiError, getJSON, postJSON, setCsrfToken } from "./api.js";
import { getAssertion, isSupported } from "./webauthn.js";

/** Thrown when the person closes the dialog: nothing was changed. */
export class StepUpCancelled extends Error {
  constructor() {
    super("Cancelled: nothing was changed.");
    this.code = "step_up_cancelled";
  }
}

/** Thrown (as an ApiError with code mfa_required) when the account has no second factor to step up with. */
function mfaRequired() {
  return new ApiError(403, "mfa_required",
    "Administrative changes need two-step verification, and your account does not have it yet.");
}

let ui = null;
// The step-up in progress: concurrent changes share one dialog.
let pending = null;

/** Runs `action` (a function returning a promise); after a step_up_required refusal, steps up and retries once. */
export async function withStepUp(action) {
  try {
    return await action();
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== "step_up_required") throw error;
  }
  await stepUp();
  return action();
}

/** Asks for the password and a second factor; resolves once the session is stepped up. */
export function stepUp() {
  if (!pending) pending = openDialog().finally(() => { pending = null; });
  return pending;
}

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

function field(id, labelText, input) {
  const error = element("p", { class: "field__error", id: id + "-error", "aria-live": "polite" });
  input.setAttribute("aria-describedby", id + "-error");
  return element("div", { class: "field", id: id + "-field" }, element("label", { for: id, text: labelText }), input, error);
}

function build() {
  const password = element("input", { class: "input", id: "stepUpPassword", type: "password", autocomplete: "current-password" });
  const code = element("input", {
    class: "input input--code", id: "stepUpCode", inputmode: "numeric", autocomplete: "one-time-code", maxlength: "7",
  });
  const message = element("div", { class: "notice notice--error", id: "step-up-message", role: "alert", hidden: "" });
  const submit = element("button", { class: "button button--primary", type: "submit", id: "step-up-submit", text: "Confirm" });
  const passkey = element("button", { class: "button", type: "button", id: "step-up-passkey", text: "Use a security key or passkey", hidden: "" });
  const cancel = element("button", { class: "button", type: "button", id: "step-up-cancel", text: "Cancel" });
  const form = element("form", { id: "step-up-form", novalidate: "" },
    message,
    field("stepUpPassword", "Your password", password),
    field("stepUpCode", "Code from your authenticator app", code),
    element("div", { class: "actions" }, submit, passkey, cancel));
  const dialog = element("dialog", { class: "dialog", id: "step-up-dialog", "aria-labelledby": "step-up-title", "aria-describedby": "step-up-intro" },
    element("h2", { id: "step-up-title", text: "Confirm it’s you" }),
    element("p", {
      id: "step-up-intro",
      text: "Administrative changes need your password and a code from your authenticator app. "
        + "Once confirmed, you can make changes for 5 minutes without being asked again.",
    }),
    form);
  document.body.append(dialog);
  const parts = { dialog, form, password, code, codeField: code.parentElement, message, submit, passkey, cancel, current: null };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    // Without an authenticator app, Enter in the password field goes on to the security key.
    if (parts.codeField.hidden) usePasskey();
    else submitFactors();
  });
  passkey.addEventListener("click", () => usePasskey());
  cancel.addEventListener("click", () => dialog.close());
  // Escape and Cancel both close the dialog; a close without success cancels the change.
  dialog.addEventListener("close", () => {
    const current = parts.current;
    parts.current = null;
    password.value = "";
    code.value = "";
    if (current) current.reject(new StepUpCancelled());
  });
  return parts;
}

function clearErrors() {
  ui.message.hidden = true;
  ui.message.textContent = "";
  for (const input of [ui.password, ui.code]) {
    input.removeAttribute("aria-invalid");
    document.getElementById(input.id + "-error").textContent = "";
  }
}

function fieldError(input, text) {
  document.getElementById(input.id + "-error").textContent = text;
  input.setAttribute("aria-invalid", "true");
  input.focus();
}

function requirePassword() {
  if (ui.password.value) return true;
  fieldError(ui.password, "Enter your password.");
  return false;
}

async function busy(work) {
  const buttons = [ui.submit, ui.passkey];
  const label = ui.submit.textContent;
  for (const button of buttons) button.disabled = true;
  ui.submit.textContent = "Checking…";
  try {
    await work();
  } catch (error) {
    showError(error);
  } finally {
    for (const button of buttons) button.disabled = false;
    ui.submit.textContent = label;
  }
}

function showError(error) {
  // A 401 other than a wrong password or code means the session itself has ended.
  if (error?.code === "mfa_required" || (error?.status === 401 && error.code !== "invalid_credentials")) {
    // Nothing the dialog can fix: close it and let the page say what to do.
    const current = ui.current;
    ui.current = null;
    ui.dialog.close();
    current?.reject(error.code === "mfa_required" ? mfaRequired() : error);
    return;
  }
  ui.code.value = "";
  if (error?.field === "currentPassword" || error?.field === "password") fieldError(ui.password, error.message);
  else if (error?.field === "code" && !ui.codeField.hidden) fieldError(ui.code, error.message);
  else {
    ui.message.textContent = error?.message || "That did not work. Try again.";
    ui.message.hidden = false;
  }
}

async function send(factor) {
  const result = await postJSON("/api/v1/auth/step-up", { password: ui.password.value, ...factor });
  // api.js also picks the token up from the answer; the step-up rotated the session, so set it explicitly.
  setCsrfToken(result.csrfToken);
  const current = ui.current;
  ui.current = null;
  ui.dialog.close();
  current?.resolve(result);
}

async function usePasskey() {
  clearErrors();
  if (!requirePassword()) return;
  await busy(async () => {
    const assertion = await getAssertion(await postJSON("/api/v1/auth/passkey/options"));
    await send({ passkey: assertion });
  });
}

function submitFactors() {
  clearErrors();
  const needsCode = !ui.codeField.hidden;
  const codeValue = ui.code.value.replace(/\s+/g, "");
  if (!ui.password.value) {
    if (needsCode && !codeValue) {
      document.getElementById("stepUpCode-error").textContent = "Enter the 6-digit code from your authenticator app.";
      ui.code.setAttribute("aria-invalid", "true");
    }
    requirePassword();
    return;
  }
  if (needsCode && !/^\d{6}$/.test(codeValue)) {
    fieldError(ui.code, "Enter the 6-digit code from your authenticator app.");
    return;
  }
  busy(() => send({ code: codeValue }));
}

async function openDialog() {
  // Which factors the account has decides what the dialog asks for.
  const factors = await getJSON("/api/v1/account/mfa").catch(() => null);
  if (factors && !factors.enabled) throw mfaRequired();
  ui ??= build();
  const totp = factors ? factors.totp : true;
  const passkeys = (factors?.passkeys ?? 0) > 0 && isSupported();
  ui.codeField.hidden = !totp;
  ui.passkey.hidden = !passkeys;
  document.getElementById("step-up-intro").textContent = totp
    ? "Administrative changes need your password and a code from your authenticator app. "
      + "Once confirmed, you can make changes for 5 minutes without being asked again."
    : "Administrative changes need your password and your security key or passkey. "
      + "Once confirmed, you can make changes for 5 minutes without being asked again.";
  ui.submit.hidden = !totp;
  clearErrors();
  return new Promise((resolve, reject) => {
    ui.current = { resolve, reject };
    ui.dialog.showModal();
    ui.password.focus();
  });
}

// The account page: two-step verification, security keys, password, sessions and email. Every change
// asks for the current factors again; the server enforces that, this page only asks for them up front.
import { deleteJSON, getJSON, loadSession, postJSON } from "./api.js";
import { Form } from "./forms.js";
import { createCredential, getAssertion, isSupported } from "./webauthn.js";

const pageMessage = document.getElementById("page-message");
let session = await loadSession().catch(() => null);
if (!session || !session.stage || session.stage === "mfa") {
  location.assign("/signin?next=/account");
  throw new Error("not signed in");
}

function announce(text, kind = "success") {
  pageMessage.textContent = text;
  pageMessage.className = "notice notice--" + kind;
  pageMessage.hidden = !text;
}

// The second factors the account has (GET /api/v1/account/mfa); null until first loaded.
let mfa = null;
const hasTOTP = () => mfa ? mfa.totp : session.user.mfaEnabled;

/** The second factor for a security change: the typed code, or (without an app) a passkey assertion. */
async function secondFactor(code) {
  if (hasTOTP()) return { code };
  if (mfa && mfa.passkeys > 0) return { passkey: await getAssertion(await postJSON("/api/v1/auth/passkey/options")) };
  return {};
}

const roles = { owner: "Owner", admin: "Administrator", auditor: "Auditor", member: "Member" };
function renderProfile() {
  const user = session.user;
  document.getElementById("profile-name").textContent = user.displayName;
  document.getElementById("profile-email").textContent = user.email;
  document.getElementById("profile-role").textContent = roles[user.role] ?? user.role;
  document.getElementById("profile-organization").textContent = user.organizationName;
  const enrolling = session.stage === "enrol";
  document.getElementById("enrol-required").hidden = !enrolling;
  for (const card of document.querySelectorAll(".requires-active")) card.hidden = enrolling;
  document.getElementById("admin-link").hidden = enrolling || !["owner", "admin", "auditor"].includes(user.role);
  for (const field of document.querySelectorAll(".mfa-only")) field.hidden = !hasTOTP();
  document.getElementById("passkeyPassword-field").hidden = enrolling;
  document.getElementById("newPassword-hint").textContent = user.mfaEnabled
    ? "At least 8 characters, because your account has two-step verification."
    : "At least 15 characters. A few unrelated words make a strong, memorable passphrase.";
}

// --- Two-step verification -------------------------------------------------------------------
const mfaStatus = document.getElementById("mfa-status");
const startForm = new Form(document.getElementById("enrol-start-form"), ["enrolPassword"], document.getElementById("mfa-message"));
const confirmForm = new Form(document.getElementById("enrol-confirm-form"), ["enrolCode"], document.getElementById("mfa-message"));
const manageForm = new Form(document.getElementById("mfa-manage-form"), ["managePassword", "manageCode"], document.getElementById("mfa-message"));

async function renderMFA() {
  const status = await getJSON("/api/v1/account/mfa");
  mfa = status;
  renderProfile();
  mfaStatus.textContent = status.enabled ? "On" : "Off";
  mfaStatus.className = "status " + (status.enabled ? "status--on" : "status--off");
  startForm.form.hidden = status.totp;
  document.getElementById("enrolPassword-field").hidden = session.stage === "enrol";
  document.getElementById("mfa-manage").hidden = !status.enabled;
  document.getElementById("disable-mfa").hidden = !status.totp || (status.required && status.passkeys === 0);
  document.getElementById("recovery-remaining").textContent =
    status.recoveryCodesRemaining + " of 10 recovery codes left." + (status.required ? " Your organisation requires two-step verification." : "");
}

startForm.onSubmit(async () => {
  if (session.stage !== "enrol" && !startForm.requireFilled()) return;
  const enrolment = await startForm.run("Preparing…", async () => {
    const payload = session.stage === "enrol" ? {} : { currentPassword: startForm.value("enrolPassword"), ...(await secondFactor(null)) };
    return postJSON("/api/v1/account/mfa/totp", payload);
  });
  if (!enrolment) return;
  document.getElementById("enrolPassword").value = "";
  const svg = new DOMParser().parseFromString(enrolment.qrSVG, "image/svg+xml").documentElement;
  const holder = document.getElementById("totp-qr");
  holder.replaceChildren(document.importNode(svg, true));
  document.getElementById("totp-secret").textContent = enrolment.secret.replace(/(.{4})/g, "$1 ").trim();
  startForm.form.hidden = true;
  confirmForm.form.hidden = false;
  document.getElementById("enrolCode").focus();
});

confirmForm.onSubmit(async () => {
  if (!confirmForm.requireFilled()) return;
  const result = await confirmForm.run("Checking…", () => postJSON("/api/v1/account/mfa/totp/confirm", { code: confirmForm.value("enrolCode") }));
  if (!result) return;
  confirmForm.form.hidden = true;
  document.getElementById("enrolCode").value = "";
  session = await loadSession();
  if (result.recoveryCodes.length > 0) showRecoveryCodes(result.recoveryCodes);
  else await renderMFA();
  renderProfile();
  announce("Two-step verification is on.");
});

function showRecoveryCodes(codes) {
  const list = document.getElementById("recovery-codes");
  list.replaceChildren(...codes.map((code) => {
    const item = document.createElement("li");
    item.textContent = code;
    return item;
  }));
  document.getElementById("recovery-codes-panel").hidden = false;
  document.getElementById("mfa-manage").hidden = true;
  document.getElementById("recovery-title").focus();
}

document.getElementById("recovery-saved").addEventListener("click", async () => {
  document.getElementById("recovery-codes").replaceChildren();
  document.getElementById("recovery-codes-panel").hidden = true;
  await renderMFA();
});

const manageRequired = () => (hasTOTP() ? ["managePassword", "manageCode"] : ["managePassword"]);
manageForm.onSubmit(async () => {
  if (!manageForm.requireFilled(manageRequired())) return;
  const result = await manageForm.run("Making codes…", async () => postJSON("/api/v1/account/mfa/recovery-codes", {
    currentPassword: manageForm.value("managePassword"), ...(await secondFactor(manageForm.value("manageCode"))),
  }));
  document.getElementById("manageCode").value = "";
  if (!result) return;
  document.getElementById("managePassword").value = "";
  showRecoveryCodes(result.recoveryCodes);
  announce("New recovery codes made; the old ones no longer work.");
});

document.getElementById("disable-mfa").addEventListener("click", async () => {
  manageForm.clear();
  if (!manageForm.requireFilled(manageRequired())) return;
  if (!confirm("Turn off two-step verification? Your account will then be protected by its password alone.")) return;
  const done = await manageForm.run("Turning off…", async () => {
    await postJSON("/api/v1/account/mfa/disable", {
      currentPassword: manageForm.value("managePassword"), ...(await secondFactor(manageForm.value("manageCode"))),
    });
    return true;
  });
  document.getElementById("manageCode").value = "";
  if (!done) return;
  document.getElementById("managePassword").value = "";
  session = await loadSession();
  renderProfile();
  await renderMFA();
  announce(mfa.enabled ? "The authenticator app was removed; your security keys still work." : "Two-step verification is off.", "error");
});

// --- Security keys and passkeys ---------------------------------------------------------------
const passkeyForm = new Form(document.getElementById("passkey-form"), ["passkeyName", "passkeyPassword", "passkeyCode"],
  document.getElementById("passkeys-message"));

/** The current factors for adding or removing a key (none during forced enrolment). */
async function passkeyFactors() {
  if (session.stage === "enrol") return {};
  return { currentPassword: passkeyForm.value("passkeyPassword"), ...(await secondFactor(passkeyForm.value("passkeyCode"))) };
}

function passkeyFactorFields() {
  if (session.stage === "enrol") return [];
  return hasTOTP() ? ["passkeyPassword", "passkeyCode"] : ["passkeyPassword"];
}

async function renderPasskeys() {
  const { passkeys } = await getJSON("/api/v1/account/passkeys");
  document.getElementById("passkeys-empty").hidden = passkeys.length > 0;
  const list = document.getElementById("passkeys-list");
  list.replaceChildren(...passkeys.map((entry) => {
    const item = document.createElement("li");
    item.className = "list__item";
    item.dataset.passkeyId = entry.id;
    const text = document.createElement("div");
    const title = document.createElement("span");
    title.className = "list__title";
    title.textContent = entry.name;
    const detail = document.createElement("div");
    detail.className = "muted";
    detail.textContent = "Added " + timeFormat.format(new Date(entry.createdAt)) + " · "
      + (entry.lastUsedAt ? "last used " + timeFormat.format(new Date(entry.lastUsedAt)) : "not used yet");
    text.append(title, detail);
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "button button--danger";
    remove.textContent = "Remove";
    remove.setAttribute("aria-label", "Remove the security key " + entry.name);
    remove.hidden = session.stage !== "active";
    remove.addEventListener("click", () => removePasskey(entry));
    item.append(text, remove);
    return item;
  }));
}

async function removePasskey(entry) {
  passkeyForm.clear();
  if (!passkeyForm.requireFilled(passkeyFactorFields())) return;
  if (!confirm("Remove the security key “" + entry.name + "”? It will no longer sign in to your account.")) return;
  const done = await passkeyForm.run("Removing…", async () => {
    await deleteJSON("/api/v1/account/passkeys/" + entry.id, await passkeyFactors());
    return true;
  });
  document.getElementById("passkeyCode").value = "";
  if (!done) return;
  document.getElementById("passkeyPassword").value = "";
  session = await loadSession();
  await renderMFA();
  await renderPasskeys();
  announce("The security key “" + entry.name + "” was removed.");
}

passkeyForm.onSubmit(async () => {
  if (!passkeyForm.requireFilled(["passkeyName", ...passkeyFactorFields()])) return;
  const result = await passkeyForm.run("Waiting for your key…", async () => {
    // The current factors first (a passkey assertion among them), then the new key.
    const factors = await passkeyFactors();
    const credential = await createCredential(await postJSON("/api/v1/account/passkeys/options"));
    return postJSON("/api/v1/account/passkeys", { name: passkeyForm.value("passkeyName"), ...factors, credential });
  });
  document.getElementById("passkeyCode").value = "";
  if (!result) return;
  for (const name of ["passkeyName", "passkeyPassword"]) document.getElementById(name).value = "";
  session = await loadSession();
  renderProfile();
  await renderPasskeys();
  if (result.recoveryCodes.length > 0) showRecoveryCodes(result.recoveryCodes);
  else await renderMFA();
  announce("The security key “" + result.passkey.name + "” was added.");
  if (session.stage === "active") await renderSessions();
});

// --- Password ---------------------------------------------------------------------------------
const passwordForm = new Form(document.getElementById("password-form"), ["currentPassword", "passwordCode", "newPassword"], document.getElementById("password-message"));
passwordForm.onSubmit(async () => {
  const required = hasTOTP() ? ["currentPassword", "passwordCode", "newPassword"] : ["currentPassword", "newPassword"];
  if (!passwordForm.requireFilled(required)) return;
  const endOthers = document.getElementById("endOtherSessions").checked;
  const result = await passwordForm.run("Changing…", async () => postJSON("/api/v1/account/password", {
    currentPassword: passwordForm.value("currentPassword"),
    ...(await secondFactor(passwordForm.value("passwordCode"))),
    newPassword: passwordForm.value("newPassword"),
    endOtherSessions: endOthers,
  }));
  document.getElementById("passwordCode").value = "";
  if (!result) return;
  for (const name of ["currentPassword", "newPassword"]) document.getElementById(name).value = "";
  announce(endOthers ? "Password changed. Your other sessions were signed out." : "Password changed.");
  await renderSessions();
});

// --- Sessions ---------------------------------------------------------------------------------
const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
async function renderSessions() {
  const { sessions } = await getJSON("/api/v1/account/sessions");
  const list = document.getElementById("sessions-list");
  list.replaceChildren(...sessions.map((entry) => {
    const item = document.createElement("li");
    item.className = "list__item";
    item.dataset.sessionId = entry.id;
    const text = document.createElement("div");
    const title = document.createElement("span");
    title.className = "list__title";
    title.textContent = entry.browser;
    text.append(title);
    if (entry.current) {
      const badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = "This device";
      text.append(badge);
    }
    const detail = document.createElement("div");
    detail.className = "muted";
    detail.textContent = (entry.address ?? "Unknown address") + " · last active " + timeFormat.format(new Date(entry.lastSeenAt))
      + " · signed in " + timeFormat.format(new Date(entry.createdAt));
    text.append(detail);
    item.append(text);
    if (!entry.current) {
      const end = document.createElement("button");
      end.type = "button";
      end.className = "button";
      end.textContent = "Sign out";
      end.setAttribute("aria-label", "Sign out the session on " + entry.browser + " from " + (entry.address ?? "an unknown address"));
      end.addEventListener("click", async () => {
        await deleteJSON("/api/v1/account/sessions/" + entry.id).catch((error) => announce(error.message, "error"));
        announce("That session was signed out.");
        await renderSessions();
      });
      item.append(end);
    }
    return item;
  }));
}

document.getElementById("end-others").addEventListener("click", async () => {
  const result = await postJSON("/api/v1/account/sessions/end-others").catch((error) => announce(error.message, "error"));
  if (result) announce(result.ended === 1 ? "1 other session was signed out." : result.ended + " other sessions were signed out.");
  await renderSessions();
});

document.getElementById("sign-out-everywhere").addEventListener("click", async () => {
  if (!confirm("Sign out of DigitalMeet on every device, including this one?")) return;
  await postJSON("/api/v1/account/sign-out-everywhere").catch(() => null);
  location.assign("/signin");
});

document.getElementById("sign-out").addEventListener("click", async () => {
  await postJSON("/api/v1/auth/sign-out").catch(() => null);
  location.assign("/signin");
});

// --- Email ------------------------------------------------------------------------------------
const emailForm = new Form(document.getElementById("email-form"), ["newEmail", "emailPassword", "emailCode"], document.getElementById("email-message"));
emailForm.onSubmit(async () => {
  const required = hasTOTP() ? ["newEmail", "emailPassword", "emailCode"] : ["newEmail", "emailPassword"];
  if (!emailForm.requireFilled(required)) return;
  const result = await emailForm.run("Sending…", async () => postJSON("/api/v1/account/email", {
    newEmail: emailForm.value("newEmail"),
    currentPassword: emailForm.value("emailPassword"),
    ...(await secondFactor(emailForm.value("emailCode"))),
  }));
  document.getElementById("emailCode").value = "";
  if (!result) return;
  document.getElementById("emailPassword").value = "";
  emailForm.showMessage(result.message, "success");
});

renderProfile();
await renderMFA();
if (isSupported()) await renderPasskeys();
else {
  passkeyForm.form.hidden = true;
  document.getElementById("passkeys-unsupported").hidden = false;
  document.getElementById("passkeys-empty").hidden = true;
}
if (session.stage === "active") await renderSessions();
if (session.stage === "enrol" || location.hash === "#enrol") {
  if (location.hash) history.replaceState(null, "", location.pathname);
  document.getElementById("mfa-card").scrollIntoView();
  if (session.stage === "enrol") startForm.form.querySelector("button").focus();
}

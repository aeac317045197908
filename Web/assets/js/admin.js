// The admin console: members, invitations, the security policy, the audit log and the vulnerability
// reports of the signed-in person's organisation. It shows only what the caller's permissions allow;
// the server enforces them regardless. Every change goes through withStepUp (password and second
// factor, fresh for 5 minutes).
import { ApiError, deleteJSON, getJSON, loadSession, postJSON, sendJSON } from "./api.js";
import { Form } from "./forms.js";
import { StepUpCancelled, withStepUp } from "./step-up.js";

const roleNames = { owner: "Owner", admin: "Administrator", auditor: "Auditor", member: "Member" };
const roleNouns = { owner: "an owner", admin: "an administrator", auditor: "an auditor", member: "a member" };
const actionNames = {
  "signin.success": "Signed in",
  "signin.failure": "Sign-in failed",
  "signin.locked": "Account locked after failed sign-ins",
  "signin.step_up": "Confirmed it was them (step-up)",
  "signin.password_disabled": "Sign-in refused: password sign-in is off",
  "signin.throttled": "Sign-in slowed down after many attempts",
  "signin.sign_out": "Signed out",
  "mfa.recovery_codes_replaced": "New recovery codes made",
  "mfa.recovery_code_used": "Recovery code used",
  "mfa.passkey_added": "Security key added",
  "mfa.passkey_removed": "Security key removed",
  "account.email_changed": "Email address changed",
  "account.created": "Account created",
  "session.revoked_all": "Signed out everywhere",
  "organization.created": "Organisation created",
  "audit.verified": "Audit log verified",
  "mfa.enabled": "Two-step verification turned on",
  "mfa.disabled": "Two-step verification turned off",
  "password.changed": "Password changed",
  "password.reset": "Password reset",
  "session.revoked": "Session ended",
  "member.invited": "Someone was invited",
  "member.joined": "Someone joined",
  "member.role_changed": "Role changed",
  "member.disabled": "Member disabled",
  "member.enabled": "Member enabled again",
  "member.unlocked": "Member unlocked",
  "member.sessions_ended": "Member signed out everywhere",
  "invitation.revoked": "Invitation revoked",
  "policy.updated": "Security policy changed",
  "audit.exported": "Audit log exported",
  "key.rotated": "Encryption key rotated",
  "access.denied": "Access refused",
};
const groupNames = {
  signin: "sign-in", mfa: "two-step verification", password: "password", session: "session", member: "member",
  invitation: "invitation", policy: "policy", audit: "audit", key: "key", access: "access", account: "account",
  organization: "organisation",
};
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const auditTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

const byId = (id) => document.getElementById(id);
/** UUIDs compared without regard to case (the server may spell them in capitals). */
const sameId = (a, b) => typeof a === "string" && typeof b === "string" && a.toLowerCase() === b.toLowerCase();

/** Whether an error means the session has ended (not a wrong password or code). */
const sessionEnded = (error) => error instanceof ApiError && error.status === 401 && error.code !== "invalid_credentials";

/** A new element with a class, text and children; `attributes` are set as attributes. */
function make(tag, { className, text, attributes } = {}, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attributes ?? {})) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

function badge(text, kind) {
  return make("span", { className: "badge" + (kind ? " badge--" + kind : ""), text });
}

function cell(label, ...children) {
  return make("td", { attributes: { "data-label": label } }, ...children);
}

function formatUTC(date) {
  return date.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

// --- Messages --------------------------------------------------------------------------------------

const status = byId("admin-status");

/** Says in the page's live region what just happened. */
function announce(text, kind = "success") {
  status.className = "notice admin-status notice--" + kind;
  status.textContent = text;
}

/**
 * Puts a problem in `target` (an error element next to what failed): the server's words, a link to
 * /account when two-step verification is missing, a calm note when the person cancelled.
 */
function showProblem(target, error) {
  target.replaceChildren();
  if (error instanceof StepUpCancelled) {
    // Not an error: say so calmly in the live region and leave the place of the change clean.
    if (target.classList.contains("notice")) target.hidden = true;
    announce(error.message, "info");
    return;
  }
  target.hidden = false;
  if (target.classList.contains("notice")) target.classList.add("notice--error");
  if (error?.code === "mfa_required") {
    target.append(error.message + " ", make("a", { text: "Set up two-step verification on your account page", attributes: { href: "/account#enrol" } }), ".");
  } else if (sessionEnded(error)) {
    target.append("Your session has ended. ", make("a", { text: "Sign in again", attributes: { href: "/signin?next=/admin" } }), ".");
  } else {
    target.textContent = error?.message || "Something went wrong. Try again.";
  }
}

function clearProblem(target) {
  target.replaceChildren();
  if (target.classList.contains("notice")) target.hidden = true;
}

/** Runs `work` with `button` busy (disabled, with a label saying what happens). */
async function busy(button, label, work) {
  const original = button.textContent;
  button.disabled = true;
  button.textContent = label;
  try {
    return await work();
  } finally {
    if (button.isConnected) {
      button.disabled = false;
      button.textContent = original;
    }
  }
}

// --- Confirmation dialog ---------------------------------------------------------------------------

const confirmDialog = byId("confirm-dialog");
let confirmAnswer = null;

/** Asks before a destructive change; resolves true when confirmed. */
function confirmAction({ title, text, action }) {
  byId("confirm-title").textContent = title;
  byId("confirm-text").textContent = text;
  byId("confirm-ok").textContent = action;
  return new Promise((resolve) => {
    confirmAnswer = resolve;
    confirmDialog.showModal();
    byId("confirm-cancel").focus();
  });
}

byId("confirm-ok").addEventListener("click", () => {
  const answer = confirmAnswer;
  confirmAnswer = null;
  confirmDialog.close();
  answer?.(true);
});
byId("confirm-cancel").addEventListener("click", () => confirmDialog.close());
confirmDialog.addEventListener("close", () => {
  const answer = confirmAnswer;
  confirmAnswer = null;
  answer?.(false);
});

// --- Session and permissions -----------------------------------------------------------------------

let session = null;
let organization = null;
let base = "";
const can = (permission) => organization?.permissions?.includes(permission) ?? false;

function outranks(member) {
  // Only an owner may act on another owner; the server says so too.
  return member.role === "owner" && organization.role !== "owner";
}

// --- Members ---------------------------------------------------------------------------------------

let members = [];

async function loadMembers() {
  const result = await getJSON(base + "/members");
  members = result.members;
  renderMembers();
}

function renderMembers() {
  const table = byId("members-table");
  const manage = ["members.change_role", "members.disable", "members.unlock", "members.end_sessions"].some(can);
  byId("members-actions-heading").hidden = !manage;
  byId("members-body").replaceChildren(...members.map((member) => memberRow(member, manage)));
  byId("members-loading").hidden = true;
  table.hidden = false;
}

function memberRow(member, manage) {
  const self = sameId(member.id, session.user.id);
  const row = make("tr", { attributes: { "data-member-id": member.id } });
  const name = make("th", { attributes: { scope: "row" } }, member.displayName);
  if (self) name.append(badge("You", "neutral"));
  row.append(name, cell("Email", make("span", { className: "break", text: member.email })));

  // Role: a select and a save button when this caller may change it, the role's name otherwise.
  if (can("members.change_role") && !self && !outranks(member)) {
    const select = make("select", { className: "input input--compact", attributes: { "aria-label": "Role of " + member.displayName, "data-role-select": "" } });
    for (const role of ["member", "auditor", "admin", "owner"]) {
      if (role === "owner" && organization.role !== "owner") continue;
      const option = make("option", { text: roleNames[role], attributes: { value: role } });
      option.selected = role === member.role;
      select.append(option);
    }
    const save = make("button", {
      className: "button button--small", text: "Save role",
      attributes: { type: "button", "data-action": "save-role", "aria-label": "Save the role of " + member.displayName },
    });
    save.disabled = true;
    select.addEventListener("change", () => { save.disabled = select.value === member.role; });
    save.addEventListener("click", () => changeRole(member, select.value, save));
    row.append(cell("Role", make("div", { className: "inline-controls" }, select, save)));
  } else {
    row.append(cell("Role", roleNames[member.role] ?? member.role));
  }

  const badges = make("div", { className: "badges" });
  badges.append(member.mfaEnabled ? badge("Two-step on") : badge("Two-step off", "neutral"));
  if (!member.emailVerified) badges.append(badge("Email not verified", "warning"));
  if (member.disabled) badges.append(badge("Disabled", "danger"));
  if (member.locked) badges.append(badge("Locked", "danger"));
  row.append(cell("Status", badges));

  if (manage) {
    const actions = make("div", { className: "row-actions" });
    const error = make("p", { className: "field__error", attributes: { id: "member-error-" + member.id, "aria-live": "polite" } });
    const button = (text, action, label, handler) => {
      const node = make("button", {
        className: "button button--small", text,
        attributes: { type: "button", "data-action": action, "aria-label": label, "aria-describedby": error.id },
      });
      node.addEventListener("click", () => handler(node));
      actions.append(node);
    };
    const mayDisable = can("members.disable") && !self && !outranks(member);
    if (mayDisable && !member.disabled) button("Disable", "disable", "Disable " + member.displayName, (node) => disableMember(member, node));
    if (mayDisable && member.disabled) button("Enable", "enable", "Enable " + member.displayName, (node) => enableMember(member, node));
    if (can("members.unlock") && member.locked) button("Unlock", "unlock", "Unlock " + member.displayName, (node) => unlockMember(member, node));
    if (can("members.end_sessions") && !self) {
      button("End sessions", "end-sessions", "Sign " + member.displayName + " out everywhere", (node) => endSessions(member, node));
    }
    // A row without actions (yourself, say) gets an empty cell, unlabelled on narrow screens.
    row.append(actions.childElementCount > 0 ? cell("Actions", actions, error) : make("td"));
  }
  return row;
}

/** Runs one change to a member: optional confirmation, step-up, then the list again with focus kept. */
async function memberChange(member, button, { confirm, busyLabel, request, done }) {
  const error = byId("member-error-" + member.id);
  clearProblem(error);
  if (confirm && !(await confirmAction(confirm))) {
    button.focus();
    return;
  }
  const action = button.dataset.action;
  try {
    const result = await busy(button, busyLabel, () => withStepUp(request));
    announce(done(result));
    auditStale = true;
  } catch (problem) {
    showProblem(error, problem);
    if (sessionEnded(problem)) return;
    button.focus();
    return;
  }
  await loadMembers().catch((problem) => showProblem(byId("members-message"), problem));
  const row = byId("members-body").querySelector(`tr[data-member-id="${CSS.escape(member.id)}"]`);
  // Focus stays on the same control, or on its counterpart (Disable becomes Enable), or in the row.
  const counterpart = { disable: "enable", enable: "disable" }[action];
  const target = row?.querySelector(`[data-action="${action}"]`) ?? row?.querySelector(`[data-action="${counterpart}"]`)
    ?? row?.querySelector("button, select") ?? status;
  if (target === status) status.setAttribute("tabindex", "-1");
  target.focus();
}

function changeRole(member, role, button) {
  return memberChange(member, button, {
    busyLabel: "Saving…",
    request: () => sendJSON("PATCH", base + "/members/" + member.id, { role }),
    // The answer is the member, possibly wrapped as {"member": …}.
    done: (updated) => member.displayName + " is now " + roleNouns[(updated?.member ?? updated)?.role ?? role] + ".",
  });
}

function disableMember(member, button) {
  return memberChange(member, button, {
    confirm: {
      title: "Disable " + member.displayName + "?",
      text: member.displayName + " is signed out everywhere at once and cannot sign in until someone enables the account again.",
      action: "Disable",
    },
    busyLabel: "Disabling…",
    request: () => postJSON(base + "/members/" + member.id + "/disable"),
    done: () => member.displayName + " is disabled and was signed out everywhere.",
  });
}

function enableMember(member, button) {
  return memberChange(member, button, {
    busyLabel: "Enabling…",
    request: () => postJSON(base + "/members/" + member.id + "/enable"),
    done: () => member.displayName + " can sign in again.",
  });
}

function unlockMember(member, button) {
  return memberChange(member, button, {
    busyLabel: "Unlocking…",
    request: () => postJSON(base + "/members/" + member.id + "/unlock"),
    done: () => member.displayName + " is unlocked and can try to sign in again.",
  });
}

function endSessions(member, button) {
  return memberChange(member, button, {
    confirm: {
      title: "Sign " + member.displayName + " out everywhere?",
      text: "Every session of " + member.displayName + " ends now, on every device. They can sign in again.",
      action: "End sessions",
    },
    busyLabel: "Ending…",
    request: () => postJSON(base + "/members/" + member.id + "/end-sessions"),
    done: (result) => {
      const ended = result?.ended ?? 0;
      return ended === 1 ? "1 session of " + member.displayName + " was ended."
        : ended + " sessions of " + member.displayName + " were ended.";
    },
  });
}

// --- Invitations -----------------------------------------------------------------------------------

const inviteForm = new Form(byId("invite-form"), ["inviteEmail", "inviteRole"], byId("invite-message"));

function invitationStatus(invitation) {
  if (invitation.acceptedAt) return { text: "Accepted", kind: null, pending: false };
  if (new Date(invitation.expiresAt) <= new Date()) return { text: "Expired", kind: "neutral", pending: false };
  return { text: "Pending", kind: "warning", pending: true };
}

async function loadInvitations() {
  const { invitations } = await getJSON(base + "/invitations");
  const sorted = invitations.slice().sort((a, b) => new Date(b.createdAt) - new Date(a.createdAt));
  byId("invitations-body").replaceChildren(...sorted.map(invitationRow));
  byId("invitations-loading").hidden = true;
  byId("invitations-empty").hidden = sorted.length > 0;
  byId("invitations-table").hidden = sorted.length === 0;
}

function invitationRow(invitation) {
  const state = invitationStatus(invitation);
  const row = make("tr", { attributes: { "data-invitation-id": invitation.id } });
  const error = make("p", { className: "field__error", attributes: { id: "invitation-error-" + invitation.id, "aria-live": "polite" } });
  const actions = make("div", { className: "row-actions" });
  if (state.pending) {
    const revoke = make("button", {
      className: "button button--small", text: "Revoke",
      attributes: { type: "button", "data-action": "revoke", "aria-label": "Revoke the invitation for " + invitation.email, "aria-describedby": error.id },
    });
    revoke.addEventListener("click", () => revokeInvitation(invitation, revoke));
    actions.append(revoke);
  }
  row.append(
    make("th", { attributes: { scope: "row" } }, make("span", { className: "break", text: invitation.email })),
    cell("Role", roleNames[invitation.role] ?? invitation.role),
    cell("Status", badge(state.text, state.kind)),
    cell("Sent", dateTime.format(new Date(invitation.createdAt))),
    cell("Expires", invitation.acceptedAt ? "—" : dateTime.format(new Date(invitation.expiresAt))),
    actions.childElementCount > 0 ? cell("Actions", actions, error) : make("td"),
  );
  return row;
}

async function revokeInvitation(invitation, button) {
  const error = byId("invitation-error-" + invitation.id);
  clearProblem(error);
  const confirmed = await confirmAction({
    title: "Revoke the invitation for " + invitation.email + "?",
    text: "The link in the email stops working at once. You can invite the address again later.",
    action: "Revoke",
  });
  if (!confirmed) {
    button.focus();
    return;
  }
  try {
    await busy(button, "Revoking…", () => withStepUp(() => deleteJSON(base + "/invitations/" + invitation.id)));
  } catch (problem) {
    showProblem(error, problem);
    button.focus();
    return;
  }
  announce("The invitation for " + invitation.email + " was revoked.");
  auditStale = true;
  await loadInvitations().catch((problem) => showProblem(byId("invite-message"), problem));
  byId("inviteEmail").focus();
}

inviteForm.onSubmit(async () => {
  if (!inviteForm.requireFilled(["inviteEmail"])) return;
  const email = inviteForm.value("inviteEmail").trim();
  const role = inviteForm.value("inviteRole");
  let created;
  try {
    created = await busy(byId("invite-submit"), "Sending…", () => withStepUp(() => postJSON(base + "/invitations", { email, role })));
  } catch (problem) {
    if (problem?.field === "email") inviteForm.showFieldError("inviteEmail", problem.message);
    else if (problem?.field === "role") inviteForm.showFieldError("inviteRole", problem.message);
    else showProblem(byId("invite-message"), problem);
    return;
  }
  byId("inviteEmail").value = "";
  announce("Invitation sent to " + (created?.email ?? email) + " as " + roleNouns[created?.role ?? role] + ".");
  auditStale = true;
  await loadInvitations().catch((problem) => showProblem(byId("invite-message"), problem));
});

// --- Security policy -------------------------------------------------------------------------------

const policyForm = new Form(byId("policy-form"), [
  "requireMFA", "allowSignup", "sessionIdleMinutes", "sessionAbsoluteHours",
  "passcodeRequired", "e2eeRequired", "waitingRoom", "whoMayRecord", "whoMayShareScreen", "chatMessageDays",
], byId("policy-message"));
let limits = {
  sessionIdleMinutes: { min: 5, max: 60 }, sessionAbsoluteHours: { min: 1, max: 24 }, chatMessageDays: { min: 1, max: 3650 },
};

function showPolicy(policy) {
  limits = policy.limits ?? limits;
  byId("requireMFA").checked = policy.requireMFA;
  byId("allowSignup").checked = policy.allowSignup;
  for (const [name, unit] of [["sessionIdleMinutes", "minutes"], ["sessionAbsoluteHours", "hours"]]) {
    const input = byId(name);
    input.min = String(limits[name].min);
    input.max = String(limits[name].max);
    input.value = String(policy[name]);
    byId(name + "-hint").textContent = "Between " + limits[name].min + " and " + limits[name].max + " " + unit + ".";
  }
  const days = byId("chatMessageDays");
  days.min = String(limits.chatMessageDays.min);
  days.max = String(limits.chatMessageDays.max);
  days.value = String(policy.retention?.chatMessageDays ?? 30);
  byId("chatMessageDays-hint").textContent = "Between " + limits.chatMessageDays.min + " and " + limits.chatMessageDays.max +
    " days. Older messages are deleted every hour; the audit log is kept separately.";
  const meetings = policy.meetings ?? {};
  byId("passcodeRequired").checked = !!meetings.passcodeRequired;
  byId("e2eeRequired").checked = !!meetings.e2eeRequired;
  byId("waitingRoom").value = meetings.waitingRoom ?? "off";
  byId("whoMayRecord").value = meetings.whoMayRecord ?? "hosts";
  byId("whoMayShareScreen").value = meetings.whoMayShareScreen ?? "hosts";
}

async function loadPolicy() {
  const policy = await getJSON(base + "/policy");
  showPolicy(policy);
  const readOnly = !can("policy.update");
  for (const control of policyForm.form.elements) control.disabled = readOnly;
  byId("policy-save").hidden = readOnly;
  byId("policy-readonly").hidden = !readOnly;
  byId("policy-loading").hidden = true;
  policyForm.form.hidden = false;
}

/** A whole number within the policy's limits, or null after marking the field. */
function boundedNumber(name) {
  const text = policyForm.value(name).trim();
  const { min, max } = limits[name];
  const value = Number(text);
  if (!text || !Number.isInteger(value) || value < min || value > max) {
    policyForm.showFieldError(name, "Enter a whole number from " + min + " to " + max + ".");
    return null;
  }
  return value;
}

policyForm.onSubmit(async () => {
  const absolute = boundedNumber("sessionAbsoluteHours");
  const idle = boundedNumber("sessionIdleMinutes");
  const chatDays = boundedNumber("chatMessageDays");
  if (idle === null || absolute === null || chatDays === null) return;
  const body = {
    requireMFA: byId("requireMFA").checked,
    allowSignup: byId("allowSignup").checked,
    sessionIdleMinutes: idle,
    sessionAbsoluteHours: absolute,
    meetings: {
      passcodeRequired: byId("passcodeRequired").checked,
      waitingRoom: byId("waitingRoom").value,
      whoMayRecord: byId("whoMayRecord").value,
      whoMayShareScreen: byId("whoMayShareScreen").value,
      e2eeRequired: byId("e2eeRequired").checked,
    },
    retention: { chatMessageDays: chatDays },
  };
  let saved;
  try {
    saved = await busy(byId("policy-save"), "Saving…", () => withStepUp(() => sendJSON("PUT", base + "/policy", body)));
  } catch (problem) {
    // The server names fields as in the body ("sessionIdleMinutes", "meetings.waitingRoom").
    const field = problem?.field?.split(".").pop();
    if (field && policyForm.fields.includes(field)) policyForm.showFieldError(field, problem.message);
    else showProblem(byId("policy-message"), problem);
    return;
  }
  if (saved) showPolicy(saved);
  announce("The security policy was saved.");
  auditStale = true;
});

// --- Audit log -------------------------------------------------------------------------------------

const auditForm = new Form(byId("audit-filters"), ["auditSince", "auditUntil"], byId("audit-message"));
let auditNext = null;
let auditQuery = new URLSearchParams();
let auditStale = true;
let actionsLoaded = false;

async function loadActions() {
  if (actionsLoaded) return;
  const { actions } = await getJSON(base + "/audit/actions");
  const select = byId("auditAction");
  const groups = new Map();
  for (const action of actions.slice().sort()) {
    const prefix = action.split(".")[0];
    if (!groups.has(prefix)) groups.set(prefix, []);
    groups.get(prefix).push(action);
  }
  for (const [prefix, names] of groups) {
    const group = make("optgroup", { attributes: { label: (groupNames[prefix] ?? prefix).replace(/^./, (c) => c.toUpperCase()) } });
    if (names.length > 1) group.append(make("option", { text: "Any " + (groupNames[prefix] ?? prefix) + " action", attributes: { value: prefix + "." } }));
    for (const name of names) group.append(make("option", { text: (actionNames[name] ?? name) + " (" + name + ")", attributes: { value: name } }));
    select.append(group);
  }
  actionsLoaded = true;
}

/**
 * Local midnight of an <input type=date> value as ISO 8601 in UTC, whole seconds (2026-11-27T23:00:00Z);
 * `nextDay` for the end of that day.
 */
function dayStart(value, nextDay = false) {
  const [year, month, day] = value.split("-").map(Number);
  return new Date(year, month - 1, day + (nextDay ? 1 : 0)).toISOString().replace(/\.\d+Z$/, "Z");
}

function targetText(target) {
  if (!target) return "—";
  const member = members.find((entry) => sameId(entry.id, target.id));
  return (target.type ? target.type + ": " : "") + (member ? member.displayName : target.id);
}

function auditRow(entry) {
  const when = new Date(entry.occurredAt);
  const time = make("time", { text: auditTime.format(when), attributes: { datetime: entry.occurredAt, title: formatUTC(when) } });
  const action = make("div", {},
    make("span", { text: actionNames[entry.action] ?? entry.action }),
    make("code", { className: "audit-code", text: entry.action }));
  const details = Object.entries(entry.details ?? {});
  if (details.length > 0) action.append(make("span", { className: "muted audit-details", text: details.map(([key, value]) => key + ": " + value).join(" · ") }));
  const outcomeKinds = { success: null, failure: "danger", denied: "warning" };
  const actor = entry.actor?.name ?? (entry.actor?.id ? entry.actor.id : "System");
  return make("tr", { attributes: { "data-sequence": String(entry.sequence), "data-action": entry.action } },
    cell("Time", time),
    cell("Action", action),
    cell("Outcome", badge(entry.outcome.replace(/^./, (c) => c.toUpperCase()), entry.outcome in outcomeKinds ? outcomeKinds[entry.outcome] : "neutral")),
    cell("By", actor),
    cell("Target", make("span", { className: "break", text: targetText(entry.target) })),
    cell("Address", entry.address ?? "—"),
  );
}

async function loadAudit(more = false) {
  const query = new URLSearchParams(auditQuery);
  query.set("limit", "50");
  if (more && auditNext !== null) query.set("before", String(auditNext));
  const { entries, next } = await getJSON(base + "/audit?" + query.toString());
  const body = byId("audit-body");
  const rows = entries.map(auditRow);
  if (more) body.append(...rows);
  else body.replaceChildren(...rows);
  auditNext = next ?? null;
  auditStale = false;
  byId("audit-loading").hidden = true;
  byId("audit-more").hidden = auditNext === null;
  byId("audit-empty").hidden = body.children.length > 0;
  byId("audit-table").hidden = body.children.length === 0;
  return rows;
}

auditForm.onSubmit(async () => {
  const since = byId("auditSince").value;
  const until = byId("auditUntil").value;
  if (since && until && since > until) {
    auditForm.showFieldError("auditUntil", "Choose a day on or after the “From” day.");
    return;
  }
  const query = new URLSearchParams();
  if (byId("auditAction").value) query.set("action", byId("auditAction").value);
  if (byId("auditOutcome").value) query.set("outcome", byId("auditOutcome").value);
  if (since) query.set("since", dayStart(since));
  if (until) query.set("until", dayStart(until, true));
  auditQuery = query;
  try {
    await busy(byId("audit-apply"), "Loading…", () => loadAudit());
  } catch (problem) {
    showProblem(byId("audit-message"), problem);
  }
});

byId("audit-more").addEventListener("click", async (event) => {
  const button = event.currentTarget;
  clearProblem(byId("audit-message"));
  try {
    const rows = await busy(button, "Loading…", () => loadAudit(true));
    // Keyboard users continue where the new entries start.
    const first = rows[0]?.querySelector("time");
    if (first) {
      first.setAttribute("tabindex", "-1");
      first.focus();
    } else if (!button.hidden) button.focus();
  } catch (problem) {
    showProblem(byId("audit-message"), problem);
  }
});

// --- Security reports ------------------------------------------------------------------------------

const reportStatuses = {
  received: { text: "Received", kind: "warning" },
  acknowledged: { text: "Acknowledged", kind: "neutral" },
  fixed: { text: "Fixed", kind: null },
  declined: { text: "Declined", kind: "neutral" },
};
let reports = [];
// Reports whose details are open; they stay open when the list is drawn again.
const openReports = new Set();

async function loadReports() {
  const result = await getJSON(base + "/security-reports");
  reports = result.reports ?? [];
  const body = byId("reports-body");
  body.replaceChildren(...reports.flatMap(reportRows));
  byId("reports-loading").hidden = true;
  byId("reports-empty").hidden = reports.length > 0;
  byId("reports-table").hidden = reports.length === 0;
  showOverdueCount();
}

function showOverdueCount() {
  const overdue = reports.filter((report) => report.overdue).length;
  const count = byId("reports-overdue");
  count.textContent = overdue === 1 ? "1 overdue" : overdue + " overdue";
  count.hidden = overdue === 0;
}

function reportTime(iso) {
  const when = new Date(iso);
  return make("time", { text: dateTime.format(when), attributes: { datetime: iso, title: formatUTC(when) } });
}

/** A report's row, and the full-width row under it that its details open in. */
function reportRows(report) {
  const state = reportStatuses[report.status] ?? { text: report.status, kind: "neutral" };
  const panelId = "report-panel-" + report.id;
  const expanded = openReports.has(report.id);
  const toggle = make("button", {
    className: "button button--small", text: expanded ? "Hide details" : "Show details",
    attributes: {
      type: "button", "data-toggle": "report-details", "aria-expanded": String(expanded), "aria-controls": panelId,
      "aria-label": (expanded ? "Hide the details of " : "Show the details of ") + report.reference,
    },
  });
  const panel = reportPanel(report, panelId);
  const details = make("tr", { className: "report-details", attributes: { "data-report-details": report.id } },
    make("td", { attributes: { colspan: "5" } }, panel));
  details.hidden = !expanded;
  toggle.addEventListener("click", () => {
    const open = details.hidden;
    details.hidden = !open;
    if (open) openReports.add(report.id);
    else openReports.delete(report.id);
    toggle.setAttribute("aria-expanded", String(open));
    toggle.textContent = open ? "Hide details" : "Show details";
    toggle.setAttribute("aria-label", (open ? "Hide the details of " : "Show the details of ") + report.reference);
  });

  const deadline = make("div", { className: "badges" }, reportTime(report.acknowledgeBy));
  if (report.overdue) deadline.append(badge("Overdue", "danger"));
  else if (report.acknowledgedAt) deadline.append(make("span", { className: "muted", text: "Acknowledged " + dateTime.format(new Date(report.acknowledgedAt)) }));

  const row = make("tr", { attributes: { "data-report-id": report.id } },
    make("th", { attributes: { scope: "row" } }, make("span", { className: "report-reference", text: report.reference })),
    cell("Received", reportTime(report.receivedAt)),
    cell("Status", badge(state.text, state.kind)),
    cell("Acknowledge by", deadline),
    cell("Summary", make("div", { className: "report-summary" }, make("span", { className: "break", text: report.summary }), toggle)),
  );
  return [row, details];
}

/** The expanded part of a row: the report itself, who sent it, and (for managers) the status form. */
function reportPanel(report, panelId) {
  const text = make("div", {
    className: "report-text", text: report.details,
    attributes: { tabindex: "0", role: "region", "aria-label": "Details of " + report.reference },
  });
  const contact = report.contact
    ? make("a", { className: "break", text: report.contact, attributes: { href: "mailto:" + report.contact } })
    : make("span", { className: "muted", text: "Not given" });
  const facts = make("dl", { className: "report-facts" },
    make("dt", { text: "Contact" }), make("dd", {}, contact),
    make("dt", { text: "Name" }), make("dd", { className: "break", text: report.name ?? "Not given" }),
    make("dt", { text: "Credit" }), make("dd", { text: report.creditPermitted ? "May be credited publicly" : "Not to be credited" }),
    make("dt", { text: "Status since" }), make("dd", {}, reportTime(report.statusChangedAt ?? report.receivedAt)),
  );
  const panel = make("div", { className: "report-panel", attributes: { id: panelId } }, text, facts);
  if (can("security_reports.manage")) panel.append(reportForm(report));
  return panel;
}

function reportForm(report) {
  const statusId = "report-status-" + report.id;
  const messageId = "report-message-" + report.id;
  const errorId = "report-error-" + report.id;
  const select = make("select", { className: "input input--compact", attributes: { id: statusId, "aria-describedby": statusId + "-error" } });
  // The likely next step is preselected: acknowledge a new report, then mark it fixed.
  const suggested = { received: "acknowledged", acknowledged: "fixed" }[report.status] ?? report.status;
  for (const value of ["acknowledged", "fixed", "declined"]) {
    const option = make("option", { text: reportStatuses[value].text, attributes: { value } });
    option.selected = value === suggested;
    select.append(option);
  }
  const message = make("textarea", {
    className: "input input--textarea input--short",
    attributes: { id: messageId, rows: "3", maxlength: "5000", "aria-describedby": messageId + "-hint " + messageId + "-error" },
  });
  const hint = report.contact
    ? "Optional. Emailed to the reporter."
    : "Optional. Emailed to the reporter, but this reporter left no address.";
  const problem = make("div", { className: "notice notice--error", attributes: { id: errorId, role: "alert", hidden: "" } });
  const submit = make("button", {
    className: "button button--primary button--small", text: "Update",
    attributes: { type: "submit", "data-action": "report-status", "aria-label": "Update " + report.reference, "aria-describedby": errorId },
  });
  const form = make("form", { className: "report-form", attributes: { novalidate: "", "aria-label": "Change the status of " + report.reference } },
    make("div", { className: "field" },
      make("label", { text: "New status", attributes: { for: statusId } }),
      select,
      make("p", { className: "field__error", attributes: { id: statusId + "-error", "aria-live": "polite" } })),
    make("div", { className: "field" },
      make("label", { text: "Message to the reporter", attributes: { for: messageId } }),
      message,
      make("p", { className: "field__hint", text: hint, attributes: { id: messageId + "-hint" } }),
      make("p", { className: "field__error", attributes: { id: messageId + "-error", "aria-live": "polite" } })),
    problem,
    make("div", { className: "row-actions" }, submit),
  );
  const fields = new Form(form, [statusId, messageId], problem);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    fields.clear();
    changeReportStatus(report, fields, submit);
  });
  return form;
}

async function changeReportStatus(report, fields, button) {
  const [statusId, messageId] = fields.fields;
  const status = byId(statusId).value;
  const text = byId(messageId).value.trim();
  const error = byId("report-error-" + report.id);
  clearProblem(error);
  let updated;
  try {
    const result = await busy(button, "Updating…", () => withStepUp(() =>
      postJSON(base + "/security-reports/" + encodeURIComponent(report.id) + "/status", { status, message: text || null })));
    updated = result?.report ?? result;
  } catch (problem) {
    if (problem?.field === "status") fields.showFieldError(statusId, problem.message);
    else if (problem?.field === "message") fields.showFieldError(messageId, problem.message);
    else {
      showProblem(error, problem);
      if (!sessionEnded(problem)) button.focus();
    }
    return;
  }
  auditStale = true;
  const sent = text && report.contact ? " The reporter was emailed." : "";
  announce("Report " + report.reference + " updated: " + (reportStatuses[updated?.status ?? status]?.text ?? status).toLowerCase() + "." + sent);
  // The row is drawn again from the server's answer, open, with focus back on its Update button.
  const index = reports.findIndex((entry) => sameId(entry.id, report.id));
  if (updated?.id && index >= 0) {
    reports[index] = updated;
    openReports.add(updated.id);
    const body = byId("reports-body");
    const row = body.querySelector(`tr[data-report-id="${CSS.escape(report.id)}"]`);
    const oldDetails = body.querySelector(`tr[data-report-details="${CSS.escape(report.id)}"]`);
    const [fresh, freshDetails] = reportRows(updated);
    row?.replaceWith(fresh, freshDetails);
    oldDetails?.remove();
    showOverdueCount();
    freshDetails.querySelector('[data-action="report-status"]')?.focus();
  } else {
    await loadReports().catch((problem) => showProblem(byId("reports-message"), problem));
  }
}

// --- Sections (tabs) -------------------------------------------------------------------------------

const tabs = [...document.querySelectorAll('[role="tab"]')];
const visibleTabs = () => tabs.filter((tab) => !tab.hidden);
const loaders = {
  members: { load: loadMembers, message: "members-message", loaded: false },
  invitations: { load: loadInvitations, message: "invite-message", loaded: false },
  policy: { load: loadPolicy, message: "policy-message", loaded: false },
  audit: {
    load: async () => {
      // Member names make the targets readable; the log still works without them.
      if (can("members.read") && members.length === 0) await loadMembers().catch(() => null);
      await loadActions();
      await loadAudit();
    },
    message: "audit-message",
    loaded: false,
  },
  reports: { load: loadReports, message: "reports-message", loaded: false },
};

async function ensureLoaded(section) {
  const loader = loaders[section];
  if (loader.loaded && !(section === "audit" && auditStale)) return;
  try {
    if (section === "audit" && loader.loaded) await loadAudit();
    else await loader.load();
    loader.loaded = true;
  } catch (problem) {
    if (sessionEnded(problem)) {
      location.assign("/signin?next=/admin");
      return;
    }
    showProblem(byId(loader.message), problem);
  }
}

function selectSection(section, { focus = false, remember = true } = {}) {
  for (const tab of tabs) {
    const selected = tab.dataset.section === section;
    tab.setAttribute("aria-selected", String(selected));
    tab.tabIndex = selected ? 0 : -1;
    byId(tab.getAttribute("aria-controls")).hidden = !selected;
    if (selected && focus) tab.focus();
  }
  if (remember) history.replaceState(null, "", "#" + section);
  return ensureLoaded(section);
}

for (const tab of tabs) {
  tab.addEventListener("click", () => selectSection(tab.dataset.section));
  tab.addEventListener("keydown", (event) => {
    const visible = visibleTabs();
    const index = visible.indexOf(tab);
    const moves = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: visible.length - 1 };
    if (!(event.key in moves)) return;
    event.preventDefault();
    const next = visible[(moves[event.key] + visible.length) % visible.length];
    selectSection(next.dataset.section, { focus: true });
  });
}

// --- Start -----------------------------------------------------------------------------------------

byId("sign-out").addEventListener("click", async () => {
  await postJSON("/api/v1/auth/sign-out").catch(() => null);
  location.assign("/signin");
});

function fail(text) {
  byId("admin-loading").hidden = true;
  const message = byId("admin-error");
  message.textContent = text;
  message.hidden = false;
}

function showNoAccess() {
  byId("admin-loading").hidden = true;
  if (session.user.organizationName) byId("no-access-organization").textContent = session.user.organizationName;
  byId("no-access").hidden = false;
}

async function start() {
  session = await loadSession().catch(() => null);
  if (!session?.stage || session.stage === "mfa") {
    location.assign("/signin?next=/admin");
    return;
  }
  if (session.stage === "enrol") {
    location.assign("/account#enrol");
    return;
  }
  base = "/api/v1/organizations/" + encodeURIComponent(session.user.organizationId);
  try {
    organization = await getJSON(base);
  } catch (problem) {
    if (problem instanceof ApiError && (problem.status === 403 || problem.status === 404)) {
      showNoAccess();
      return;
    }
    if (sessionEnded(problem)) {
      location.assign("/signin?next=/admin");
      return;
    }
    fail("The admin console could not load: " + problem.message);
    return;
  }

  const sections = {
    members: can("members.read"),
    invitations: can("members.invite"),
    policy: can("policy.read"),
    audit: can("audit.read"),
    reports: can("security_reports.read"),
  };
  if (!Object.values(sections).some(Boolean)) {
    showNoAccess();
    return;
  }
  for (const tab of tabs) tab.hidden = !sections[tab.dataset.section];
  byId("admin-organization").textContent = organization.name ?? session.user.organizationName;
  byId("admin-role").textContent = roleNouns[organization.role] ?? organization.role;
  byId("members-intro").textContent = ["members.change_role", "members.disable", "members.end_sessions"].some(can)
    ? "Everyone in your organisation. Disabling someone signs them out at once."
    : "Everyone in your organisation. You can see the list but not change it.";
  if (!can("security_reports.manage")) {
    byId("reports-intro").append(" You can read them but not change their status.");
  }
  if (can("audit.export")) {
    const exportLink = byId("audit-export");
    exportLink.href = base + "/audit/export";
    exportLink.hidden = false;
  }
  byId("admin-loading").hidden = true;
  byId("admin-console").hidden = false;

  const wanted = location.hash.slice(1);
  const first = sections[wanted] ? wanted : visibleTabs()[0].dataset.section;
  await selectSection(first, { remember: sections[wanted] === true });
}

await start();

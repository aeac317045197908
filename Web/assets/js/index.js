// The landing page: says whether this server still needs its owner account, and who is signed in.
// Signed in, it lists the meetings you host and lets you start, schedule, edit and end them; the
// organisation's floor is the server's to enforce, and its refusals appear next to the setting.
import { deleteJSON, getJSON, postJSON, sendJSON, setCsrfToken } from "./api.js";
import { Form } from "./forms.js";

const byId = (id) => document.getElementById(id);
const FIELDS = ["title", "scheduledFor", "passcodeRequired", "passcode", "whoMayJoin", "waitingRoom", "participantLimit", "whoMayShareScreen", "whoMayRecord", "e2ee"];
const SELECTS = ["whoMayJoin", "waitingRoom", "whoMayShareScreen", "whoMayRecord"];
const CHECKBOXES = ["passcodeRequired", "muteOnEntry", "chatEnabled", "allowRename", "e2ee"];
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

const [status, session] = await Promise.all([
  getJSON("/api/v1/setup/status").catch(() => null),
  getJSON("/api/v1/auth/session").catch(() => null),
]);
if (status?.setupRequired) {
  byId("setup-needed").hidden = false;
} else if (session?.user && session.stage === "active") {
  byId("signed-in-name").textContent = session.user.displayName;
  byId("signed-in").hidden = false;
  // The server decides what the console shows; the link is only for roles that can see something there.
  byId("admin-link").hidden = !["owner", "admin", "auditor"].includes(session.user.role);
  setCsrfToken(session.csrfToken);
  setUpMeetings(session);
} else {
  byId("signed-out").hidden = false;
  byId("signup").hidden = !session?.signupAllowed;
}

function make(tag, { className, text, attributes } = {}, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attributes ?? {})) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

function setUpMeetings(current) {
  const section = byId("meetings");
  section.hidden = false;
  const form = new Form(byId("meeting-form"), FIELDS, byId("meeting-form-message"));
  let editing = null; // the meeting being edited, or null when scheduling
  let ending = null;

  const say = (text) => {
    const box = byId("meetings-status");
    box.replaceChildren(...(Array.isArray(text) ? text : [text]));
    box.hidden = !text;
  };
  const fail = (text) => {
    byId("meetings-message").textContent = text;
    byId("meetings-message").hidden = !text;
  };

  async function load() {
    try {
      const { meetings } = await getJSON("/api/v1/meetings");
      byId("meetings-empty").hidden = meetings.length > 0;
      byId("meetings-list").replaceChildren(...meetings.map(row));
    } catch (error) {
      fail(error.message);
    }
  }

  function row(meeting) {
    const link = new URL("/m/" + meeting.id, location.origin).href;
    const linkId = "link-" + meeting.id;
    const when = meeting.scheduledFor ? dateTime.format(new Date(meeting.scheduledFor)) : "No set time";
    const badges = [];
    if (meeting.passcodeRequired) badges.push(make("span", { className: "badge badge--neutral", text: "Passcode" }));
    if (meeting.settings.waitingRoom !== "off") badges.push(make("span", { className: "badge badge--neutral", text: "Waiting room" }));
    if (meeting.settings.e2ee) badges.push(make("span", { className: "badge", text: "End-to-end encrypted" }));
    const copy = make("button", { className: "button button--small", text: "Copy invite link", attributes: { type: "button" } });
    copy.addEventListener("click", () => copyLink(link, byId(linkId), meeting.title));
    const edit = make("button", { className: "button button--small", text: "Edit", attributes: { type: "button", "aria-label": `Edit ${meeting.title}` } });
    edit.addEventListener("click", () => openForm(meeting));
    const end = make("button", { className: "button button--small button--danger", text: "End", attributes: { type: "button", "aria-label": `End ${meeting.title}` } });
    end.addEventListener("click", () => {
      ending = meeting;
      byId("end-meeting-name").textContent = meeting.title;
      byId("end-meeting-dialog").showModal();
    });
    return make("li", { className: "list__item meetings__item", attributes: { "data-meeting": meeting.id } },
      make("div", { className: "inline-form__grow" },
        make("span", { className: "list__title", text: meeting.title }),
        make("span", { className: "meetings__when", text: `${when} · number ${meeting.number}` }),
        make("span", { className: "badges" }, ...badges),
        make("label", { className: "visually-hidden", text: `Invite link for ${meeting.title}`, attributes: { for: linkId } }),
        make("input", { className: "input input--compact meetings__link", attributes: { id: linkId, value: link, readonly: "" } })),
      make("div", { className: "row-actions" },
        make("a", { className: "button button--primary button--small", text: "Join", attributes: { href: "/m/" + meeting.id, "aria-label": `Join ${meeting.title}` } }),
        copy, edit, end));
  }

  async function copyLink(link, input, title) {
    try {
      await navigator.clipboard.writeText(link);
    } catch {
      // Without clipboard permission, select the link so the person can copy it themselves.
      input.focus();
      input.select();
      say(`Press Ctrl+C (or ⌘C) to copy the link for “${title}”.`);
      return;
    }
    say(`Invite link for “${title}” copied.`);
  }

  function openForm(meeting = null) {
    editing = meeting;
    form.clear();
    const settings = meeting?.settings ?? {
      passcodeRequired: false, whoMayJoin: "anyone_with_link", waitingRoom: "off", whoMayShareScreen: "hosts", whoMayRecord: "hosts",
      muteOnEntry: false, chatEnabled: true, allowRename: true, participantLimit: 100, e2ee: false,
    };
    byId("title").value = meeting?.title ?? "";
    byId("scheduledFor").value = meeting?.scheduledFor ? toLocalInput(new Date(meeting.scheduledFor)) : "";
    byId("passcode").value = "";
    for (const name of SELECTS) byId(name).value = settings[name];
    for (const name of CHECKBOXES) byId(name).checked = Boolean(settings[name]);
    byId("participantLimit").value = String(settings.participantLimit);
    byId("meeting-form-title").textContent = meeting ? `Edit “${meeting.title}”` : "Schedule a meeting";
    byId("meeting-save").textContent = meeting ? "Save changes" : "Schedule";
    byId("passcode-hint").textContent = meeting?.passcodeRequired
      ? "Leave empty to keep the current passcode."
      : "Leave empty and the server makes one (shown once).";
    syncPasscode();
    byId("meeting-form").hidden = false;
    byId("schedule-meeting").setAttribute("aria-expanded", "true");
    byId("title").focus();
  }

  function closeForm() {
    byId("meeting-form").hidden = true;
    byId("schedule-meeting").setAttribute("aria-expanded", "false");
    editing = null;
  }

  function syncPasscode() {
    byId("passcode-row").hidden = !byId("passcodeRequired").checked;
  }

  function toLocalInput(date) {
    const pad = (n) => String(n).padStart(2, "0");
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
  }

  function passcodeNotice(created, lead) {
    if (!created.passcode) return lead;
    return [lead + " Its passcode is ", make("span", { className: "passcode-once", text: created.passcode }), " — write it down: it is shown only once."];
  }

  byId("passcodeRequired").addEventListener("change", syncPasscode);
  byId("schedule-meeting").addEventListener("click", () => (byId("meeting-form").hidden ? openForm() : closeForm()));
  byId("meeting-cancel").addEventListener("click", closeForm);
  byId("new-meeting").addEventListener("click", async () => {
    fail("");
    const button = byId("new-meeting");
    button.disabled = true;
    try {
      const created = await postJSON("/api/v1/meetings", { title: `${current.user.displayName}'s meeting` });
      if (created.passcode) {
        say(passcodeNotice(created, `“${created.title}” is ready.`));
        await load();
      } else {
        location.assign("/m/" + created.id);
      }
    } catch (error) {
      fail(error.message);
    } finally {
      button.disabled = false;
    }
  });

  form.onSubmit(async () => {
    if (!form.requireFilled(["title"])) return;
    const limit = Number.parseInt(byId("participantLimit").value, 10);
    if (!Number.isInteger(limit)) {
      form.showFieldError("participantLimit", "Enter a number between 2 and 500.");
      return;
    }
    const settings = { participantLimit: limit };
    for (const name of SELECTS) settings[name] = byId(name).value;
    for (const name of CHECKBOXES) settings[name] = byId(name).checked;
    const body = { title: byId("title").value.trim(), settings };
    const when = byId("scheduledFor").value;
    if (when) body.scheduledFor = new Date(when).toISOString();
    else if (editing?.scheduledFor) body.clearSchedule = true;
    const passcode = byId("passcode").value.trim();
    if (settings.passcodeRequired && passcode) body.passcode = passcode;
    const meeting = editing;
    const saved = await form.run(meeting ? "Saving…" : "Scheduling…", () =>
      meeting ? sendJSON("PATCH", "/api/v1/meetings/" + meeting.id, body) : postJSON("/api/v1/meetings", body));
    if (!saved) return;
    closeForm();
    say(passcodeNotice(saved, meeting ? `Saved “${saved.title}”.` : `Scheduled “${saved.title}”.`));
    await load();
    byId("meetings-title").focus?.();
  });

  byId("end-meeting-cancel").addEventListener("click", () => byId("end-meeting-dialog").close());
  byId("end-meeting-confirm").addEventListener("click", async () => {
    byId("end-meeting-dialog").close();
    if (!ending) return;
    try {
      await deleteJSON("/api/v1/meetings/" + ending.id);
      say(`Ended “${ending.title}”. Everyone in it has left.`);
      await load();
    } catch (error) {
      fail(error.message);
    }
  });

  load();
}

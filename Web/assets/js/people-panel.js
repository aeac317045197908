// The People panel: who is in the meeting and, for hosts and co-hosts, the waiting list, an Actions
// menu per person and the meeting's controls. Rebuilt only when what it shows changed, keeping the
// keyboard user's focus and open menus across rebuilds.
import { byId, make } from "./dom.js";
import { initials, tileOrder } from "./layout.js";
import { isModerator, me, recordingRule } from "./meeting-state.js";

let lastSignature = "";

function personRow(participant, actions, you) {
  const mine = participant.seat === you;
  const states = [
    participant.role === "host" ? "Host" : participant.role === "co_host" ? "Co-host" : participant.role === "guest" ? "Guest" : null,
    participant.handRaised ? "Hand raised" : null, participant.audioMuted ? "Muted" : null, participant.videoOn ? null : "Camera off",
    participant.sharingScreen ? "Presenting" : null,
  ].filter(Boolean);
  const row = make("li", { className: "people__item", attributes: { "data-seat": participant.seat } },
    make("span", { className: "people__avatar", text: initials(participant.displayName), attributes: { "aria-hidden": "true" } }),
    make("span", { className: "people__name" }, participant.displayName + (mine ? " (you)" : ""),
      make("span", { className: "people__states", text: states.join(" · ") })));
  if (actions.length) {
    const menu = make("details", { className: "menu" },
      make("summary", { className: "button button--small", text: "Actions", attributes: { "aria-label": `Actions for ${participant.displayName}` } }),
      make("div", { className: "menu__items" }, ...actions));
    row.append(menu);
  }
  return row;
}

function actionButton(text, key, handler, danger = false) {
  const button = make("button", { className: "button button--small" + (danger ? " button--danger" : ""), text, attributes: { type: "button", "data-action": key } });
  button.addEventListener("click", handler);
  return button;
}

function moderatorActions(state, participant, { act, remove }) {
  const self = me(state);
  if (!isModerator(self) || participant.seat === state.seat) return [];
  const name = participant.displayName;
  const seat = participant.seat;
  const actions = [];
  if (!participant.audioMuted) actions.push(actionButton("Mute", `mute:${seat}`, () => act("mute", { seat }, `You muted ${name}.`)));
  else actions.push(actionButton("Ask to unmute", `ask:${seat}`, () => act("ask_to_unmute", { seat }, `You asked ${name} to unmute.`)));
  if (participant.videoOn) actions.push(actionButton("Stop video", `video:${seat}`, () => act("stop_video", { seat }, `You stopped ${name}'s video.`)));
  if (participant.sharingScreen) actions.push(actionButton("Stop screen share", `share:${seat}`, () => act("stop_participant_screen_share", { seat }, `You stopped ${name}'s screen share.`)));
  if (participant.handRaised) actions.push(actionButton("Lower hand", `hand:${seat}`, () => act("lower_participant_hand", { seat }, `You lowered ${name}'s hand.`)));
  if (self.role === "host" && participant.role === "participant") actions.push(actionButton("Make co-host", `cohost:${seat}`, () => act("make_co_host", { seat }, `${name} is now a co-host.`)));
  if (self.role === "host" && participant.role === "co_host") actions.push(actionButton("Remove as co-host", `uncohost:${seat}`, () => act("remove_co_host", { seat }, `${name} is no longer a co-host.`)));
  if (self.role === "host" || !isModerator(participant)) {
    actions.push(actionButton("Remove from meeting", `remove:${seat}`, () => remove(participant), true));
  }
  return actions;
}

/**
 * Renders the People panel for `state`: everyone in the meeting, and for hosts and co-hosts the
 * waiting list, per-person actions and the meeting controls. `handlers`: `act(type, fields, success)`,
 * `remove(participant)` (asks first), `rename(participant)`.
 */
export function renderPeople(state, handlers) {
  const self = me(state);
  const moderator = isModerator(self);
  const signature = JSON.stringify([state.participants, state.waiting, self.role, state.locked, state.recording, state.settings]);
  if (signature === lastSignature) return;
  lastSignature = signature;
  // Rebuilding the lists must not lose the keyboard user's place or an open menu.
  const focused = document.activeElement?.closest?.("#panel-people") ? document.activeElement : null;
  const focusKey = focused?.dataset.action ?? (focused?.tagName === "SUMMARY" ? "summary:" + focused.closest("[data-seat]")?.dataset.seat : null);
  const openMenus = new Set([...document.querySelectorAll("#people-list details[open]")].map((d) => d.closest("[data-seat]").dataset.seat));

  byId("people-count").textContent = String(state.participants.length);
  const people = byId("people-list");
  people.replaceChildren(...tileOrder(state.participants, state.seat).map((p) => {
    const row = personRow(p, moderatorActions(state, p, handlers), state.seat);
    // Renaming is the meeting's choice, and only for people with an account (docs/signaling.md).
    if (p.seat === state.seat && state.settings?.allowRename && p.role !== "guest") {
      row.append(actionButton("Rename", "rename", () => handlers.rename(p)));
    }
    return row;
  }));
  for (const details of people.querySelectorAll("details")) if (openMenus.has(details.closest("[data-seat]").dataset.seat)) details.open = true;

  byId("host-controls").hidden = !moderator;
  if (moderator) {
    byId("waiting-count").textContent = String(state.waiting.length);
    byId("waiting-empty").hidden = state.waiting.length > 0;
    byId("admit-all").hidden = state.waiting.length < 2;
    byId("waiting-list").replaceChildren(...state.waiting.map((person) => {
      const row = make("li", { className: "people__item", attributes: { "data-seat": person.seat } },
        make("span", { className: "people__avatar", text: initials(person.displayName), attributes: { "aria-hidden": "true" } }),
        make("span", { className: "people__name", text: person.displayName }));
      row.append(make("span", { className: "row-actions" },
        actionButton("Admit", `admit:${person.seat}`, () => handlers.act("admit", { seat: person.seat }, `You admitted ${person.displayName}.`)),
        actionButton("Deny", `deny:${person.seat}`, () => handlers.act("deny", { seat: person.seat }, `You did not let ${person.displayName} in.`))));
      return row;
    }));
    const lock = byId("lock-toggle");
    lock.textContent = state.locked ? "Unlock meeting" : "Lock meeting";
    lock.setAttribute("aria-pressed", String(state.locked));
    const recording = recordingRule(state);
    const recordButton = byId("recording-toggle");
    recordButton.textContent = state.recording ? "Stop recording" : "Start recording";
    recordButton.setAttribute("aria-pressed", String(state.recording));
    recordButton.disabled = !recording.allowed;
    byId("recording-reason").textContent = recording.allowed ? "" : recording.reason;
    byId("share-rule").value = state.settings?.whoMayShareScreen ?? "hosts";
    byId("end-for-all").hidden = self.role !== "host";
  }
  if (focusKey) {
    const target = focusKey.startsWith("summary:")
      ? document.querySelector(`#people-list [data-seat="${CSS.escape(focusKey.slice(8))}"] summary`)
      : document.querySelector(`#panel-people [data-action="${CSS.escape(focusKey)}"]`);
    (target ?? byId("panel-people-title").parentElement.querySelector("button")).focus();
  }
}

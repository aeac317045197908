// The meeting as this client knows it, and how each server message changes it. Pure: `reduce` returns
// the next state and the notices the page should show or announce, so every rule is unit-tested.
//
// Notice kinds: "announce" (screen readers only, through the live region), "toast" (visible and
// announced), "banner" (a host acted on you; stays until dismissed), "consent" (recording started:
// ask to consent or leave).

export function initialState() {
  return {
    phase: "joining", // joining → waiting → in_meeting → over
    seat: null,
    title: "",
    settings: null,
    locked: false,
    recording: false,
    participants: [],
    waiting: [],
    chat: [],
    final: null, // the event that ended our time in the meeting (removed, denied, ended, session_ended)
  };
}

/** The state after a `join` or `resume` answer (`ok` with seat, status, meeting or title). */
export function applyJoinAnswer(state, answer) {
  const next = { ...state, seat: answer.seat };
  if (answer.status === "in_meeting" && answer.meeting) return fromSnapshot(next, answer.meeting);
  return { ...next, phase: "waiting", title: answer.title ?? answer.meeting?.title ?? state.title };
}

function fromSnapshot(state, meeting) {
  return {
    ...state,
    phase: "in_meeting",
    seat: meeting.you ?? state.seat,
    title: meeting.title,
    settings: meeting.settings,
    locked: meeting.locked,
    recording: meeting.recording,
    participants: meeting.participants,
    media: meeting.media ?? null, // ICE servers once the server has media (docs/signaling.md)
  };
}

/**
 * After a resume: the microphone and camera state (`{audioMuted?, videoOn?}`) to send again because the
 * server's view of you (`after`) lost what you had (`before`) — a server restart brings seats back
 * muted with the camera off — or null when they agree.
 */
export function mediaToReassert(before, after) {
  if (!before || !after) return null;
  const fields = {};
  if (before.audioMuted !== after.audioMuted) fields.audioMuted = before.audioMuted;
  if (before.videoOn !== after.videoOn) fields.videoOn = before.videoOn;
  return Object.keys(fields).length ? fields : null;
}

export function me(state) {
  return state.participants.find((p) => p.seat === state.seat) ?? null;
}

export function isModerator(participant) {
  return participant?.role === "host" || participant?.role === "co_host";
}

export function nameOf(state, seat) {
  return state.participants.find((p) => p.seat === seat)?.displayName ?? state.waiting.find((p) => p.seat === seat)?.displayName ?? "Someone";
}

/** "The host" or "A co-host": who acted on you, as a banner names them. */
export function actorLabel(state, seat) {
  const actor = state.participants.find((p) => p.seat === seat);
  return actor?.role === "co_host" ? "A co-host" : "The host";
}

/** Whether you may share your screen now, and if not, why: `{allowed, reason}`. */
export function screenShareRule(state) {
  if (isModerator(me(state)) || state.settings?.whoMayShareScreen === "everyone") return { allowed: true, reason: "" };
  return { allowed: false, reason: "Only the host and co-hosts can share their screen in this meeting." };
}

/** Whether you may start or stop recording, and if not, why. */
export function recordingRule(state) {
  if (!isModerator(me(state))) return { allowed: false, reason: "Only the host and co-hosts can record." };
  if (state.settings?.e2ee) return { allowed: false, reason: "End-to-end encrypted meetings can't be recorded." };
  if (state.settings?.whoMayRecord !== "hosts") return { allowed: false, reason: "Recording is off for this meeting." };
  return { allowed: true, reason: "" };
}

function replaceParticipant(list, participant) {
  const index = list.findIndex((p) => p.seat === participant.seat);
  if (index === -1) return [...list, participant];
  return list.map((p, i) => (i === index ? participant : p));
}

/** The next state and notices for one server message (an `event`). Unknown events change nothing. */
export function reduce(state, message) {
  const notices = [];
  const say = (kind, text, extra = {}) => notices.push({ kind, text, ...extra });
  const mine = (seat) => seat === state.seat;
  let next = state;

  switch (message.event) {
    case "waiting":
      next = { ...state, phase: "waiting", title: message.title ?? state.title };
      break;
    case "admitted":
      next = fromSnapshot(state, message.meeting);
      say("toast", "You're in the meeting.");
      if (next.recording) say("consent", "This meeting is being recorded.");
      break;
    case "participant_joined": {
      const participant = message.participant;
      next = { ...state, participants: replaceParticipant(state.participants, participant), waiting: state.waiting.filter((p) => p.seat !== participant.seat) };
      if (!mine(participant.seat)) say("announce", `${participant.displayName} joined`);
      break;
    }
    case "participant_changed": {
      const participant = message.participant;
      const before = state.participants.find((p) => p.seat === participant.seat);
      next = { ...state, participants: replaceParticipant(state.participants, participant) };
      const who = mine(participant.seat) ? "You" : participant.displayName;
      if (before && !before.handRaised && participant.handRaised) say("announce", `${who} raised ${mine(participant.seat) ? "your" : "their"} hand`);
      if (before && before.handRaised && !participant.handRaised) say("announce", `${who} lowered ${mine(participant.seat) ? "your" : "their"} hand`);
      if (before && before.role !== participant.role && mine(participant.seat)) {
        if (participant.role === "co_host") say("toast", "You are now a co-host.");
        else if (participant.role === "host") say("toast", "You are now the host.");
      }
      break;
    }
    case "participant_left": {
      const name = nameOf(state, message.seat);
      next = { ...state, participants: state.participants.filter((p) => p.seat !== message.seat) };
      if (message.reason === "removed") say("announce", `${name} was removed from the meeting`);
      else if (message.reason !== "ended" && message.reason !== "denied") say("announce", `${name} left`);
      break;
    }
    case "waiting_list": {
      const known = new Set(state.waiting.map((p) => p.seat));
      next = { ...state, waiting: message.waiting };
      for (const person of message.waiting) if (!known.has(person.seat)) say("toast", `${person.displayName} is waiting to join.`);
      break;
    }
    case "chat":
      next = { ...state, chat: [...state.chat, { from: message.from, name: message.name, text: message.text, mine: mine(message.from) }] };
      if (!mine(message.from)) say("announce", `${message.name} says: ${message.text}`);
      break;
    case "muted_by_host":
      next = { ...state, participants: state.participants.map((p) => (mine(p.seat) ? { ...p, audioMuted: true } : p)) };
      say("banner", `${actorLabel(state, message.by)} muted you.`, { id: "muted" });
      break;
    case "asked_to_unmute":
      say("banner", `${actorLabel(state, message.by)} asks you to unmute.`, { id: "unmute", action: "unmute" });
      break;
    case "video_stopped_by_host":
      next = { ...state, participants: state.participants.map((p) => (mine(p.seat) ? { ...p, videoOn: false } : p)) };
      say("banner", `${actorLabel(state, message.by)} stopped your video.`, { id: "video" });
      break;
    case "screen_share_stopped_by_host":
      next = { ...state, participants: state.participants.map((p) => (mine(p.seat) ? { ...p, sharingScreen: false } : p)) };
      say("banner", `${actorLabel(state, message.by)} stopped your screen share.`, { id: "share" });
      break;
    case "lock_changed":
      next = { ...state, locked: message.locked };
      say("toast", mine(message.by)
        ? (message.locked ? "You locked the meeting. No one new can join." : "You unlocked the meeting.")
        : (message.locked ? `${nameOf(state, message.by)} locked the meeting.` : `${nameOf(state, message.by)} unlocked the meeting.`));
      break;
    case "recording_changed":
      next = { ...state, recording: message.recording };
      if (message.recording) {
        say("toast", mine(message.by) ? "You started recording." : `${nameOf(state, message.by)} started recording.`);
        if (!mine(message.by)) say("consent", "This meeting is being recorded.");
      } else {
        say("toast", mine(message.by) ? "You stopped recording." : "Recording stopped.");
      }
      break;
    case "settings_changed": {
      const before = state.settings;
      next = { ...state, settings: message.settings };
      if (before?.whoMayShareScreen !== message.settings.whoMayShareScreen) {
        say("toast", message.settings.whoMayShareScreen === "everyone" ? "Everyone can share their screen now." : "Only the host and co-hosts can share their screen now.");
      }
      if (before && before.chatEnabled !== message.settings.chatEnabled) say("toast", message.settings.chatEnabled ? "Chat is on." : "Chat is off.");
      break;
    }
    case "host_changed": {
      const coHosts = new Set(message.coHosts ?? []);
      const role = (p) => {
        if (p.seat === message.host) return "host";
        if (coHosts.has(p.seat)) return "co_host";
        return p.role === "host" || p.role === "co_host" ? "participant" : p.role;
      };
      next = { ...state, participants: state.participants.map((p) => ({ ...p, role: role(p) })) };
      const before = me(state)?.role;
      const after = me(next)?.role;
      if (before !== after && after === "co_host") say("toast", "You are now a co-host.");
      if (before !== after && after === "host") say("toast", "You are now the host.");
      break;
    }
    case "removed":
    case "denied":
    case "ended":
    case "session_ended":
      next = { ...state, phase: "over", final: message };
      break;
    default:
      break;
  }
  return { state: next, notices };
}

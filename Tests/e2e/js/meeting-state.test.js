import { deepEqual, equal, ok, test } from "./harness.js";
import { applyJoinAnswer, initialState, me, mediaToReassert, recordingRule, reduce, screenShareRule } from "../../../Web/assets/js/meeting-state.js";

const SETTINGS = { whoMayShareScreen: "hosts", whoMayRecord: "hosts", chatEnabled: true, e2ee: false };
const person = (seat, name, extra = {}) => ({
  seat, displayName: name, role: "participant", status: "in_meeting", audioMuted: false, videoOn: true, sharingScreen: false, handRaised: false, ...extra,
});
const HOST = person("H", "Ada Lovelace", { role: "host" });
const ME = person("M", "Grace Hopper");

function inMeeting(participants = [HOST, ME], settings = SETTINGS) {
  return applyJoinAnswer(initialState(), {
    seat: "M", status: "in_meeting", resumeToken: "t",
    meeting: { title: "Weekly", settings, locked: false, recording: false, you: "M", participants },
  });
}

function apply(state, ...events) {
  const notices = [];
  for (const event of events) {
    const result = reduce(state, { type: "event", ...event });
    state = result.state;
    notices.push(...result.notices);
  }
  return { state, notices };
}

test("state: a waiting join answer knows only the title", () => {
  const state = applyJoinAnswer(initialState(), { seat: "M", status: "waiting", title: "Weekly" });
  equal(state.phase, "waiting");
  equal(state.title, "Weekly");
  deepEqual(state.participants, []);
});

test("state: admitted brings the snapshot and a toast", () => {
  const waiting = applyJoinAnswer(initialState(), { seat: "M", status: "waiting", title: "Weekly" });
  const { state, notices } = apply(waiting, { event: "admitted", meeting: { title: "Weekly", settings: SETTINGS, locked: true, recording: false, you: "M", participants: [HOST, ME] } });
  equal(state.phase, "in_meeting");
  equal(state.locked, true);
  equal(me(state).displayName, "Grace Hopper");
  equal(notices[0].kind, "toast");
});

test("state: joins, leaves and removals are announced by name", () => {
  const { state, notices } = apply(inMeeting(),
    { event: "participant_joined", participant: person("B", "Alan Turing") },
    { event: "participant_left", seat: "B", reason: "removed" },
    { event: "participant_joined", participant: person("C", "Edsger Dijkstra") },
    { event: "participant_left", seat: "C", reason: "left" });
  deepEqual(notices.map((n) => n.text), ["Alan Turing joined", "Alan Turing was removed from the meeting", "Edsger Dijkstra joined", "Edsger Dijkstra left"]);
  equal(state.participants.length, 2);
});

test("state: hand raises are announced, other changes are not", () => {
  const { notices } = apply(inMeeting(),
    { event: "participant_changed", participant: { ...HOST, handRaised: true } },
    { event: "participant_changed", participant: { ...HOST, handRaised: true, audioMuted: true } },
    { event: "participant_changed", participant: { ...HOST, handRaised: false, audioMuted: true } });
  deepEqual(notices.map((n) => n.text), ["Ada Lovelace raised their hand", "Ada Lovelace lowered their hand"]);
});

test("state: the host muting you gives a banner and marks you muted", () => {
  const { state, notices } = apply(inMeeting(), { event: "muted_by_host", by: "H" });
  equal(me(state).audioMuted, true);
  equal(notices[0].kind, "banner");
  equal(notices[0].text, "The host muted you.");
});

test("state: ask to unmute offers an unmute action and does not unmute", () => {
  const muted = inMeeting([HOST, { ...ME, audioMuted: true }]);
  const { state, notices } = apply(muted, { event: "asked_to_unmute", by: "H" });
  equal(me(state).audioMuted, true);
  equal(notices[0].action, "unmute");
});

test("state: chat from others is announced, your own is marked mine", () => {
  const { state, notices } = apply(inMeeting(),
    { event: "chat", from: "H", name: "Ada Lovelace", text: "Hello" },
    { event: "chat", from: "M", name: "Grace Hopper", text: "Hi" });
  equal(state.chat.length, 2);
  equal(state.chat[1].mine, true);
  deepEqual(notices.map((n) => n.text), ["Ada Lovelace says: Hello"]);
});

test("state: recording by someone else asks for consent", () => {
  const { state, notices } = apply(inMeeting(), { event: "recording_changed", recording: true, by: "H" });
  equal(state.recording, true);
  ok(notices.some((n) => n.kind === "consent"));
  const own = apply(inMeeting([{ ...HOST, seat: "M" }]), { event: "recording_changed", recording: true, by: "M" });
  equal(own.notices.some((n) => n.kind === "consent"), false);
});

test("state: the waiting list toasts newcomers only once", () => {
  const guest = person("W", "Guest Bob", { role: "guest", status: "waiting" });
  const { state, notices } = apply(inMeeting(), { event: "waiting_list", waiting: [guest] }, { event: "waiting_list", waiting: [guest] });
  equal(state.waiting.length, 1);
  deepEqual(notices.map((n) => n.text), ["Guest Bob is waiting to join."]);
});

test("state: screen sharing rule follows role and settings", () => {
  equal(screenShareRule(inMeeting()).allowed, false);
  ok(screenShareRule(inMeeting()).reason.includes("Only the host"));
  const everyone = apply(inMeeting(), { event: "settings_changed", settings: { ...SETTINGS, whoMayShareScreen: "everyone" }, by: "H" });
  equal(screenShareRule(everyone.state).allowed, true);
  equal(everyone.notices[0].text, "Everyone can share their screen now.");
  const coHost = apply(inMeeting(), { event: "host_changed", host: "H", coHosts: ["M"] });
  equal(me(coHost.state).role, "co_host");
  equal(screenShareRule(coHost.state).allowed, true);
  equal(coHost.notices[0].text, "You are now a co-host.");
});

test("state: recording rule refuses participants and E2EE meetings", () => {
  equal(recordingRule(inMeeting()).allowed, false);
  const host = inMeeting([{ ...HOST, seat: "M" }]);
  equal(recordingRule(host).allowed, true);
  const e2ee = inMeeting([{ ...HOST, seat: "M" }], { ...SETTINGS, e2ee: true });
  equal(recordingRule(e2ee).allowed, false);
});

test("state: removed, denied, ended end our time in the meeting", () => {
  for (const event of [{ event: "removed", mayRejoin: false }, { event: "denied" }, { event: "ended", by: "H" }, { event: "session_ended" }]) {
    const { state } = apply(inMeeting(), event);
    equal(state.phase, "over");
    equal(state.final.event, event.event);
  }
});

test("state: lock changes say who locked", () => {
  const { state, notices } = apply(inMeeting(), { event: "lock_changed", locked: true, by: "H" });
  equal(state.locked, true);
  equal(notices[0].text, "Ada Lovelace locked the meeting.");
});

test("state: unknown events change nothing", () => {
  const before = inMeeting();
  const { state, notices } = reduce(before, { type: "event", event: "something_new" });
  equal(state, before);
  equal(notices.length, 0);
});

test("state: after a resume, the microphone and camera state the server lost is sent again", () => {
  const had = { audioMuted: false, videoOn: true };
  deepEqual(mediaToReassert(had, { audioMuted: true, videoOn: false }), { audioMuted: false, videoOn: true });
  deepEqual(mediaToReassert({ audioMuted: true, videoOn: false }, { audioMuted: false, videoOn: false }), { audioMuted: true });
  equal(mediaToReassert(had, { ...had }), null);
  equal(mediaToReassert(null, had), null);
});

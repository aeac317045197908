// The meeting page (/m/{id}): join (name, passcode, device check), the waiting room, the meeting room
// with its host controls, reconnection, and the final screens. The server decides everything; this
// page shows the outcome of each message (meeting-state.js) and answers every action with feedback.
import { ApiError, getJSON, postJSON, setCsrfToken } from "./api.js";
import { SignalingSocket } from "./signaling.js";
import { applyJoinAnswer, initialState, isModerator, me, mediaToReassert, reduce, screenShareRule } from "./meeting-state.js";
import { SHORTCUTS, keyLabel, shortcutFor } from "./shortcuts.js";
import { backoffDelay, finalScreen, shouldResume, withinResumeWindow } from "./reconnect.js";
import { MediaSession, shouldRecover } from "./media.js";
import { drawIcons } from "./icons.js";
import { byId, make } from "./dom.js";
import { announce, banner, clearBanners, toast } from "./feedback.js";
import { layoutTiles, renderTiles as drawTiles } from "./tile-grid.js";
import { renderPeople as drawPeople } from "./people-panel.js";
import { DeviceCheck } from "./device-check.js";
import { E2EESession } from "./e2ee-session.js";
import { E2EETransforms, UNSUPPORTED_MESSAGE, e2eeSupport } from "./e2ee-transform.js";

const meetingId = decodeURIComponent(location.pathname.split("/")[2] ?? "");
const SCREENS = ["loading", "prejoin", "waiting", "room", "final"];
const FINAL_EVENTS = new Set(["removed", "denied", "ended", "session_ended"]);

let state = initialState();
let socket = null;
let resumeToken = null;
let signalingURL = null;
let leaving = false;
let finalEvent = null;
let session = null;
let devices = null; // the device check; its stream is what the room sends
let devicesReady = Promise.resolve(); // settles when the device check has its stream (or gave up)
let media = null;
let mediaUnavailable = false;
const remoteTracks = new Map(); // "<seat in lower case> <source>" → MediaStreamTrack
let screenTrack = null;
let tilePage = 0;
let openPanel = null;
let chatRendered = 0;
let unread = 0;
let pendingRemoval = null;
let e2ee = null; // E2EESession in an end-to-end encrypted meeting
let e2eeTransforms = null; // its media worker
let e2eeBlocked = false; // this browser cannot join an E2EE meeting
let chatChain = Promise.resolve(); // encrypted chat is decrypted in arrival order

function show(screen) {
  for (const id of SCREENS) byId(id).hidden = id !== screen;
  document.body.classList.toggle("body--room", screen === "room");
}

// --- Feedback ------------------------------------------------------------------------------------

function handleNotices(notices) {
  for (const notice of notices) {
    if (notice.kind === "announce") announce(notice.text);
    else if (notice.kind === "toast") toast(notice.text);
    else if (notice.kind === "banner") banner(notice, () => me(state)?.audioMuted && toggleMic());
    else if (notice.kind === "consent") askConsent();
  }
}

/** Sends a command; toasts `success` (text or function of the answer) or the server's refusal. */
async function act(type, fields = {}, success = null) {
  try {
    const answer = await socket.request(type, fields);
    if (success) toast(typeof success === "function" ? success(answer) : success, "success");
    return answer;
  } catch (error) {
    // The meeting ending (or our leaving) closes the socket before some answers arrive; the final screen says enough.
    if (!(error.code === "closed" && (leaving || finalEvent))) toast(error.message || "That did not work.", "error");
    return null;
  }
}

// --- Before joining ------------------------------------------------------------------------------

function prejoinMessage(text, { signIn = false } = {}) {
  const box = byId("prejoin-message");
  box.replaceChildren(text);
  if (signIn) {
    box.append(" ", make("a", { text: "Sign in", attributes: { href: "/signin?next=" + encodeURIComponent(location.pathname) } }));
  }
  box.hidden = !text;
}

function fieldError(name, text) {
  byId(name + "-error").textContent = text;
  byId(name).setAttribute("aria-invalid", text ? "true" : "false");
  if (text) byId(name).focus();
}

/** Words for a refused ticket or join, by the server's code. */
function refusal(error) {
  switch (error.code) {
    case "removed_from_meeting":
      return "A host removed you from this meeting, so you can't join it again.";
    case "meeting_locked":
      return "This meeting is locked. No one new can join right now.";
    case "meeting_full":
      return "This meeting is full. Try again when someone leaves.";
    case "meeting_ended":
      return "This meeting has ended.";
    case "too_many_attempts": {
      const minutes = error.retryAfter ? Math.max(1, Math.ceil(error.retryAfter / 60)) : null;
      return "Too many wrong passcodes. " + (minutes ? `Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.` : "Try again later.");
    }
    default:
      return error.message || "You can't join this meeting right now.";
  }
}

async function boot() {
  const [info, current] = await Promise.all([
    getJSON(`/api/v1/meetings/${encodeURIComponent(meetingId)}`).catch((error) => error),
    getJSON("/api/v1/auth/session").catch(() => null),
  ]);
  session = current;
  if (session?.csrfToken) setCsrfToken(session.csrfToken);
  if (info instanceof Error) {
    showFinal({ title: info.status === 404 ? "This meeting doesn't exist" : "The meeting could not be loaded", text: info.status === 404 ? "Check the link you were given." : info.message, rejoin: info.status !== 404 });
    return;
  }
  if (info.ended) {
    showFinal({ title: "The meeting has ended", text: "Ask the host for a new link.", rejoin: false });
    return;
  }
  document.title = `${info.title} · DigitalMeet`;
  byId("prejoin-title").textContent = `Join “${info.title}”`;
  byId("prejoin-meeting").textContent = info.e2ee ? "End-to-end encryption is on for this meeting." : "Connections to this server are encrypted (TLS).";
  if (info.e2ee && !e2eeSupport()) {
    // Told before trying: without encoded transforms this browser could neither send nor see media.
    e2eeBlocked = true;
    prejoinMessage(UNSUPPORTED_MESSAGE);
    byId("join-button").disabled = true;
  }
  byId("passcode-field").hidden = !info.passcodeRequired;
  const signedIn = session?.user && session.stage === "active";
  const name = byId("displayName");
  if (signedIn) {
    name.value = session.user.displayName;
    name.readOnly = true;
    byId("displayName-hint").textContent = "You're signed in, so others see your account's name.";
  }
  if (!signedIn && info.whoMayJoin !== "anyone_with_link") {
    prejoinMessage("Only signed-in people can join this meeting.", { signIn: true });
  }
  show("prejoin");
  (signedIn ? (info.passcodeRequired ? byId("passcode") : byId("join-button")) : name).focus();
  byId("join-form").addEventListener("submit", (event) => {
    event.preventDefault();
    join();
  });
  devicesReady = devices.start().catch(() => {});
  await devicesReady;
}

/** Waits for `promise`, but no longer than `ms` milliseconds. */
function atMost(promise, ms) {
  return Promise.race([promise, new Promise((resolve) => setTimeout(resolve, ms))]);
}

async function join() {
  if (e2eeBlocked) return;
  prejoinMessage("");
  fieldError("displayName", "");
  fieldError("passcode", "");
  const displayName = byId("displayName").value.trim();
  if (!displayName) {
    fieldError("displayName", "Enter the name others will see.");
    return;
  }
  const passcodeNeeded = !byId("passcode-field").hidden;
  const passcode = byId("passcode").value.trim();
  if (passcodeNeeded && !passcode) {
    fieldError("passcode", "Enter the meeting's passcode.");
    return;
  }
  const button = byId("join-button");
  button.disabled = true;
  button.textContent = "Joining…";
  devices.resumeAudio();
  try {
    const body = { displayName };
    if (passcodeNeeded) body.passcode = passcode;
    const granted = await postJSON(`/api/v1/meetings/${encodeURIComponent(meetingId)}/tickets`, body);
    signalingURL = granted.signalingURL;
    await connect(granted.ticket);
  } catch (error) {
    if (error instanceof ApiError && error.field === "passcode") fieldError("passcode", error.message);
    else if (error.code === "meeting_ended") showFinal({ title: "The meeting has ended", text: "Ask the host for a new link.", rejoin: false });
    else prejoinMessage(refusal(error), { signIn: error instanceof ApiError && error.status === 401 });
  } finally {
    button.disabled = e2eeBlocked;
    button.textContent = "Join";
  }
}

function openSocket() {
  const candidate = new SignalingSocket(signalingURL, {
    onEvent: (message) => candidate === socket && onEvent(message),
    onClose: (code, reason) => candidate === socket && onClose(code, reason),
  });
  return candidate;
}

async function connect(ticket) {
  const candidate = openSocket();
  socket = candidate;
  await candidate.open();
  let answer;
  try {
    answer = await candidate.request("join", { ticket });
  } catch (error) {
    socket = null;
    candidate.close();
    throw error;
  }
  resumeToken = answer.resumeToken;
  state = applyJoinAnswer(state, answer);
  if (state.phase === "waiting") enterWaiting();
  else enterRoom();
}

// --- Waiting room --------------------------------------------------------------------------------

function enterWaiting() {
  show("waiting");
  byId("waiting-title").focus();
}

// --- The room ------------------------------------------------------------------------------------

/** What we send: the device-check tracks and the screen, by the contract's source names. */
function publishedTracks(screen = screenTrack) {
  return { microphone: localTrack("audio"), camera: localTrack("video"), screen };
}

function localTrack(kind) {
  return devices?.track(kind) ?? null;
}

async function enterRoom() {
  // Someone quick clicks Join before the camera and microphone have opened: wait for them (a
  // permission prompt still open does not hold the room back for long), so the room sends them.
  await atMost(devicesReady, 5000);
  const self = me(state);
  const audioMuted = Boolean(self?.audioMuted) || !byId("join-mic-on").checked || !localTrack("audio");
  const videoOn = byId("join-camera-on").checked && Boolean(localTrack("video"));
  setLocal({ audioMuted, videoOn });
  if (state.settings?.e2ee && !startE2EE()) return;
  // Media first, then the room is drawn. The server handles commands in order: the state (what the
  // SFU lets through) is set before the publish that follows, without waiting for its answer.
  const told = act("media", { audioMuted, videoOn });
  startMedia();
  show("room");
  buildShortcutHelp();
  render();
  byId("mic-toggle").focus();
  if (state.recording) askConsent();
  await told;
}

function setLocal({ audioMuted, videoOn }) {
  if (audioMuted !== undefined) {
    const track = localTrack("audio");
    if (track) track.enabled = !audioMuted;
  }
  if (videoOn !== undefined) {
    const track = localTrack("video");
    if (track) track.enabled = videoOn;
  }
  state = { ...state, participants: state.participants.map((p) => (p.seat === state.seat ? { ...p, ...(audioMuted !== undefined && { audioMuted }), ...(videoOn !== undefined && { videoOn }) } : p)) };
}

async function startMedia() {
  media?.close();
  media = null;
  if (mediaUnavailable || typeof RTCPeerConnection === "undefined") return;
  media = new MediaSession({
    request: (type, fields) => socket.request(type, fields),
    media: state.media,
    e2ee: e2eeTransforms,
    onTrack: (seat, source, track) => {
      remoteTracks.set(`${seat} ${source}`, track);
      renderTiles();
    },
    onTrackGone: (seat, source) => {
      remoteTracks.delete(`${seat} ${source}`);
      renderTiles();
    },
    onUnavailable: () => {
      mediaUnavailable = true;
      const status = byId("media-status");
      status.textContent = "Audio and video aren't available on this server yet. Chat, hands and host controls work as usual.";
      status.hidden = false;
    },
  });
  try {
    await media.start(publishedTracks());
  } catch (error) {
    if (error.code !== "closed") toast("Audio and video could not start: " + error.message, "error");
  }
}

function onEvent(message) {
  if (message.event === "subscribe_offer") {
    media?.handleSubscribeOffer(message);
    return;
  }
  if (message.event === "media_connected") return;
  if (message.event === "e2ee_key") {
    e2ee?.handleKey(message);
    return;
  }
  if (message.event === "e2ee_ratchet") {
    e2ee?.handleRatchet(message);
    return;
  }
  if (message.event === "chat" && state.settings?.e2ee) {
    receiveEncryptedChat(message);
    return;
  }
  if (message.event === "media_closed") {
    if (!shouldRecover(message.reason)) return;
    media?.recover(message.connection).catch(() => toast("Audio and video were interrupted; rejoin if they don't come back.", "error"));
    return;
  }
  const before = state.phase;
  if (FINAL_EVENTS.has(message.event)) finalEvent = message;
  if (message.event === "muted_by_host") setLocal({ audioMuted: true });
  if (message.event === "video_stopped_by_host") setLocal({ videoOn: false });
  if (message.event === "screen_share_stopped_by_host") stopScreenTrack();
  if (message.event === "participant_left") {
    for (const key of [...remoteTracks.keys()]) if (key.startsWith(message.seat.toLowerCase() + " ")) remoteTracks.delete(key);
  }
  const result = reduce(state, message);
  const participantsBefore = state.participants;
  state = result.state;
  if (before === "waiting" && state.phase === "in_meeting") {
    enterRoom();
  } else if (e2ee && state.participants !== participantsBefore) {
    e2ee.update(state.participants);
  }
  handleNotices(result.notices);
  if (state.phase === "in_meeting") render();
}

// --- End-to-end encryption (docs/e2ee.md) --------------------------------------------------------

/** Starts the key session and the media worker on entering an E2EE meeting; false when this browser cannot. */
function startE2EE() {
  if (!e2ee) {
    const mode = e2eeSupport();
    if (!mode) {
      leaving = true;
      socket?.request("leave").catch(() => {});
      socket?.close();
      showFinal({ title: "This browser can't join this meeting", text: UNSUPPORTED_MESSAGE, rejoin: false });
      return false;
    }
    e2eeTransforms = typeof RTCPeerConnection === "undefined" ? null : new E2EETransforms({ mode });
    e2ee = new E2EESession({
      meetingId,
      seat: state.seat,
      send: (type, fields) => socket.request(type, fields),
      transforms: e2eeTransforms,
      onChange: () => renderSecurityCode(),
    });
    exposeE2EEHooks();
  }
  e2ee.update(state.participants);
  // Announced once per seat; again only when the server no longer lists it (after a restart).
  const listed = state.participants.find((p) => p.seat === state.seat)?.e2ee?.publicKey;
  if (!listed || !e2ee.identity) e2ee.start();
  return true;
}

function stopE2EE() {
  e2ee?.close();
  e2eeTransforms?.close();
  e2ee = null;
  e2eeTransforms = null;
}

/** Read-only hooks for the end-to-end tests: epoch, leader, security code, the worker's frame counters. */
function exposeE2EEHooks() {
  const keySession = e2ee;
  const transforms = e2eeTransforms;
  window.__dmE2EE = {
    get epoch() { return keySession.epoch; },
    get leader() { return keySession.leader; },
    get rejectedKeyMessages() { return keySession.rejected; },
    get announceError() { return keySession.announceError; },
    get ownKeyMismatch() { return keySession.ownKeyMismatch(); },
    code: () => keySession.securityCode(),
    stats: () => (transforms ? transforms.stats() : Promise.resolve(null)),
  };
}

let codeRender = Promise.resolve();
function renderSecurityCode() {
  const keySession = e2ee;
  codeRender = codeRender.then(async () => {
    if (!keySession || keySession !== e2ee) return;
    const code = await keySession.securityCode();
    const text = code ?? "Waiting for keys…";
    byId("security-code").textContent = text;
    byId("security-code").classList.toggle("security-code--waiting", !code);
    byId("security-dialog-code").classList.toggle("security-code--waiting", !code);
    byId("security-code").dataset.epoch = String(keySession.epoch);
    byId("security-dialog-code").textContent = text;
    byId("security-warning").hidden = !keySession.ownKeyMismatch();
  }).catch(() => {});
}

/** Decrypts an E2EE chat message, then shows it like any other (in arrival order). */
function receiveEncryptedChat(message) {
  const keySession = e2ee;
  chatChain = chatChain.then(async () => {
    let text;
    if (message.e2ee) text = (await keySession?.decryptChat(message.from, message.e2ee)) ?? "This message could not be decrypted.";
    else text = "(Not end-to-end encrypted) " + String(message.text ?? "");
    const result = reduce(state, { ...message, text });
    state = result.state;
    handleNotices(result.notices);
    if (state.phase === "in_meeting") render();
  }).catch(() => {});
}

function onClose(code) {
  media?.close();
  if (leaving) return;
  if (finalEvent || !shouldResume(code)) {
    showFinal(finalScreen(code, finalEvent));
    return;
  }
  reconnect();
}

async function reconnect() {
  const overlay = byId("reconnecting");
  overlay.hidden = false;
  // Nothing in the room works while disconnected; keep keyboard and screen-reader users out of it.
  byId("room").inert = true;
  const droppedAt = Date.now();
  for (let attempt = 0; ; attempt += 1) {
    const delay = backoffDelay(attempt);
    if (!withinResumeWindow(droppedAt, Date.now(), delay)) break;
    await new Promise((resolve) => setTimeout(resolve, delay));
    byId("reconnecting-detail").textContent = `Trying again (attempt ${attempt + 1}). Your place in the meeting is kept for 30 seconds.`;
    const candidate = openSocket();
    try {
      socket = candidate;
      await candidate.open();
      const answer = await candidate.request("resume", { resumeToken });
      resumeToken = answer.resumeToken;
      const wasIn = state.phase === "in_meeting";
      const previous = me(state);
      state = applyJoinAnswer(state, answer);
      overlay.hidden = true;
      byId("room").inert = false;
      toast("Reconnected.", "success");
      if (state.phase === "waiting") enterWaiting();
      else if (!wasIn) enterRoom();
      else {
        // A restarted server brings the seat back muted with the camera off: say again what we send
        // (before publishing, so the SFU lets it through).
        const reassert = mediaToReassert(previous, me(state));
        if (reassert) {
          setLocal(reassert);
          act("media", reassert);
        }
        if (state.settings?.e2ee && !startE2EE()) return;
        render();
        startMedia();
      }
      return;
    } catch (error) {
      socket = null;
      candidate.close();
      // A refused resume (expired seat, removed, ended) will not get better by trying again.
      if (!["unreachable", "closed"].includes(error.code)) break;
    }
  }
  overlay.hidden = true;
  byId("room").inert = false;
  showFinal(finalEvent ? finalScreen(4403, finalEvent) : finalScreen(1006));
}

function showFinal(screen) {
  media?.close();
  stopE2EE();
  devices?.stop();
  stopScreenTrack();
  byId("reconnecting").hidden = true;
  for (const dialog of document.querySelectorAll("dialog[open]")) dialog.close();
  byId("final-title").textContent = screen.title;
  byId("final-text").textContent = screen.text;
  const rejoin = byId("final-rejoin");
  rejoin.hidden = !screen.rejoin;
  rejoin.href = location.pathname;
  byId("final-signin").hidden = !screen.signIn;
  document.title = screen.title + " · DigitalMeet";
  show("final");
  byId("final-title").focus();
}

async function leave() {
  leaving = true;
  try {
    await socket?.request("leave");
  } catch {
    // Closing the socket leaves too.
  }
  socket?.close();
  showFinal({ title: "You left the meeting", text: "", rejoin: true });
}

// --- Toolbar -------------------------------------------------------------------------------------

async function toggleMic() {
  const self = me(state);
  if (!self) return;
  const audioMuted = !self.audioMuted;
  if (!audioMuted && !localTrack("audio")) {
    toast("No microphone is available.", "error");
    return;
  }
  setLocal({ audioMuted });
  render();
  if (!(await act("media", { audioMuted }))) {
    setLocal({ audioMuted: !audioMuted });
    render();
    return;
  }
  announce(audioMuted ? "Microphone off" : "Microphone on");
  if (!audioMuted) clearBanners("unmute", "muted");
}

async function toggleCamera() {
  const self = me(state);
  if (!self) return;
  const videoOn = !self.videoOn;
  if (videoOn && !localTrack("video")) {
    toast("No camera is available.", "error");
    return;
  }
  setLocal({ videoOn });
  render();
  if (!(await act("media", { videoOn }))) {
    setLocal({ videoOn: !videoOn });
    render();
    return;
  }
  announce(videoOn ? "Camera on" : "Camera off");
}

function stopScreenTrack() {
  screenTrack?.stop();
  screenTrack = null;
}

async function toggleShare() {
  const rule = screenShareRule(state);
  const self = me(state);
  if (!self) return;
  if (self.sharingScreen) {
    stopScreenTrack();
    await act("stop_screen_share", {}, "You stopped sharing your screen.");
    if (media && !mediaUnavailable) media.publish(publishedTracks(null)).catch(() => {});
    return;
  }
  if (!rule.allowed) {
    toast(rule.reason, "error");
    return;
  }
  try {
    const stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    screenTrack = stream.getVideoTracks()[0];
  } catch {
    toast("Screen sharing was cancelled.");
    return;
  }
  if (!(await act("start_screen_share", {}, "You're sharing your screen."))) {
    stopScreenTrack();
    return;
  }
  screenTrack.addEventListener("ended", () => {
    if (me(state)?.sharingScreen) toggleShare();
  });
  if (media && !mediaUnavailable) media.publish(publishedTracks()).catch((error) => toast("Your screen could not be sent: " + error.message, "error"));
}

async function toggleHand() {
  const self = me(state);
  if (!self) return;
  const raised = self.handRaised;
  // Optimistic, like the microphone: the button answers at once, the server's event confirms.
  const set = (handRaised) => {
    state = { ...state, participants: state.participants.map((p) => (p.seat === state.seat ? { ...p, handRaised } : p)) };
    render();
  };
  set(!raised);
  if (!(await act(raised ? "lower_hand" : "raise_hand", {}, raised ? "You lowered your hand." : "You raised your hand."))) set(raised);
}

function togglePanel(name) {
  openPanel = openPanel === name ? null : name;
  if (name === "chat" && openPanel === "chat") unread = 0;
  render();
  if (openPanel === "chat") byId("chat-input").focus();
  else if (openPanel === "people") byId("panel-people-title").parentElement.querySelector("button").focus();
  else byId(name === "chat" ? "chat-toggle" : "people-toggle").focus();
}

function buildShortcutHelp() {
  const list = byId("shortcut-list");
  if (list.childElementCount) return;
  for (const shortcut of SHORTCUTS) list.append(make("dt", {}, make("kbd", { text: keyLabel(shortcut.key) })), make("dd", { text: shortcut.label }));
}

function askConsent() {
  const dialog = byId("consent-dialog");
  if (!dialog.open) dialog.showModal();
}

// --- Rendering -----------------------------------------------------------------------------------

function setPressed(id, pressed, label, labelText) {
  byId(id).setAttribute("aria-pressed", String(pressed));
  if (label) byId(label).textContent = labelText;
}

function render() {
  const self = me(state);
  if (!self) return;
  byId("room-title").textContent = state.title;
  document.title = `${state.title} · DigitalMeet`;
  byId("indicator-locked").hidden = !state.locked;
  byId("indicator-recording").hidden = !state.recording;
  const indicator = byId("indicator-e2ee");
  indicator.textContent = state.settings?.e2ee ? "End-to-end encrypted" : "Encrypted in transit";
  indicator.title = state.settings?.e2ee ? "Only the people in this meeting can decrypt it." : "Encrypted between your browser and your organisation's server (TLS).";
  byId("security-code-item").hidden = !state.settings?.e2ee;

  setPressed("mic-toggle", !self.audioMuted, "mic-label", self.audioMuted ? "Unmute" : "Mute");
  byId("mic-icon").dataset.icon = self.audioMuted ? "micOff" : "mic";
  byId("camera-icon").dataset.icon = self.videoOn ? "camera" : "cameraOff";
  drawIcons(byId("room"));
  byId("mic-toggle").classList.toggle("toolbar__button--off", self.audioMuted);
  setPressed("camera-toggle", self.videoOn, "camera-label", self.videoOn ? "Stop video" : "Start video");
  byId("camera-toggle").classList.toggle("toolbar__button--off", !self.videoOn);
  setPressed("hand-toggle", self.handRaised, "hand-label", self.handRaised ? "Lower hand" : "Raise hand");
  const rule = screenShareRule(state);
  const share = byId("share-toggle");
  const shareBlocked = !rule.allowed && !self.sharingScreen;
  share.setAttribute("aria-disabled", String(shareBlocked));
  share.title = shareBlocked ? rule.reason : "";
  share.classList.toggle("toolbar__button--disabled", shareBlocked);
  setPressed("share-toggle", self.sharingScreen, "share-label", self.sharingScreen ? "Stop sharing" : "Share screen");
  byId("share-reason").textContent = rule.reason;
  byId("share-reason").hidden = !shareBlocked;

  byId("chat-toggle").setAttribute("aria-expanded", String(openPanel === "chat"));
  byId("people-toggle").setAttribute("aria-expanded", String(openPanel === "people"));
  byId("panel-chat").hidden = openPanel !== "chat";
  byId("panel-people").hidden = openPanel !== "people";
  byId("room").classList.toggle("room--panel", openPanel !== null);
  const waitingBadge = byId("people-waiting");
  const moderator = isModerator(self);
  waitingBadge.hidden = !moderator || state.waiting.length === 0;
  waitingBadge.textContent = String(state.waiting.length);
  waitingBadge.setAttribute("aria-label", `${state.waiting.length} waiting`);

  renderTiles();
  renderChat();
  renderPeople();
  const unreadBadge = byId("chat-unread");
  unreadBadge.hidden = unread === 0 || openPanel === "chat";
  unreadBadge.textContent = String(unread);
  unreadBadge.setAttribute("aria-label", `${unread} unread`);
}

function renderTiles() {
  if (!me(state)) return;
  tilePage = drawTiles({
    participants: state.participants,
    you: state.seat,
    page: tilePage,
    videoFor: (participant) => {
      const mine = participant.seat === state.seat;
      const key = participant.seat.toLowerCase();
      const screen = participant.sharingScreen ? (mine ? screenTrack : remoteTracks.get(`${key} screen`)) : null;
      const camera = mine ? localTrack("video") : remoteTracks.get(`${key} camera`);
      return { track: screen ?? (participant.videoOn ? camera : null) ?? null, screen: Boolean(screen) };
    },
    audioFor: (seat) => remoteTracks.get(`${seat.toLowerCase()} microphone`),
  });
}

function renderPeople() {
  drawPeople(state, {
    act,
    remove: confirmRemoval,
    rename: (participant) => {
      byId("rename-input").value = participant.displayName;
      byId("rename-dialog").showModal();
    },
  });
}

function renderChat() {
  const list = byId("chat-list");
  const chatOn = state.settings?.chatEnabled !== false;
  byId("chat-off").hidden = chatOn;
  byId("chat-input").disabled = !chatOn;
  byId("chat-send").disabled = !chatOn;
  for (const message of state.chat.slice(chatRendered)) {
    list.append(make("li", { className: "chat__message" + (message.mine ? " chat__message--mine" : "") },
      make("span", { className: "chat__name", text: message.mine ? "You" : message.name }),
      make("span", { className: "chat__text", text: message.text })));
    if (!message.mine && openPanel !== "chat") unread += 1;
  }
  chatRendered = state.chat.length;
  list.scrollTop = list.scrollHeight;
}

function confirmRemoval(participant) {
  pendingRemoval = participant;
  byId("remove-name").textContent = participant.displayName;
  byId("remove-allow-rejoin").checked = false;
  byId("remove-dialog").showModal();
}

// --- Wiring --------------------------------------------------------------------------------------

function wire() {
  byId("mic-toggle").addEventListener("click", toggleMic);
  byId("camera-toggle").addEventListener("click", toggleCamera);
  byId("share-toggle").addEventListener("click", toggleShare);
  byId("hand-toggle").addEventListener("click", toggleHand);
  byId("chat-toggle").addEventListener("click", () => togglePanel("chat"));
  byId("people-toggle").addEventListener("click", () => togglePanel("people"));
  byId("leave-button").addEventListener("click", leave);
  byId("waiting-leave").addEventListener("click", leave);
  byId("help-button").addEventListener("click", () => byId("help-dialog").showModal());
  byId("security-code-button").addEventListener("click", () => byId("security-dialog").showModal());
  for (const button of document.querySelectorAll("[data-close-panel]")) button.addEventListener("click", () => togglePanel(openPanel));
  byId("page-prev").addEventListener("click", () => { tilePage -= 1; renderTiles(); });
  byId("page-next").addEventListener("click", () => { tilePage += 1; renderTiles(); });

  byId("chat-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = byId("chat-input");
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    let fields = { text };
    if (state.settings?.e2ee) {
      const sealed = await e2ee?.encryptChat(text);
      if (!sealed) {
        input.value = text;
        toast("Encryption keys aren't ready yet. Try again in a moment.", "error");
        return;
      }
      fields = { e2ee: sealed };
    }
    // The server archives the message before anyone sees it; an error means nobody saw it.
    if (!(await act("chat", fields))) input.value = text;
  });

  byId("lock-toggle").addEventListener("click", () => act(state.locked ? "unlock" : "lock"));
  byId("mute-all").addEventListener("click", () => act("mute_all", {}, "You muted everyone."));
  byId("recording-toggle").addEventListener("click", () => act(state.recording ? "stop_recording" : "start_recording"));
  byId("share-rule").addEventListener("change", async (event) => {
    const rule = event.target.value;
    // The settings_changed event that follows tells everyone, the host included.
    if (!(await act("screen_sharing", { rule }))) {
      event.target.value = state.settings?.whoMayShareScreen ?? "hosts";
    }
  });
  byId("admit-all").addEventListener("click", () => act("admit_all", {}, "You admitted everyone who was waiting."));
  byId("end-for-all").addEventListener("click", () => byId("end-dialog").showModal());
  byId("end-cancel").addEventListener("click", () => byId("end-dialog").close());
  byId("end-confirm").addEventListener("click", async () => {
    byId("end-dialog").close();
    await act("end_for_all");
  });
  byId("remove-cancel").addEventListener("click", () => byId("remove-dialog").close());
  byId("rename-cancel").addEventListener("click", () => byId("rename-dialog").close());
  byId("rename-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const displayName = byId("rename-input").value.trim();
    if (!displayName) return;
    byId("rename-dialog").close();
    await act("rename", { displayName }, `Others now see you as ${displayName}.`);
  });
  byId("remove-confirm").addEventListener("click", async () => {
    const participant = pendingRemoval;
    const allowRejoin = byId("remove-allow-rejoin").checked;
    byId("remove-dialog").close();
    if (!participant) return;
    await act("remove", { seat: participant.seat, allowRejoin },
      `You removed ${participant.displayName}.` + (allowRejoin ? " They may rejoin." : " They can't rejoin."));
  });
  byId("consent-stay").addEventListener("click", async () => {
    byId("consent-dialog").close();
    await act("recording_consent", { consent: true }, "You're staying in the recorded meeting.");
  });
  byId("consent-leave").addEventListener("click", async () => {
    byId("consent-dialog").close();
    leaving = true;
    await socket?.request("recording_consent", { consent: false }).catch(() => null);
    socket?.close();
    showFinal({ title: "You left the meeting", text: "You chose not to be recorded.", rejoin: true });
  });
  // Escape on the consent dialog must not dismiss the choice.
  byId("consent-dialog").addEventListener("cancel", (event) => event.preventDefault());

  document.addEventListener("keydown", (event) => {
    if (byId("room").hidden || document.querySelector("dialog[open]")) return;
    const target = event.target;
    const editable = target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
    const action = shortcutFor({ key: event.key, ctrlKey: event.ctrlKey, metaKey: event.metaKey, altKey: event.altKey, editable });
    if (!action) return;
    if (target instanceof HTMLElement && target.tagName === "SUMMARY" && event.key === " ") return;
    event.preventDefault();
    const actions = {
      toggleMic, toggleCamera, toggleShare, toggleHand,
      toggleChat: () => togglePanel("chat"),
      toggleParticipants: () => togglePanel("people"),
      help: () => byId("help-dialog").showModal(),
      closePanel: () => openPanel && togglePanel(openPanel),
    };
    actions[action]();
  });
  new ResizeObserver(() => layoutTiles()).observe(byId("tiles").parentElement);
  // Others' tiles light up while they speak (levels from the SFU's forwarded audio).
  setInterval(() => {
    if (!media || mediaUnavailable || state.phase !== "in_meeting") return;
    const speaking = new Set(media.levels().filter(({ level }) => level > 0.05).map(({ seat }) => seat));
    for (const tile of document.querySelectorAll("#tiles .tile:not(.tile--self)")) {
      tile.classList.toggle("tile--speaking", speaking.has(tile.dataset.seat.toLowerCase()));
    }
  }, 300);
  // Closing the tab leaves at once, so no one sees a ghost tile for the 30 seconds a dropped seat is kept.
  window.addEventListener("pagehide", () => {
    if (!socket || leaving || state.phase === "over") return;
    leaving = true;
    socket.request("leave").catch(() => {});
  });
}

devices = new DeviceCheck({
  video: byId("preview-video"), cameraSelect: byId("camera-select"), micSelect: byId("mic-select"), meter: byId("mic-level"),
  message: byId("device-message"), cameraOn: byId("join-camera-on"), micOn: byId("join-mic-on"), off: byId("preview-off"),
}, (level) => {
  // Your own tile lights up while you speak (others' levels come with media).
  const tile = state.seat && document.querySelector(`.tile[data-seat="${CSS.escape(state.seat)}"]`);
  tile?.classList.toggle("tile--speaking", level > 12 && !me(state)?.audioMuted);
});
drawIcons();
wire();
boot();

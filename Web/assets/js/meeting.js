// The meeting page (/m/{id}): join (name, passcode, device check), the waiting room, the meeting room
// with its host controls, reconnection, and the final screens. The server decides everything; this
// page shows the outcome of each message (meeting-state.js) and answers every action with feedback.
import { ApiError, getJSON, postJSON, setCsrfToken } from "./api.js";
import { SignalingSocket } from "./signaling.js";
import { applyJoinAnswer, initialState, isModerator, me, nameOf, recordingRule, reduce, screenShareRule } from "./meeting-state.js";
import { gridLayout, initials, paginate, stageMode, tileOrder } from "./layout.js";
import { SHORTCUTS, keyLabel, shortcutFor } from "./shortcuts.js";
import { backoffDelay, finalScreen, shouldResume, withinResumeWindow } from "./reconnect.js";
import { MediaSession } from "./media.js";
import { drawIcons, icon } from "./icons.js";
import { DeviceCheck } from "./device-check.js";

const byId = (id) => document.getElementById(id);
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
let media = null;
let mediaUnavailable = false;
const remoteTracks = new Map(); // "<seat in lower case> <source>" → MediaStreamTrack
let screenTrack = null;
let tilePage = 0;
let openPanel = null;
let chatRendered = 0;
let unread = 0;
let peopleSignature = "";
let pendingRemoval = null;

function make(tag, { className, text, attributes } = {}, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attributes ?? {})) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

function show(screen) {
  for (const id of SCREENS) byId(id).hidden = id !== screen;
  document.body.classList.toggle("body--room", screen === "room");
}

// --- Feedback ------------------------------------------------------------------------------------

function announce(text) {
  const region = byId("announcer");
  region.append(make("p", { text }));
  while (region.childElementCount > 5) region.firstElementChild.remove();
}

function toast(text, kind = "info") {
  const item = make("div", { className: "toast toast--" + kind, text });
  byId("toasts").append(item);
  // A few at a time, newest last: older ones make room rather than cover the tiles.
  while (byId("toasts").childElementCount > 3) byId("toasts").firstElementChild.remove();
  setTimeout(() => item.remove(), 6000);
}

function banner(notice) {
  const area = byId("banners");
  area.querySelector(`[data-banner="${notice.id}"]`)?.remove();
  const node = make("div", { className: "banner", attributes: { role: "alert", "data-banner": notice.id } }, make("p", { className: "banner__text", text: notice.text }));
  if (notice.action === "unmute") {
    const unmute = make("button", { className: "button button--primary button--small", text: "Unmute", attributes: { type: "button" } });
    unmute.addEventListener("click", () => {
      node.remove();
      if (me(state)?.audioMuted) toggleMic();
    });
    node.append(unmute);
  }
  const dismiss = make("button", { className: "button button--ghost button--small", text: "Dismiss", attributes: { type: "button" } });
  dismiss.addEventListener("click", () => node.remove());
  node.append(dismiss);
  area.append(node);
}

function handleNotices(notices) {
  for (const notice of notices) {
    if (notice.kind === "announce") announce(notice.text);
    else if (notice.kind === "toast") toast(notice.text);
    else if (notice.kind === "banner") banner(notice);
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
  if (text) box.focus?.();
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
  await devices.start();
}

async function join() {
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
    button.disabled = false;
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
  show("room");
  buildShortcutHelp();
  render();
  byId("mic-toggle").focus();
  const self = me(state);
  const audioMuted = Boolean(self?.audioMuted) || !byId("join-mic-on").checked || !localTrack("audio");
  const videoOn = byId("join-camera-on").checked && Boolean(localTrack("video"));
  setLocal({ audioMuted, videoOn });
  await act("media", { audioMuted, videoOn });
  if (state.recording) askConsent();
  startMedia();
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
  if (message.event === "media_closed") {
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
  state = result.state;
  if (before === "waiting" && state.phase === "in_meeting") {
    enterRoom();
  }
  handleNotices(result.notices);
  if (state.phase === "in_meeting") render();
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
      state = applyJoinAnswer(state, answer);
      overlay.hidden = true;
      byId("room").inert = false;
      toast("Reconnected.", "success");
      if (state.phase === "waiting") enterWaiting();
      else if (!wasIn) enterRoom();
      else {
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
  if (!audioMuted) for (const id of ["unmute", "muted"]) byId("banners").querySelector(`[data-banner="${id}"]`)?.remove();
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
  const e2ee = byId("indicator-e2ee");
  e2ee.textContent = state.settings?.e2ee ? "End-to-end encryption on" : "Encrypted in transit";
  e2ee.title = state.settings?.e2ee ? "Only the people in this meeting can decrypt it." : "Encrypted between your browser and your organisation's server (TLS).";

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

function tileFor(seat) {
  const list = byId("tiles");
  let tile = list.querySelector(`:scope > [data-seat="${CSS.escape(seat)}"]`);
  if (!tile) {
    tile = make("li", { className: "tile", attributes: { "data-seat": seat } },
      make("video", { className: "tile__video", attributes: { autoplay: "", playsinline: "" } }),
      make("div", { className: "tile__avatar", attributes: { "aria-hidden": "true" } }),
      make("div", { className: "tile__footer" }, make("span", { className: "tile__name" }), make("span", { className: "tile__badges" })));
    list.append(tile);
  }
  return tile;
}

function badge(text, className, iconName = null) {
  const node = make("span", { className: "tile__badge " + className, attributes: { title: text } });
  if (iconName) node.append(icon(iconName), make("span", { className: "visually-hidden", text }));
  else node.textContent = text;
  return node;
}

function renderTiles() {
  const self = me(state);
  if (!self) return;
  const ordered = tileOrder(state.participants, state.seat);
  const { items, page, pages } = paginate(ordered, tilePage);
  tilePage = page;
  const list = byId("tiles");
  const visible = new Set(items.map((p) => p.seat));
  for (const tile of [...list.children]) if (!visible.has(tile.dataset.seat)) tile.remove();
  items.forEach((participant, index) => {
    const mine = participant.seat === state.seat;
    const tile = tileFor(participant.seat);
    if (list.children[index] !== tile) list.insertBefore(tile, list.children[index] ?? null);
    const video = tile.querySelector("video");
    const screen = participant.sharingScreen ? (mine ? screenTrack : remoteTracks.get(`${participant.seat.toLowerCase()} screen`)) : null;
    const camera = mine ? localTrack("video") : remoteTracks.get(`${participant.seat.toLowerCase()} camera`);
    const track = screen ?? (participant.videoOn ? camera : null);
    if (track) {
      if (video.srcObject?.getVideoTracks()[0] !== track) video.srcObject = new MediaStream([track]);
    } else if (video.srcObject) {
      video.srcObject = null;
    }
    video.muted = true; // remote audio plays through its own element below
    video.hidden = !track;
    tile.classList.toggle("tile--self", mine);
    tile.classList.toggle("tile--mirror", mine && !screen);
    tile.classList.toggle("tile--screen", participant.sharingScreen);
    tile.classList.toggle("tile--hand", participant.handRaised);
    tile.querySelector(".tile__avatar").textContent = initials(participant.displayName);
    tile.querySelector(".tile__avatar").hidden = Boolean(track);
    tile.querySelector(".tile__name").textContent = participant.displayName + (mine ? " (you)" : "");
    const badges = [];
    if (participant.role === "host") badges.push(badge("Host", "tile__badge--role"));
    if (participant.role === "co_host") badges.push(badge("Co-host", "tile__badge--role"));
    if (participant.sharingScreen) badges.push(badge("Presenting", "tile__badge--share"));
    if (participant.handRaised) badges.push(badge("Hand raised", "tile__badge--hand", "hand"));
    if (participant.audioMuted) badges.push(badge("Muted", "tile__badge--muted", "micOff"));
    if (!participant.videoOn) badges.push(badge("Camera off", "tile__badge--video", "cameraOff"));
    tile.querySelector(".tile__badges").replaceChildren(...badges);
    const states = [participant.role === "host" ? "host" : participant.role === "co_host" ? "co-host" : null, participant.sharingScreen ? "presenting" : null,
      participant.handRaised ? "hand raised" : null, participant.audioMuted ? "muted" : "microphone on", participant.videoOn ? "camera on" : "camera off"].filter(Boolean);
    tile.setAttribute("aria-label", `${participant.displayName}${mine ? " (you)" : ""}: ${states.join(", ")}`);
    if (!mine) playAudio(participant.seat);
  });
  list.dataset.mode = stageMode(items);
  byId("pager").hidden = pages < 2;
  byId("page-label").textContent = `Page ${page + 1} of ${pages}`;
  layoutTiles();
}

function playAudio(seat) {
  const track = remoteTracks.get(`${seat.toLowerCase()} microphone`);
  let element = document.querySelector(`audio[data-seat="${CSS.escape(seat)}"]`);
  if (!track) {
    element?.remove();
    return;
  }
  if (!element) {
    element = make("audio", { attributes: { autoplay: "", "data-seat": seat } });
    element.hidden = true;
    document.body.append(element);
  }
  if (element.srcObject?.getAudioTracks()[0] !== track) element.srcObject = new MediaStream([track]);
}

function layoutTiles() {
  const list = byId("tiles");
  const stage = list.parentElement;
  const count = list.childElementCount;
  const screen = list.dataset.mode === "screen";
  const { columns } = gridLayout(screen ? Math.max(1, count - 1) : count, stage.clientWidth, stage.clientHeight * (screen ? 0.35 : 1));
  list.dataset.columns = String(columns);
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

function personRow(participant, actions) {
  const mine = participant.seat === state.seat;
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

function moderatorActions(participant) {
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
    actions.push(actionButton("Remove from meeting", `remove:${seat}`, () => confirmRemoval(participant), true));
  }
  return actions;
}

function renderPeople() {
  const self = me(state);
  const moderator = isModerator(self);
  const signature = JSON.stringify([state.participants, state.waiting, self.role, state.locked, state.recording, state.settings]);
  if (signature === peopleSignature) return;
  peopleSignature = signature;
  // Rebuilding the lists must not lose the keyboard user's place or an open menu.
  const focused = document.activeElement?.closest?.("#panel-people") ? document.activeElement : null;
  const focusKey = focused?.dataset.action ?? (focused?.tagName === "SUMMARY" ? "summary:" + focused.closest("[data-seat]")?.dataset.seat : null);
  const openMenus = new Set([...document.querySelectorAll("#people-list details[open]")].map((d) => d.closest("[data-seat]").dataset.seat));

  byId("people-count").textContent = String(state.participants.length);
  const people = byId("people-list");
  people.replaceChildren(...tileOrder(state.participants, state.seat).map((p) => {
    const row = personRow(p, moderatorActions(p));
    // Renaming is the meeting's choice, and only for people with an account (docs/signaling.md).
    if (p.seat === state.seat && state.settings?.allowRename && p.role !== "guest") {
      row.append(actionButton("Rename", "rename", () => {
        byId("rename-input").value = p.displayName;
        byId("rename-dialog").showModal();
      }));
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
        actionButton("Admit", `admit:${person.seat}`, () => act("admit", { seat: person.seat }, `You admitted ${person.displayName}.`)),
        actionButton("Deny", `deny:${person.seat}`, () => act("deny", { seat: person.seat }, `You did not let ${person.displayName} in.`))));
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
  for (const button of document.querySelectorAll("[data-close-panel]")) button.addEventListener("click", () => togglePanel(openPanel));
  byId("page-prev").addEventListener("click", () => { tilePage -= 1; renderTiles(); });
  byId("page-next").addEventListener("click", () => { tilePage += 1; renderTiles(); });

  byId("chat-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = byId("chat-input");
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    // The server archives the message before anyone sees it; an error means nobody saw it.
    if (!(await act("chat", { text }))) input.value = text;
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

// The room's tiles: one per participant (name, role, hand, mute and camera state, video or initials),
// a screen share shown large, pages beyond 25. Keyed by seat, so a video element survives re-renders.
import { byId, make } from "./dom.js";
import { icon } from "./icons.js";
import { gridLayout, initials, paginate, stageMode, tileOrder } from "./layout.js";

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

/**
 * Shows one page of tiles (`participants` in tile order, `you` your seat) and returns the page shown.
 * `videoFor(participant)` gives `{track, screen}` (the video to show, whether it is a screen) and
 * `audioFor(seat)` the remote microphone track, if any.
 */
export function renderTiles({ participants, you, page: wanted, videoFor, audioFor }) {
  const ordered = tileOrder(participants, you);
  const { items, page, pages } = paginate(ordered, wanted);
  const list = byId("tiles");
  const visible = new Set(items.map((p) => p.seat));
  for (const tile of [...list.children]) if (!visible.has(tile.dataset.seat)) tile.remove();
  items.forEach((participant, index) => {
    const mine = participant.seat === you;
    const tile = tileFor(participant.seat);
    if (list.children[index] !== tile) list.insertBefore(tile, list.children[index] ?? null);
    const video = tile.querySelector("video");
    const { track, screen } = videoFor(participant);
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
    if (!mine) playAudio(participant.seat, audioFor(participant.seat));
  });
  list.dataset.mode = stageMode(items);
  byId("pager").hidden = pages < 2;
  byId("page-label").textContent = `Page ${page + 1} of ${pages}`;
  layoutTiles();
  return page;
}

function playAudio(seat, track) {
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

/** Picks the column count for the stage's current size (app.css maps data-columns to the grid). */
export function layoutTiles() {
  const list = byId("tiles");
  const stage = list.parentElement;
  const count = list.childElementCount;
  const screen = list.dataset.mode === "screen";
  const { columns } = gridLayout(screen ? Math.max(1, count - 1) : count, stage.clientWidth, stage.clientHeight * (screen ? 0.35 : 1));
  list.dataset.columns = String(columns);
}

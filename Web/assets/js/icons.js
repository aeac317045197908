// Line icons drawn as inline SVG (no image requests, no fonts, nothing the CSP would block). Each is
// decorative: the button or badge it sits in carries the words.
const SVG = "http://www.w3.org/2000/svg";

const PATHS = {
  mic: ["M12 3a3 3 0 0 0-3 3v6a3 3 0 0 0 6 0V6a3 3 0 0 0-3-3z", "M5 11a7 7 0 0 0 14 0", "M12 18v3"],
  micOff: ["M12 3a3 3 0 0 0-3 3v6a3 3 0 0 0 6 0V6a3 3 0 0 0-3-3z", "M5 11a7 7 0 0 0 14 0", "M12 18v3", "M4 4l16 16"],
  camera: ["M3 7h12v10H3z", "M15 10l6-3v10l-6-3"],
  cameraOff: ["M3 7h12v10H3z", "M15 10l6-3v10l-6-3", "M3 4l17 16"],
  screen: ["M3 4h18v12H3z", "M8 20h8", "M12 16v4"],
  hand: ["M8 13V6.5a1.5 1.5 0 0 1 3 0V11", "M11 10.5V4.5a1.5 1.5 0 0 1 3 0V11", "M14 10.5V6a1.5 1.5 0 0 1 3 0v7a7 7 0 0 1-7 7 6 6 0 0 1-5-2.7L3.6 15a1.5 1.5 0 0 1 2.4-1.8L8 15"],
  chat: ["M4 5h16v11H9l-5 4z"],
  people: ["M9 11a3 3 0 1 0 0-6 3 3 0 0 0 0 6z", "M3 20a6 6 0 0 1 12 0", "M16 5a3 3 0 0 1 0 6", "M18 14.8a6 6 0 0 1 3 5.2"],
  leave: ["M6 6l12 12", "M18 6L6 18"],
  lock: ["M6 11h12v9H6z", "M8 11V8a4 4 0 0 1 8 0v3"],
  shield: ["M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6z", "M9 12l2 2 4-4"],
  keyboard: ["M3 6h18v12H3z", "M7 10h.01", "M11 10h.01", "M15 10h.01", "M7 14h10"],
};

/** An `<svg>` icon by name (see PATHS), hidden from assistive technology. */
export function icon(name) {
  const svg = document.createElementNS(SVG, "svg");
  for (const [attribute, value] of Object.entries({
    viewBox: "0 0 24 24", width: "20", height: "20", fill: "none", stroke: "currentColor", "stroke-width": "2",
    "stroke-linecap": "round", "stroke-linejoin": "round", "aria-hidden": "true", focusable: "false", class: "icon",
  })) svg.setAttribute(attribute, value);
  for (const d of PATHS[name] ?? []) {
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", d);
    svg.append(path);
  }
  return svg;
}

/** Fills every element with a data-icon attribute under `root` with its icon (again when it changes). */
export function drawIcons(root = document) {
  for (const element of root.querySelectorAll("[data-icon]")) {
    if (element.dataset.drawn === element.dataset.icon) continue;
    element.replaceChildren(icon(element.dataset.icon));
    element.dataset.drawn = element.dataset.icon;
  }
}

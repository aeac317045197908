// Where the meeting's tiles go: pure arithmetic on the stage size, so it is unit-tested without a DOM.
// The page applies the result as data attributes (the CSP forbids style attributes), which app.css maps
// to grid templates.

/** The most tiles shown at once in the grid; beyond that the grid pages. */
export const MAX_VISIBLE_TILES = 25;
/** Column counts app.css has a rule for. */
export const MAX_COLUMNS = 5;

/**
 * The grid that gives `count` tiles of `aspect` (width / height) the largest size in a `width` × `height`
 * stage: `{columns, rows, tileWidth, tileHeight}`. An empty stage still gets one column.
 */
export function gridLayout(count, width, height, { aspect = 16 / 9, gap = 8, maxColumns = MAX_COLUMNS } = {}) {
  const tiles = Math.max(1, Math.min(count, MAX_VISIBLE_TILES));
  let best = null;
  for (let columns = 1; columns <= Math.min(tiles, maxColumns); columns += 1) {
    const rows = Math.ceil(tiles / columns);
    const cellWidth = (width - gap * (columns - 1)) / columns;
    const cellHeight = (height - gap * (rows - 1)) / rows;
    if (cellWidth <= 0 || cellHeight <= 0) continue;
    const tileWidth = Math.min(cellWidth, cellHeight * aspect);
    const tileHeight = tileWidth / aspect;
    if (!best || tileWidth > best.tileWidth + 0.5) best = { columns, rows, tileWidth: Math.floor(tileWidth), tileHeight: Math.floor(tileHeight) };
  }
  return best ?? { columns: 1, rows: tiles, tileWidth: 0, tileHeight: 0 };
}

/** One page of tiles: `{items, page, pages}`; the page is clamped into range. */
export function paginate(items, page, perPage = MAX_VISIBLE_TILES) {
  const pages = Math.max(1, Math.ceil(items.length / perPage));
  const current = Math.min(Math.max(0, page), pages - 1);
  return { items: items.slice(current * perPage, (current + 1) * perPage), page: current, pages };
}

/**
 * The order of tiles: a screen share first (shown large), then yourself, then the others in join order
 * with raised hands ahead. `participants` are protocol participants; `you` is your seat.
 */
export function tileOrder(participants, you) {
  const rank = (p) => (p.sharingScreen ? 0 : p.seat === you ? 1 : p.handRaised ? 2 : 3);
  return participants
    .map((participant, index) => ({ participant, index }))
    .sort((a, b) => rank(a.participant) - rank(b.participant) || a.index - b.index)
    .map(({ participant }) => participant);
}

/** Whether the room shows a large stage (someone shares a screen) above a strip of the other tiles. */
export function stageMode(participants) {
  return participants.some((p) => p.sharingScreen) ? "screen" : "grid";
}

/** Up to two initials for an avatar tile. */
export function initials(name) {
  const words = String(name ?? "").trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return "?";
  const letters = words.length === 1 ? [words[0]] : [words[0], words[words.length - 1]];
  return letters.map((word) => Array.from(word)[0].toUpperCase()).join("");
}

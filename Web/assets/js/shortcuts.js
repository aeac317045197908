// Keyboard shortcuts of the meeting room: one table, used both to act on keys and to list them in the
// help dialog. Single keys without modifiers (as screen readers leave them alone in application
// focus), never while typing in a field.

export const SHORTCUTS = [
  { key: "m", action: "toggleMic", label: "Turn the microphone on or off" },
  { key: "v", action: "toggleCamera", label: "Turn the camera on or off" },
  { key: "s", action: "toggleShare", label: "Start or stop sharing your screen" },
  { key: "h", action: "toggleHand", label: "Raise or lower your hand" },
  { key: "c", action: "toggleChat", label: "Open or close the chat" },
  { key: "p", action: "toggleParticipants", label: "Open or close the participants panel" },
  { key: "?", action: "help", label: "Show these shortcuts" },
  { key: "Escape", action: "closePanel", label: "Close the open panel" },
];

/**
 * The action for a key press, or null. `event` needs `key`, the modifier flags, and `editable`: whether
 * focus is in a text field (then only Escape counts).
 */
export function shortcutFor(event) {
  if (event.ctrlKey || event.metaKey || event.altKey) return null;
  const key = event.key?.length === 1 ? event.key.toLowerCase() : event.key;
  if (event.editable && key !== "Escape") return null;
  return SHORTCUTS.find((shortcut) => shortcut.key === key)?.action ?? null;
}

/** How a key is written in the help dialog. */
export function keyLabel(key) {
  return key === "Escape" ? "Esc" : key.length === 1 ? key.toUpperCase() : key;
}

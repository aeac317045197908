import { equal, ok, test } from "./harness.js";
import { SHORTCUTS, keyLabel, shortcutFor } from "../../../Web/assets/js/shortcuts.js";

test("shortcuts: single keys map to actions, case-insensitive", () => {
  equal(shortcutFor({ key: "m" }), "toggleMic");
  equal(shortcutFor({ key: "M" }), "toggleMic");
  equal(shortcutFor({ key: "h" }), "toggleHand");
  equal(shortcutFor({ key: "?" }), "help");
});

test("shortcuts: modifiers and typing in a field do nothing", () => {
  equal(shortcutFor({ key: "m", ctrlKey: true }), null);
  equal(shortcutFor({ key: "v", altKey: true }), null);
  equal(shortcutFor({ key: "m", editable: true }), null);
  equal(shortcutFor({ key: "x" }), null);
});

test("shortcuts: Escape works even in a field", () => {
  equal(shortcutFor({ key: "Escape", editable: true }), "closePanel");
});

test("shortcuts: every key is unique and labelled", () => {
  const keys = SHORTCUTS.map((s) => s.key);
  equal(new Set(keys).size, keys.length);
  ok(SHORTCUTS.every((s) => s.label.length > 5));
  equal(keyLabel("Escape"), "Esc");
  equal(keyLabel("m"), "M");
});

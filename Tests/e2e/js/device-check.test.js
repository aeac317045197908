import { equal, ok, test } from "./harness.js";
import { levelOf } from "../../../Web/assets/js/device-check.js";

test("mic level: silence is 0, a full-scale square wave tops out at 100", () => {
  equal(levelOf(new Uint8Array(512).fill(128)), 0);
  equal(levelOf(Uint8Array.from({ length: 512 }, (_, i) => (i % 2 ? 0 : 255))), 100);
  equal(levelOf(new Uint8Array(0)), 0);
});

test("mic level: a quiet signal reads low but above silence", () => {
  const quiet = levelOf(Uint8Array.from({ length: 512 }, (_, i) => (i % 2 ? 126 : 130)));
  ok(quiet > 0 && quiet < 12, String(quiet));
});

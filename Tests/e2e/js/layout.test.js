import { deepEqual, equal, ok, test } from "./harness.js";
import { gridLayout, initials, paginate, stageMode, tileOrder } from "../../../Web/assets/js/layout.js";

test("layout: one tile fills a wide stage in one column", () => {
  const layout = gridLayout(1, 1280, 600);
  equal(layout.columns, 1);
  equal(layout.rows, 1);
  equal(layout.tileHeight, 600);
});

test("layout: four tiles on a wide stage make a 2 × 2 grid", () => {
  const layout = gridLayout(4, 1280, 600);
  deepEqual([layout.columns, layout.rows], [2, 2]);
});

test("layout: three tiles on a wide, short stage sit in one row", () => {
  equal(gridLayout(3, 1600, 300).columns, 3);
});

test("layout: a narrow phone stage stacks tiles in one column", () => {
  equal(gridLayout(3, 390, 700).columns, 1);
});

test("layout: many tiles never exceed five columns and tiles keep 16:9", () => {
  const layout = gridLayout(40, 1920, 1080);
  ok(layout.columns <= 5, "columns " + layout.columns);
  ok(Math.abs(layout.tileWidth / layout.tileHeight - 16 / 9) < 0.05);
});

test("layout: no tiles still gives a valid one-column layout", () => {
  equal(gridLayout(0, 800, 600).columns, 1);
});

test("paginate: clamps the page and slices 25 per page", () => {
  const items = Array.from({ length: 30 }, (_, i) => i);
  deepEqual(paginate(items, 0).items.length, 25);
  const last = paginate(items, 7);
  equal(last.page, 1);
  equal(last.pages, 2);
  deepEqual(last.items, [25, 26, 27, 28, 29]);
});

test("tileOrder: screen sharer first, then you, then raised hands, then join order", () => {
  const people = [
    { seat: "a" }, { seat: "b", handRaised: true }, { seat: "me" }, { seat: "c", sharingScreen: true }, { seat: "d" },
  ];
  deepEqual(tileOrder(people, "me").map((p) => p.seat), ["c", "me", "b", "a", "d"]);
});

test("stageMode: screen when anyone shares", () => {
  equal(stageMode([{ seat: "a" }]), "grid");
  equal(stageMode([{ seat: "a" }, { seat: "b", sharingScreen: true }]), "screen");
});

test("initials: first and last word, uppercase, unicode-safe", () => {
  equal(initials("Ada Lovelace"), "AL");
  equal(initials("grace"), "G");
  equal(initials("Jean Baptiste Joseph Fourier"), "JF");
  equal(initials("  "), "?");
  equal(initials("Émile Zola"), "ÉZ");
});

import { deepEqual, equal, ok, test } from "./harness.js";
import { OfferQueue, isMediaUnavailable, msidByMid, parseMsid, publishTracks } from "../../../Web/assets/js/media.js";

test("msid: '<seat> <source>' parses, anything else does not", () => {
  deepEqual(parseMsid("A1B2 camera"), { seat: "A1B2", source: "camera" });
  deepEqual(parseMsid("  A1B2   screen "), { seat: "A1B2", source: "screen" });
  equal(parseMsid("A1B2"), null);
  equal(parseMsid("A1B2 video"), null);
  equal(parseMsid("- audio extra"), null);
  equal(parseMsid(null), null);
});

const SDP = [
  "v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=group:BUNDLE 0 1 2",
  "m=audio 9 UDP/TLS/RTP/SAVPF 111", "a=mid:0", "a=sendonly", "a=msid:SEAT-1 audio",
  "m=video 9 UDP/TLS/RTP/SAVPF 96", "a=mid:1", "a=sendonly", "a=msid:SEAT-1 camera",
  "m=video 0 UDP/TLS/RTP/SAVPF 96", "a=mid:2", "a=inactive", "",
].join("\r\n");

test("msid: tracks are mapped by mid from an SFU offer; recycled lines without msid are skipped", () => {
  const map = msidByMid(SDP);
  equal(map.size, 2);
  deepEqual(map.get("0"), { seat: "SEAT-1", source: "audio" });
  deepEqual(map.get("1"), { seat: "SEAT-1", source: "camera" });
  equal(map.has("2"), false);
  equal(msidByMid("").size, 0);
});

test("publish tracks: active transceivers with mids, in mid order", () => {
  deepEqual(publishTracks([
    { source: "camera", mid: "1", active: true },
    { source: "audio", mid: "0", active: true },
    { source: "screen", mid: "2", active: false },
    { source: "screen", mid: null, active: true },
  ]), [{ mid: "0", source: "audio" }, { mid: "1", source: "camera" }]);
});

test("offer queue: versions answered in order, stale and duplicate offers dropped", () => {
  const queue = new OfferQueue();
  deepEqual(queue.push({ version: 1, sdp: "a" }).map((o) => o.version), [1]);
  deepEqual(queue.push({ version: 1, sdp: "a" }), []);
  deepEqual(queue.push({ version: 3, sdp: "c" }).map((o) => o.version), [3]);
  deepEqual(queue.push({ version: 2, sdp: "b" }), []);
  deepEqual(queue.push({ version: 4, sdp: "d" }).map((o) => o.version), [4]);
  deepEqual(queue.push({ version: "5" }), []);
});

test("media unavailable: only unknown_type means no media on this server", () => {
  ok(isMediaUnavailable({ code: "unknown_type" }));
  equal(isMediaUnavailable({ code: "forbidden" }), false);
  equal(isMediaUnavailable(null), false);
});

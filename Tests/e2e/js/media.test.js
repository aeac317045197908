import { deepEqual, equal, ok, test } from "./harness.js";
import { OfferQueue, isMediaUnavailable, msidByMid, parseMsid, publishTracks, shouldRecover } from "../../../Web/assets/js/media.js";

const SEAT = "0F8E4C52-3A7B-4C8D-9E0F-112233445566";
const seat = SEAT.toLowerCase();

test("msid: the SFU's upper-case seats (as in signaling) read the same", () => {
  deepEqual(parseMsid(`${SEAT} ${SEAT}-camera`), { seat, source: "camera" });
  deepEqual(parseMsid(`${SEAT} ${SEAT}-screen`), { seat, source: "screen" });
});

test("msid: stream id is the seat, track id '<seat>-<source>'; seats in lower case", () => {
  deepEqual(parseMsid(`${seat} ${seat}-camera`), { seat, source: "camera" });
  deepEqual(parseMsid(`${SEAT} ${seat}-microphone`), { seat, source: "microphone" });
  deepEqual(parseMsid(`  ${seat}   ${seat}-screenAudio `), { seat, source: "screenAudio" });
});

test("msid: the first draft's '<seat> <source>' still reads (audio is the microphone)", () => {
  deepEqual(parseMsid(`${seat} screen`), { seat, source: "screen" });
  deepEqual(parseMsid(`${seat} audio`), { seat, source: "microphone" });
});

test("msid: anything else is not ours", () => {
  equal(parseMsid(seat), null);
  equal(parseMsid(`${seat} ${seat}-video`), null);
  equal(parseMsid(`${seat} other-camera`), null);
  equal(parseMsid("- camera"), null);
  equal(parseMsid(`${seat} ${seat}-camera extra`), null);
  equal(parseMsid(null), null);
});

const SDP = [
  "v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=group:BUNDLE 0 1 2",
  "m=audio 9 UDP/TLS/RTP/SAVPF 111", "a=mid:0", "a=sendonly", `a=msid:${seat} ${seat}-microphone`,
  "m=video 9 UDP/TLS/RTP/SAVPF 96", "a=mid:1", "a=sendonly", `a=msid:${seat} ${seat}-camera`,
  "m=video 0 UDP/TLS/RTP/SAVPF 96", "a=mid:2", "a=inactive", "",
].join("\r\n");

test("msid: tracks are mapped by mid from an SFU offer; recycled lines without msid are skipped", () => {
  const map = msidByMid(SDP);
  equal(map.size, 2);
  deepEqual(map.get("0"), { seat, source: "microphone" });
  deepEqual(map.get("1"), { seat, source: "camera" });
  equal(map.has("2"), false);
  equal(msidByMid("").size, 0);
});

test("publish tracks: active transceivers with mids, in mid order", () => {
  deepEqual(publishTracks([
    { source: "camera", mid: "1", active: true },
    { source: "microphone", mid: "0", active: true },
    { source: "screen", mid: "2", active: false },
    { source: "screen", mid: null, active: true },
  ]), [{ mid: "0", source: "microphone" }, { mid: "1", source: "camera" }]);
});

test("offer queue: versions answered in order, stale and duplicate offers dropped, reset restarts at 1", () => {
  const queue = new OfferQueue();
  deepEqual(queue.push({ version: 1, sdp: "a" }).map((o) => o.version), [1]);
  deepEqual(queue.push({ version: 1, sdp: "a" }), []);
  deepEqual(queue.push({ version: 3, sdp: "c" }).map((o) => o.version), [3]);
  deepEqual(queue.push({ version: 2, sdp: "b" }), []);
  deepEqual(queue.push({ version: 4, sdp: "d" }).map((o) => o.version), [4]);
  deepEqual(queue.push({ version: "5" }), []);
  queue.reset();
  deepEqual(queue.push({ version: 1, sdp: "again" }).map((o) => o.sdp), ["again"]);
});

test("media unavailable: unknown command, or no SFU before media ever worked", () => {
  ok(isMediaUnavailable({ code: "unknown_type" }));
  ok(isMediaUnavailable({ code: "conflict" }));
  equal(isMediaUnavailable({ code: "conflict" }, { everWorked: true }), false);
  equal(isMediaUnavailable({ code: "forbidden" }), false);
  equal(isMediaUnavailable(null), false);
});

test("media closed: reopened after a failure, not after our own close or the server's", () => {
  ok(shouldRecover("consentTimeout"));
  ok(shouldRecover('dtlsFailure("handshake timed out")'));
  equal(shouldRecover("closedByPeer"), false);
  equal(shouldRecover("closedByRouter"), false);
});

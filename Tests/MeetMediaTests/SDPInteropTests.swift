import Foundation
import Testing

@testable import MeetMedia

/// The Swift half of a manual interop check with real WebRTC stacks, run by
/// Fixtures/SDP/interop_check.py; skipped unless `MEET_SDP_INTEROP_DIR` names a folder.
///
/// Each run replays a fixed script against the files in that folder and stops at the first file
/// it needs that is not there, after writing what the other side must answer:
/// `offer.sdp` (the browser's publish offer) gets `answer.sdp`; then the subscribe offers
/// `subscribe-offer-N.sdp` wait for `subscribe-answer-N.sdp`. The offerer is deterministic, so
/// every run rebuilds the same offers. `done` is written when every answer has been applied.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["MEET_SDP_INTEROP_DIR"] != nil))
struct SDPInteropTests {
    static let folder = URL(fileURLWithPath: ProcessInfo.processInfo.environment["MEET_SDP_INTEROP_DIR"] ?? "/nonexistent")

    static func read(_ name: String) -> String? {
        try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
    }

    static func write(_ text: String, to name: String) throws {
        try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    @Test func replay() throws {
        if let offer = Self.read("offer.sdp") {
            let negotiation = try PublishAnswerer(transport: SDPFixtures.transport).answer(SessionDescription(parsing: offer))
            try Self.write(negotiation.answer.sdpText, to: "answer.sdp")
        }
        var offerer = SubscribeOfferer(transport: SDPFixtures.transport)
        let steps: [(inout SubscribeOfferer) throws -> Void] = [
            { offerer in
                _ = try offerer.addTrack(SubscribeOffererTests.audio(1))
                _ = try offerer.addTrack(SubscribeOffererTests.video(1))
            },
            { offerer in offerer.removeTrack(mid: "1") },
            { offerer in _ = try offerer.addTrack(SubscribeOffererTests.video(2)) },
        ]
        for (index, step) in steps.enumerated() {
            try step(&offerer)
            let name = "subscribe-offer-\(index + 1).sdp"
            try Self.write(offerer.makeOffer().sdpText, to: name)
            guard let answer = Self.read("subscribe-answer-\(index + 1).sdp") else { return }
            let result = try offerer.applyAnswer(SessionDescription(parsing: answer))
            try Self.write("accepted \(result.acceptedMids) rejected \(result.rejectedMids)\n", to: "subscribe-result-\(index + 1).txt")
        }
        try Self.write("", to: "done")
    }
}

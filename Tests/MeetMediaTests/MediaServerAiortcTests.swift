import Foundation
import Testing

@testable import MeetMedia

/// Real WebRTC peers through the SFU: an aiortc publisher sends VP8 and Opus to the SFU on
/// 127.0.0.1, two aiortc subscribers decode what it forwards. Run once per SRTP profile, with the
/// SFU offering only that one. Needs DIGITALMEET_TEST_PYTHON (a Python with aiortc 1.16.0, which
/// scripts/test provides); skipped without it, except under CI, where its absence fails.
@Suite(.serialized) struct MediaServerAiortcTests {
    static let python = ProcessInfo.processInfo.environment["DIGITALMEET_TEST_PYTHON"].flatMap { $0.isEmpty ? nil : $0 }
    static let inCI = ProcessInfo.processInfo.environment["CI"] != nil
    /// Decoded video frames each subscriber must report: several seconds of aiortc's 30 fps.
    static let requiredVideoFrames = 60

    @Test(
        .enabled(if: python != nil || inCI, "set DIGITALMEET_TEST_PYTHON to a Python with aiortc 1.16.0 (scripts/test does) to run this"),
        arguments: SRTPProfile.allCases
    )
    func aiortcSubscribersDecodeAiortcPublisher(profile: SRTPProfile) async throws {
        guard let python = Self.python else {
            Issue.record("CI is set but DIGITALMEET_TEST_PYTHON is not: the aiortc test must not be skipped in CI")
            return
        }
        let certificate = try DTLSEndpointTests.certificate(name: "sfu")
        let server = try await MediaServer.start(configuration: .init(host: "127.0.0.1", port: 0, certificate: certificate, profiles: [profile]))
        let publisher = try PythonPeer(python: python, script: "publisher.py")
        let subscribers = try (0..<2).map { _ in try PythonPeer(python: python, script: "subscriber.py") }
        defer {
            publisher.stop()
            for subscriber in subscribers { subscriber.stop() }
        }

        var publisherMessages = publisher.messages.makeAsyncIterator()
        let offer = try #require(await Self.next("offer", from: &publisherMessages), "publisher: \(publisher.stderr)")
        let answer = try await server.publish(
            meeting: "m",
            participant: "alice",
            offerSDP: try #require(offer.sdp),
            allowedSources: [.microphone, .camera]
        )
        try publisher.send(PeerMessage(type: "answer", sdp: answer))

        var frames: [Int] = []
        var audioFrames: [Int] = []
        for (index, subscriber) in subscribers.enumerated() {
            let name = "sub\(index)"
            let subscribeOffer = try await server.subscribe(meeting: "m", participant: name)
            #expect(try SessionDescription(parsing: subscribeOffer).media.count == 2)
            try subscriber.send(PeerMessage(type: "offer", sdp: subscribeOffer))
        }
        for (index, subscriber) in subscribers.enumerated() {
            var messages = subscriber.messages.makeAsyncIterator()
            let reply = try #require(await Self.next("answer", from: &messages), "subscriber \(index): \(subscriber.stderr)")
            try await server.applySubscribeAnswer(meeting: "m", participant: "sub\(index)", answerSDP: try #require(reply.sdp))
            // Frames are counted from the subscriber's reports; the stream ends if the script dies.
            // At most 240 reports (two a second): a stuck stream fails instead of hanging.
            var last = PeerMessage(type: "frames", video: 0, audio: 0)
            var reports = 0
            while reports < 240, let message = await messages.next() {
                if message.type == "frames" {
                    last = message
                    reports += 1
                }
                if (last.video ?? 0) >= Self.requiredVideoFrames && (last.audio ?? 0) > 0 { break }
                if message.type == "state" && message.state == "failed" { break }
            }
            frames.append(last.video ?? 0)
            audioFrames.append(last.audio ?? 0)
            if (last.video ?? 0) < Self.requiredVideoFrames { Issue.record("subscriber \(index) stderr: \(subscriber.stderr)") }
        }
        let metrics = try await server.metrics()
        print("aiortc \(profile.rawValue): decoded video frames \(frames), audio frames \(audioFrames), metrics \(metrics)")
        #expect(frames.allSatisfy { $0 >= Self.requiredVideoFrames })
        #expect(audioFrames.allSatisfy { $0 > 0 })
        #expect(metrics.connectedPeers == 3)
        #expect(metrics.srtpAuthFailures == 0)
        #expect(metrics.dtlsFailures == 0)
        #expect(metrics.packetsForwarded > 0)
        try await server.close()
    }

    /// The next message of `type`, skipping others; nil if the process ended first.
    static func next(_ type: String, from messages: inout AsyncStream<PeerMessage>.Iterator) async -> PeerMessage? {
        while let message = await messages.next() {
            if message.type == type { return message }
        }
        return nil
    }
}

import Foundation
import Testing

@testable import MeetMedia

/// Real WebRTC peers through the SFU: an aiortc publisher sends VP8 and Opus to the SFU on
/// 127.0.0.1, two aiortc subscribers decode what it forwards. Run once per SRTP profile, with the
/// SFU offering only that one, and once through lossy relays. Needs DIGITALMEET_TEST_PYTHON (a
/// Python with aiortc 1.16.0, which scripts/test provides); skipped without it, except under CI,
/// where its absence fails.
@Suite(.serialized) struct MediaServerAiortcTests {
    static let python = ProcessInfo.processInfo.environment["DIGITALMEET_TEST_PYTHON"].flatMap { $0.isEmpty ? nil : $0 }
    static let inCI = ProcessInfo.processInfo.environment["CI"] != nil
    /// Decoded video frames each subscriber must report: two seconds of aiortc's 30 fps.
    static let requiredVideoFrames = 60

    struct Outcome {
        var videoFrames: [Int] = []
        var audioFrames: [Int] = []
        var metrics = SFUMetrics()
        /// The publisher's last feedback report per sender kind ("audio", "video").
        var publisherFeedback: [String: PeerMessage] = [:]
    }

    @Test(
        .enabled(if: python != nil || inCI, "set DIGITALMEET_TEST_PYTHON to a Python with aiortc 1.16.0 (scripts/test does)"),
        arguments: SRTPProfile.allCases
    )
    func aiortcSubscribersDecodeAiortcPublisher(profile: SRTPProfile) async throws {
        guard let python = try Self.requirePython() else { return }
        let outcome = try await Self.meeting(python: python, profiles: [profile], dropEvery: nil)
        print("aiortc \(profile.rawValue): decoded video frames \(outcome.videoFrames), audio frames \(outcome.audioFrames), \(outcome.metrics)")
        print("aiortc \(profile.rawValue): publisher feedback \(outcome.publisherFeedback)")
        #expect(outcome.metrics.retransmissionsSent == 0)
        // aiortc took the SFU's receiver reports: its senders have remote-inbound-rtp stats with a
        // round-trip time (so LSR and DLSR echoed its SRs), and no loss on loopback.
        for kind in ["audio", "video"] {
            let feedback = outcome.publisherFeedback[kind]
            #expect(feedback?.roundTripTime != nil, "\(kind): \(String(describing: feedback))")
            #expect((feedback?.roundTripTime ?? 1) < 1)
            #expect(feedback?.packetsLost == 0)
        }
        // The REMB (2.5 Mbps) raised the VP8 encoder's target from aiortc's 500 kbps to its 1.5 Mbps ceiling.
        #expect(outcome.publisherFeedback["video"]?.targetBitrate == 1_500_000)
        #expect(outcome.metrics.receiverReportsSent > 0)
        #expect(outcome.metrics.rembSent > 0)
    }

    /// Every 10th RTP packet is dropped between the publisher and the SFU, and between the SFU and
    /// each subscriber: NACK and RTX on both legs must repair enough for decoding to go on.
    @Test(.enabled(if: python != nil || inCI, "set DIGITALMEET_TEST_PYTHON to a Python with aiortc 1.16.0 (scripts/test does)"))
    func nackAndRTXRepairLossOnBothLegs() async throws {
        guard let python = try Self.requirePython() else { return }
        let outcome = try await Self.meeting(python: python, profiles: SRTPProfile.allCases, dropEvery: 10)
        print("aiortc with 10% RTP loss: decoded video frames \(outcome.videoFrames), \(outcome.metrics)")
        #expect(outcome.metrics.nacksSent > 0)
        #expect(outcome.metrics.packetsRepaired > 0)
        // The receiver reports tell the publisher of the losses on its leg, repaired or not.
        #expect((outcome.publisherFeedback["video"]?.packetsLost ?? 0) > 0, "\(outcome.publisherFeedback)")
        #expect(outcome.metrics.nacksReceived > 0)
        #expect(outcome.metrics.retransmissionsSent > 0)
    }

    static func requirePython() throws -> String? {
        guard let python else {
            Issue.record("CI is set but DIGITALMEET_TEST_PYTHON is not: the aiortc tests must not be skipped in CI")
            return nil
        }
        return python
    }

    /// One publisher, two subscribers, each through its own lossy relay when `dropEvery` is set.
    static func meeting(python: String, profiles: [SRTPProfile], dropEvery: Int?) async throws -> Outcome {
        let certificate = try DTLSEndpointTests.certificate(name: "sfu")
        // Consent is not under test; a generous timeout keeps a loaded machine (tests run in
        // parallel on two cores) from expiring the publisher before the test task gets to run.
        let server = try await MediaServer.start(
            configuration: .init(host: "127.0.0.1", port: 0, certificate: certificate, profiles: profiles, consentTimeout: .seconds(600))
        )
        let publisher = try PythonPeer(python: python, script: "publisher.py")
        let subscribers = try (0..<2).map { _ in try PythonPeer(python: python, script: "subscriber.py") }
        var relays: [LossyUDPRelay] = []
        func route(_ description: String, towardServer: Bool) async throws -> String {
            guard let dropEvery else { return description }
            let relay = try await LossyUDPRelay.start(
                serverPort: server.port,
                dropEvery: dropEvery,
                towardServer: towardServer,
                towardClient: !towardServer
            )
            relays.append(relay)
            return relay.rewrite(description, serverPort: server.port)
        }
        defer {
            publisher.stop()
            for subscriber in subscribers { subscriber.stop() }
        }

        var publisherMessages = publisher.messages.makeAsyncIterator()
        let offer = try #require(await next("offer", from: &publisherMessages), "publisher: \(publisher.stderr)")
        let answer = try await server.publish(
            meeting: "m",
            participant: "alice",
            offerSDP: try #require(offer.sdp),
            allowedSources: [.microphone, .camera]
        )
        try publisher.send(PeerMessage(type: "answer", sdp: try await route(answer, towardServer: true)))

        for (index, subscriber) in subscribers.enumerated() {
            let subscribeOffer = try await server.subscribe(meeting: "m", participant: "sub\(index)")
            #expect(try SessionDescription(parsing: subscribeOffer).media.count == 2)
            try subscriber.send(PeerMessage(type: "offer", sdp: try await route(subscribeOffer, towardServer: false)))
        }
        var outcome = Outcome()
        for (index, subscriber) in subscribers.enumerated() {
            var messages = subscriber.messages.makeAsyncIterator()
            let reply = try #require(await next("answer", from: &messages), "subscriber \(index): \(subscriber.stderr)")
            try await server.applySubscribeAnswer(meeting: "m", participant: "sub\(index)", answerSDP: try #require(reply.sdp))
            // Frames come from the subscriber's reports, two a second; at most 240 of them, so a
            // stuck stream fails instead of hanging. The stream also ends if the script dies.
            var last = PeerMessage(type: "frames", video: 0, audio: 0)
            var reports = 0
            while reports < 240, let message = await messages.next() {
                if message.type == "frames" {
                    last = message
                    reports += 1
                }
                if (last.video ?? 0) >= requiredVideoFrames && (last.audio ?? 0) > 0 { break }
                if message.type == "state" && message.state == "failed" { break }
            }
            outcome.videoFrames.append(last.video ?? 0)
            outcome.audioFrames.append(last.audio ?? 0)
            if (last.video ?? 0) < requiredVideoFrames { Issue.record("subscriber \(index) stderr: \(subscriber.stderr)") }
        }
        // The publisher reports every 0.5 s per sender; wait (at most 40 reports) until both
        // senders have a round-trip time, and, with loss, until video shows some.
        var feedbackReports = 0
        while feedbackReports < 40, let message = await publisherMessages.next() {
            guard message.type == "feedback", let kind = message.kind else { continue }
            feedbackReports += 1
            outcome.publisherFeedback[kind] = message
            let feedback = outcome.publisherFeedback
            let timed = feedback["audio"]?.roundTripTime != nil && feedback["video"]?.roundTripTime != nil
            if timed && (dropEvery == nil || (feedback["video"]?.packetsLost ?? 0) > 0) { break }
        }
        outcome.metrics = try await server.metrics()
        #expect(outcome.videoFrames.allSatisfy { $0 >= requiredVideoFrames })
        #expect(outcome.audioFrames.allSatisfy { $0 > 0 })
        #expect(outcome.metrics.connectedPeers == 3)
        #expect(outcome.metrics.srtpAuthFailures == 0)
        #expect(outcome.metrics.dtlsFailures == 0)
        #expect(outcome.metrics.packetsForwarded > 0)
        if dropEvery != nil {
            for relay in relays { #expect(relay.dropped.towardServer + relay.dropped.towardClient > 0) }
        }
        for relay in relays { await relay.close() }
        try await server.close()
        return outcome
    }

    /// The next message of `type`, skipping others; nil if the process ended first.
    static func next(_ type: String, from messages: inout AsyncStream<PeerMessage>.Iterator) async -> PeerMessage? {
        while let message = await messages.next() {
            if message.type == type { return message }
        }
        return nil
    }
}

extension MediaServerAiortcTests {
    /// Two aiortc publishers, then one aiortc subscriber whose first offer has all four of their
    /// sections at once: two Opus sections share a payload type, as do the two VP8 ones, so aiortc
    /// can route each packet only by the SSRC the offer announced for its section.
    @Test(.enabled(if: python != nil || inCI, "set DIGITALMEET_TEST_PYTHON to a Python with aiortc 1.16.0 (scripts/test does)"))
    func lateSubscriberDecodesAudioAndVideoOfTwoPublishers() async throws {
        guard let python = try Self.requirePython() else { return }
        let certificate = try DTLSEndpointTests.certificate(name: "sfu")
        let server = try await MediaServer.start(
            configuration: .init(host: "127.0.0.1", port: 0, certificate: certificate, profiles: SRTPProfile.allCases, consentTimeout: .seconds(600))
        )
        let publishers = try (0..<2).map { _ in try PythonPeer(python: python, script: "publisher.py") }
        let subscriber = try PythonPeer(python: python, script: "subscriber.py")
        defer {
            for publisher in publishers { publisher.stop() }
            subscriber.stop()
        }
        for (index, publisher) in publishers.enumerated() {
            var messages = publisher.messages.makeAsyncIterator()
            let offer = try #require(await Self.next("offer", from: &messages), "publisher \(index): \(publisher.stderr)")
            let answer = try await server.publish(
                meeting: "m",
                participant: "pub\(index)",
                offerSDP: try #require(offer.sdp),
                allowedSources: [.microphone, .camera]
            )
            try publisher.send(PeerMessage(type: "answer", sdp: answer))
        }
        let offer = try await server.subscribe(meeting: "m", participant: "viewer")
        #expect(try SessionDescription(parsing: offer).media.map(\.kind) == [.video, .audio, .video, .audio])
        try subscriber.send(PeerMessage(type: "offer", sdp: offer))
        var messages = subscriber.messages.makeAsyncIterator()
        let reply = try #require(await Self.next("answer", from: &messages), "subscriber: \(subscriber.stderr)")
        try await server.applySubscribeAnswer(meeting: "m", participant: "viewer", answerSDP: try #require(reply.sdp))
        let tracks = ["video-0", "audio-1", "video-2", "audio-3"]
        var last = PeerMessage(type: "frames", video: 0, audio: 0)
        var reports = 0
        while reports < 80, let message = await messages.next() {
            if message.type == "frames" {
                last = message
                reports += 1
            }
            let frames = last.tracks ?? [:]
            if tracks.allSatisfy({ (frames[$0] ?? 0) >= Self.requiredVideoFrames }) { break }
            if message.type == "state" && message.state == "failed" { break }
        }
        print("aiortc late subscriber of two publishers: decoded frames \(last.tracks ?? [:]), \(try await server.metrics())")
        // Each track, audio and video, must decode on its own: 60 frames are 2 s of video, 1.2 s of audio.
        for track in tracks {
            #expect((last.tracks?[track] ?? 0) >= Self.requiredVideoFrames, "\(track); subscriber stderr: \(subscriber.stderr)")
        }
        try await server.close()
    }
}

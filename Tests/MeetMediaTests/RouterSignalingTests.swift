import Testing

@testable import MeetMedia

/// What the meeting state asks of the SFU: refusing sources, closing producers, removing people,
/// and the subscribe renegotiation that follows.
@Suite struct RouterSignalingTests {
    static func offers(_ harness: SFUHarness, for participant: String) -> [String] {
        harness.events.compactMap {
            if case .subscribeOfferNeeded(_, let who, let offer) = $0, who == participant { offer } else { nil }
        }
    }

    @Test func refusesASourceTheMeetingDoesNotAllow() throws {
        let harness = try SFUHarness()
        let (answer, _) = try harness.publish("alice", videoSections: 2, allowed: [.microphone, .camera])
        #expect(answer.media.map(\.port).map { $0 != 0 } == [true, true, false])
        #expect(answer.bundleGroup == ["0", "1"])
        #expect(answer.media[2].direction == .inactive)
        #expect(harness.sfu.metrics.producers == 2)
        let bob = try harness.subscribe("bob")
        #expect(bob.offer.media.count == 2)
    }

    @Test func newPublisherRenegotiatesExistingSubscribers() throws {
        let harness = try SFUHarness()
        let bob = try harness.subscribe("bob")
        #expect(bob.offer.media.isEmpty)
        try harness.publish("alice")
        let offer = try #require(Self.offers(harness, for: "bob").last)
        let parsed = try harness.answerOffer(offer, participant: "bob")
        #expect(parsed.media.map(\.kind) == [.audio, .video])
        #expect(parsed.media.allSatisfy { $0.port != 0 && $0.direction == .sendonly })
        // Alice's own tracks are never offered back to her.
        let alice = try harness.subscribe("alice")
        #expect(alice.offer.media.isEmpty)

        harness.events.removeAll()
        #expect(harness.sfu.closeProducer(meeting: "m", participant: "alice", source: .camera))
        harness.pump()
        let closed = try SessionDescription(parsing: try #require(Self.offers(harness, for: "bob").last))
        #expect(closed.media.map(\.port).map { $0 != 0 } == [true, false])
        #expect(harness.sfu.closeProducer(meeting: "m", participant: "alice", source: .camera) == false)
    }

    @Test func aSecondPublishOfferOnTheSameConnectionAddsAScreen() throws {
        let harness = try SFUHarness()
        let first = try harness.publish("alice", videoSections: 1)
        try harness.subscribe("bob")
        harness.events.removeAll()
        let second = try harness.publish("alice", videoSections: 2)
        #expect(second.answer.origin.sessionVersion == first.answer.origin.sessionVersion + 1)
        #expect(second.answer.media.map(\.iceUfrag) == first.answer.media.map(\.iceUfrag) + [first.answer.media[0].iceUfrag])
        #expect(harness.sfu.metrics.producers == 3)
        #expect(harness.sfu.metrics.peers == 2)
        let offer = try SessionDescription(parsing: try #require(Self.offers(harness, for: "bob").last))
        // The existing sections stay where they were; the screen is appended.
        #expect(offer.media.allSatisfy { $0.port != 0 })
        #expect(Set(offer.media.prefix(2).compactMap(\.msid?.trackID)) == ["alice-microphone", "alice-camera"])
        #expect(offer.media.last?.msid?.trackID == "alice-screen")
        // The publisher's connection carries on: media still flows on it.
        #expect(second.client.peer?.isConnected == true)
    }

    @Test func changesDuringAnOutstandingOfferWaitForItsAnswer() throws {
        let harness = try SFUHarness()
        try harness.subscribe("bob")
        try harness.publish("alice")
        try harness.publish("carol")
        let pending = Self.offers(harness, for: "bob")
        #expect(pending.count == 1)  // carol's tracks wait until alice's offer is answered
        harness.events.removeAll()
        try harness.answerOffer(try #require(pending.first), participant: "bob")
        let next = try SessionDescription(parsing: try #require(Self.offers(harness, for: "bob").first))
        #expect(next.media.count == 4)
    }

    @Test func removingAParticipantClosesBothTransportsAtOnce() throws {
        let harness = try SFUHarness()
        let alice = try harness.publish("alice").client
        try harness.subscribe("alice")
        try harness.subscribe("bob")
        #expect(harness.sfu.metrics.peers == 3)
        harness.events.removeAll()
        harness.sfu.removeParticipant(meeting: "m", participant: "alice", now: harness.now)
        harness.pump()
        let closed = harness.events.compactMap { if case .closed(_, let who, let role, let reason) = $0 { "\(who) \(role) \(reason)" } else { nil } }
        #expect(closed.sorted() == ["alice publish closedByRouter", "alice subscribe closedByRouter"])
        let offer = try SessionDescription(parsing: try #require(Self.offers(harness, for: "bob").last))
        // Nothing is sent any more; the first section stays bundled (idle) so the transport stays.
        #expect(offer.media.allSatisfy { $0.direction == .inactive })
        #expect(offer.media.dropFirst().allSatisfy { $0.port == 0 })
        #expect(offer.bundleGroup == [try #require(offer.media.first?.mid)])
        #expect(harness.sfu.metrics.peers == 1)
        #expect(harness.sfu.metrics.producers == 0)
        // Media from the removed peer's address is dropped before any peer sees it.
        let before = harness.sfu.metrics.droppedUnknownSource
        let packet = SFUHarness.rtp(payloadType: 97, ssrc: SFUHarness.videoSSRC(0), sequence: 1, timestamp: 1, mid: "1", payload: [1])
        harness.pump([try #require(alice.peer?.protectRTP(packet))], from: alice)
        #expect(harness.sfu.metrics.droppedUnknownSource == before + 1)
    }

    @Test func floodsFromUnknownSourcesAreDroppedAndCounted() throws {
        let harness = try SFUHarness()
        try harness.publish("alice")
        var generator = SystemRandomNumberGenerator()
        var flood: [[UInt8]] = []
        for index in 0..<1000 {
            let length = Int(generator.next() % 300)
            var datagram = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            // A third look like STUN, a third like SRTP, the rest anything.
            if !datagram.isEmpty && index % 3 == 0 { datagram[0] &= 0x01 }
            if !datagram.isEmpty && index % 3 == 1 { datagram[0] = 0x80 | (datagram[0] & 0x3F) }
            flood.append(datagram)
        }
        let stranger = SFUHarness.Client.stranger
        for datagram in flood { harness.sfu.handle(datagram: datagram, from: stranger, now: harness.now) }
        // A forged STUN request naming no known ufrag, with a valid fingerprint.
        let forged = STUNMessage(.request, .binding, attributes: [.username("nobody:x"), .useCandidate])
        harness.sfu.handle(
            datagram: try forged.encoded(integrityKey: .shortTerm(password: "guess"), fingerprint: true),
            from: stranger,
            now: harness.now
        )
        var transmits: [Transmit] = []
        harness.sfu.drainTransmits(into: &transmits)
        #expect(transmits.isEmpty)
        #expect(harness.sfu.metrics.droppedUnknownSource == 1001)
        #expect(harness.sfu.metrics.srtpAuthFailures == 0)
    }
}

extension SFUHarness.Client {
    static let stranger = STUNAddress(ip: .v4(0x7F00_0001), port: 666)
}

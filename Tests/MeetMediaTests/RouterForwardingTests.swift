import Testing

@testable import MeetMedia

/// The SFU forwarding between in-memory test peers: rewriting, key frame requests, pause and resume.
@Suite struct RouterForwardingTests {
    /// Alice publishes; Bob and Carol subscribe and connect.
    static func meeting() throws -> (SFUHarness, publisher: SFUHarness.Client, subscribers: [(SessionDescription, SFUHarness.Client)]) {
        let harness = try SFUHarness()
        let publisher = try harness.publish("alice").client
        let bob = try harness.subscribe("bob")
        let carol = try harness.subscribe("carol")
        return (harness, publisher, [bob, carol])
    }

    static func sendVideo(_ harness: SFUHarness, from client: SFUHarness.Client, sequences: some Sequence<UInt16>, timestamp: UInt32 = 9000) throws {
        let peer = try #require(client.peer)
        var datagrams: [[UInt8]] = []
        for sequence in sequences {
            let packet = SFUHarness.rtp(
                payloadType: 97,
                ssrc: SFUHarness.videoSSRC(0),
                sequence: sequence,
                timestamp: timestamp &+ UInt32(sequence) &* 3000,
                mid: "1",
                payload: [0x10, UInt8(sequence & 0xFF), 0xAA, 0xBB]
            )
            datagrams.append(try #require(peer.protectRTP(packet)))
        }
        harness.pump(datagrams, from: client)
    }

    static func receivedVideo(_ client: SFUHarness.Client) throws -> [RTPPacket] {
        try #require(client.peer).receivedRTP.map { try RTPPacket(parsing: $0) }
    }

    static func videoSSRC(in offer: SessionDescription) throws -> UInt32 {
        try #require(offer.media.first { $0.kind == .video }?.sourceGroups.first?.ssrcs.first)
    }

    @Test func forwardsToEachSubscriberWithItsOwnSSRCAndPayloadType() throws {
        let (harness, publisher, subscribers) = try Self.meeting()
        #expect(harness.sfu.metrics.connectedPeers == 3)
        try Self.sendVideo(harness, from: publisher, sequences: 100..<110)
        var ssrcs: Set<UInt32> = []
        for (offer, client) in subscribers {
            let packets = try Self.receivedVideo(client)
            #expect(packets.count == 10)
            let ssrc = try Self.videoSSRC(in: offer)
            ssrcs.insert(ssrc)
            #expect(packets.allSatisfy { $0.ssrc == ssrc && $0.payloadType == 96 })
            #expect(packets.map(\.sequenceNumber) == Array(100..<110))
            #expect(packets.map { Array($0.payload) } == (100..<110).map { [0x10, UInt8($0), 0xAA, 0xBB] })
            // The publisher's mid ("1") must not reach a subscriber, whose id 1 means its own mid.
            #expect(packets.allSatisfy { $0.extensionElement(id: 1) == nil })
        }
        #expect(ssrcs.count == 2)
        #expect(harness.sfu.metrics.packetsForwarded == 20)
        #expect(harness.sfu.metrics.consumers == 4)
        #expect(harness.sfu.metrics.producers == 2)
    }

    @Test func pauseDropsAndResumeContinuesTheSequence() throws {
        let (harness, publisher, subscribers) = try Self.meeting()
        try Self.sendVideo(harness, from: publisher, sequences: 100..<105)
        #expect(harness.sfu.pauseProducer(meeting: "m", participant: "alice", source: .camera))
        try Self.sendVideo(harness, from: publisher, sequences: 105..<140)
        harness.now += .seconds(1)
        #expect(harness.sfu.resumeProducer(meeting: "m", participant: "alice", source: .camera, now: harness.now))
        try Self.sendVideo(harness, from: publisher, sequences: 140..<143)
        for (_, client) in subscribers {
            let packets = try Self.receivedVideo(client)
            #expect(packets.map(\.sequenceNumber) == Array(100..<108))
            // About one second of 90 kHz clock passed between the last packet before the pause and the first after.
            let gap = packets[5].timestamp &- packets[4].timestamp
            #expect(gap >= 90_000 && gap < 100_000)
        }
        #expect(harness.sfu.metrics.droppedUnroutable == 35)
        #expect(harness.sfu.pauseProducer(meeting: "m", participant: "nobody", source: .camera) == false)
    }

    @Test func keyFrameRequestsReachThePublisherThrottled() throws {
        let (harness, publisher, subscribers) = try Self.meeting()
        try Self.sendVideo(harness, from: publisher, sequences: 1..<3)
        let publisherPeer = try #require(publisher.peer)
        publisherPeer.receivedRTCP.removeAll()
        harness.now += .seconds(1)
        let (offer, bob) = subscribers[0]
        let bobPeer = try #require(bob.peer)
        var requests: [[UInt8]] = []
        for _ in 0..<3 {
            var pli: [UInt8] = []
            RTCPPictureLossIndication(senderSSRC: 5, mediaSSRC: try Self.videoSSRC(in: offer)).append(to: &pli)
            requests.append(try #require(bobPeer.protectRTCP(pli)))
        }
        let sentBefore = harness.sfu.metrics.keyFrameRequestsSent
        harness.pump(requests, from: bob)
        let forwarded = try publisherPeer.receivedRTCP.flatMap { try RTCPCompoundPacket(parsing: $0).packets }
        let plis = forwarded.compactMap { if case .pictureLossIndication(let pli) = $0 { pli } else { nil } }
        #expect(plis.map(\.mediaSSRC) == [SFUHarness.videoSSRC(0)])
        let metrics = harness.sfu.metrics
        #expect(metrics.keyFrameRequestsSent == sentBefore + 1)
        #expect(metrics.keyFrameRequestsReceived == 3)
        #expect(metrics.keyFrameRequestsThrottled >= 2)
    }

    @Test func senderReportsAreTranslatedForEachConsumer() throws {
        let (harness, publisher, subscribers) = try Self.meeting()
        try Self.sendVideo(harness, from: publisher, sequences: 10..<14)
        harness.sfu.pauseProducer(meeting: "m", participant: "alice", source: .camera)
        try Self.sendVideo(harness, from: publisher, sequences: 14..<20)
        harness.now += .seconds(2)
        harness.sfu.resumeProducer(meeting: "m", participant: "alice", source: .camera, now: harness.now)
        try Self.sendVideo(harness, from: publisher, sequences: 20..<21)
        for (_, client) in subscribers { try #require(client.peer).receivedRTCP.removeAll() }

        var report: [UInt8] = []
        try RTCPSenderReport.append(
            senderSSRC: SFUHarness.videoSSRC(0),
            ntpTimestamp: 0xE000_0000_8000_0000,
            rtpTimestamp: 123_456,
            packetCount: 11,
            octetCount: 999,
            to: &report
        )
        harness.pump([try #require(publisher.peer?.protectRTCP(report))], from: publisher)
        for (offer, client) in subscribers {
            let packets = try #require(client.peer).receivedRTCP.flatMap { try RTCPCompoundPacket(parsing: $0).packets }
            let reports = packets.compactMap { if case .senderReport(let report) = $0 { report } else { nil } }
            try #require(reports.count == 1)
            #expect(reports[0].senderSSRC == (try Self.videoSSRC(in: offer)))
            #expect(reports[0].ntpTimestamp == 0xE000_0000_8000_0000)
            #expect(reports[0].packetCount == 5)
            // The consumer's timestamps moved by the same offset as its packets after the pause.
            let received = try Self.receivedVideo(client)
            let offset = received[4].timestamp &- (9000 &+ 20 &* 3000)
            #expect(reports[0].rtpTimestamp == 123_456 &+ offset)
            #expect(offset != 0)
        }
        #expect(harness.sfu.metrics.senderReportsForwarded == 2)
    }
}

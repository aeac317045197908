import Testing

@testable import MeetMedia

/// NACK and RTX on both legs, between in-memory test peers.
@Suite struct RouterRetransmissionTests {
    @Test func subscriberNACKIsAnsweredWithRTXFromTheBuffer() throws {
        let (harness, publisher, subscribers) = try RouterForwardingTests.meeting()
        try RouterForwardingTests.sendVideo(harness, from: publisher, sequences: 200..<210)
        let (offer, bob) = subscribers[0]
        let bobPeer = try #require(bob.peer)
        let video = try #require(offer.media.first { $0.kind == .video })
        let group = try #require(video.sourceGroups.first)
        let delivered = bobPeer.receivedRTP
        bobPeer.receivedRTP.removeAll()

        var nack: [UInt8] = []
        try RTCPGenericNACK.append(senderSSRC: 5, mediaSSRC: group.ssrcs[0], lost: [203, 205, 9999], to: &nack)
        harness.pump([try #require(bobPeer.protectRTCP(nack))], from: bob)

        let rtx = try bobPeer.receivedRTP.map { try RTPPacket(parsing: $0) }
        #expect(rtx.count == 2)
        #expect(rtx.allSatisfy { $0.ssrc == group.ssrcs[1] && $0.payloadType == 97 })
        // Unwrapped, each is exactly the packet the subscriber got the first time.
        let unwrapped = try rtx.map { try $0.unwrappingRTX(originalPayloadType: 96, originalSSRC: group.ssrcs[0]) }
        #expect(unwrapped == [delivered[3], delivered[5]])
        #expect(rtx[1].sequenceNumber == rtx[0].sequenceNumber &+ 1)
        let metrics = harness.sfu.metrics
        #expect(metrics.nacksReceived == 1)
        #expect(metrics.retransmissionsSent == 2)
        #expect(metrics.retransmissionsUnavailable == 1)
    }

    @Test func publisherLossIsNACKedAndItsRTXForwarded() throws {
        let (harness, publisher, subscribers) = try RouterForwardingTests.meeting()
        let publisherPeer = try #require(publisher.peer)
        try RouterForwardingTests.sendVideo(harness, from: publisher, sequences: 300..<303)
        publisherPeer.receivedRTCP.removeAll()
        try RouterForwardingTests.sendVideo(harness, from: publisher, sequences: 305..<307)
        let nacks = try publisherPeer.receivedRTCP.flatMap { try RTCPCompoundPacket(parsing: $0).packets }
            .compactMap { if case .nack(let nack) = $0 { nack } else { nil } }
        #expect(nacks.map(\.mediaSSRC) == [SFUHarness.videoSSRC(0)])
        #expect(nacks.first?.lostSequenceNumbers == [303, 304])

        // The publisher answers with RTX (its payload type 98, SSRC from the FID group); subscribers get the originals.
        var rtx: [[UInt8]] = []
        for sequence in UInt16(303)...304 {
            let original = SFUHarness.rtp(
                payloadType: 97,
                ssrc: SFUHarness.videoSSRC(0),
                sequence: sequence,
                timestamp: 9000 &+ UInt32(sequence) &* 3000,
                mid: "1",
                payload: [0x10, UInt8(sequence & 0xFF), 0xAA, 0xBB]
            )
            let wrapped = try RTPPacket(parsing: original).wrappingRTX(
                rtxSSRC: SFUHarness.videoSSRC(0) + 100,
                rtxPayloadType: 98,
                sequenceNumber: 7 + sequence
            )
            rtx.append(try #require(publisherPeer.protectRTP(wrapped)))
        }
        harness.pump(rtx, from: publisher)
        for (_, client) in subscribers {
            let sequences = try RouterForwardingTests.receivedVideo(client).map(\.sequenceNumber)
            #expect(Set(sequences) == Set(300..<307))
        }
        #expect(harness.sfu.metrics.packetsRepaired == 2)
        #expect(harness.sfu.metrics.nacksSent == 1)
    }
}

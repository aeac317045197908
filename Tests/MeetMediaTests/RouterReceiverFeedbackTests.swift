import Testing

@testable import MeetMedia

/// The receiver reports and REMB the SFU sends publishers, between in-memory test peers.
@Suite struct RouterReceiverFeedbackTests {
    /// The compound packets the publisher got (decrypted with its own SRTCP context).
    static func compounds(_ client: SFUHarness.Client) throws -> [[RTCPPacket]] {
        try #require(client.peer).receivedRTCP.map { try RTCPCompoundPacket(parsing: $0).packets }
    }

    /// Lets the periodic feedback fire once: fake time moves past the interval.
    static func tick(_ harness: SFUHarness) {
        harness.now += .seconds(1)
        harness.pump()
    }

    @Test func publisherGetsAReportOfItsLossAndAREMB() throws {
        let (harness, publisher, _) = try RouterForwardingTests.meeting()
        // A first tick closes the loss interval that began when the connection came up.
        Self.tick(harness)
        try RouterForwardingTests.sendVideo(harness, from: publisher, sequences: 1000..<1010)
        try RouterForwardingTests.sendVideo(harness, from: publisher, sequences: 1012..<1020)
        try #require(publisher.peer).receivedRTCP.removeAll()
        Self.tick(harness)

        let periodic = try Self.compounds(publisher).filter { $0.contains { if case .remb = $0 { true } else { false } } }
        try #require(periodic.count == 1)
        guard case .receiverReport(let report) = periodic[0].first, case .remb(let remb) = periodic[0].last else {
            Issue.record("not an RR followed by a REMB: \(periodic[0])")
            return
        }
        // Only the video stream sent packets, so only it has a block.
        try #require(report.reportBlocks.count == 1)
        let block = report.reportBlocks[0]
        #expect(block.ssrc == SFUHarness.videoSSRC(0))
        #expect(block.extendedHighestSequenceNumber == 1019)
        #expect(block.cumulativeLost == 2)
        // 2 of 20 lost: 2 · 256 / 20 = 25.6 → 25.
        #expect(block.fractionLost == 25)
        #expect(block.lastSenderReport == 0 && block.delaySinceLastSenderReport == 0)
        #expect(remb.ssrcs == [SFUHarness.videoSSRC(0)])
        // 10 % lost is not over the 10 % threshold: the configured maximum.
        #expect(remb.bitrate == 2_500_000)
        #expect(report.senderSSRC == remb.senderSSRC)

        let metrics = harness.sfu.metrics
        #expect(metrics.receiverReportsSent >= 2)
        #expect(metrics.rembSent == metrics.receiverReportsSent)

        // The next interval lost nothing; the cumulative count stays.
        try RouterForwardingTests.sendVideo(harness, from: publisher, sequences: 1020..<1030)
        try #require(publisher.peer).receivedRTCP.removeAll()
        Self.tick(harness)
        let next = try Self.compounds(publisher).compactMap { if case .receiverReport(let report) = $0.first { report } else { nil } }
        try #require(next.count == 1)
        #expect(next[0].reportBlocks.first?.fractionLost == 0)
        #expect(next[0].reportBlocks.first?.cumulativeLost == 2)
        #expect(next[0].reportBlocks.first?.extendedHighestSequenceNumber == 1029)
    }

    @Test func heavyLossLowersTheREMB() throws {
        let (harness, publisher, _) = try RouterForwardingTests.meeting()
        Self.tick(harness)
        // Every other packet lost: 50 %.
        try RouterForwardingTests.sendVideo(harness, from: publisher, sequences: stride(from: UInt16(0), to: 40, by: 2))
        try #require(publisher.peer).receivedRTCP.removeAll()
        Self.tick(harness)
        let rembs = try Self.compounds(publisher).flatMap { $0 }.compactMap { if case .remb(let remb) = $0 { remb } else { nil } }
        try #require(rembs.count == 1)
        // 20 packets of 24 bytes in a bit over a second: far below the maximum.
        #expect(rembs[0].bitrate > 0)
        #expect(rembs[0].bitrate < 20 * 24 * 8)
    }

    @Test func reportsEchoTheLastSenderReport() throws {
        let (harness, publisher, _) = try RouterForwardingTests.meeting()
        try RouterForwardingTests.sendVideo(harness, from: publisher, sequences: 1..<5)
        var report: [UInt8] = []
        try RTCPSenderReport.append(
            senderSSRC: SFUHarness.videoSSRC(0),
            ntpTimestamp: 0xE000_1234_5678_0000,
            rtpTimestamp: 9000,
            packetCount: 4,
            octetCount: 96,
            to: &report
        )
        harness.pump([try #require(publisher.peer?.protectRTCP(report))], from: publisher)
        try #require(publisher.peer).receivedRTCP.removeAll()
        Self.tick(harness)
        let reports = try Self.compounds(publisher).compactMap { if case .receiverReport(let report) = $0.first { report } else { nil } }
        let block = try #require(reports.last?.reportBlocks.first)
        #expect(block.lastSenderReport == 0x1234_5678)
        // Fake time moved by the one-second tick and a few 10 ms pump steps since the SR.
        #expect(block.delaySinceLastSenderReport >= 65536)
        #expect(block.delaySinceLastSenderReport < 2 * 65536)
    }

    @Test func theReportBeforeANACKCarriesTheBlocks() throws {
        let (harness, publisher, _) = try RouterForwardingTests.meeting()
        try RouterForwardingTests.sendVideo(harness, from: publisher, sequences: 300..<303)
        try #require(publisher.peer).receivedRTCP.removeAll()
        try RouterForwardingTests.sendVideo(harness, from: publisher, sequences: 305..<307)
        let withNACK = try Self.compounds(publisher).filter { $0.contains { if case .nack = $0 { true } else { false } } }
        try #require(withNACK.count == 1)
        guard case .receiverReport(let report) = withNACK[0].first else {
            Issue.record("the NACK is not after an RR")
            return
        }
        let block = try #require(report.reportBlocks.first)
        #expect(block.ssrc == SFUHarness.videoSSRC(0))
        #expect(block.cumulativeLost == 2)
        #expect(block.extendedHighestSequenceNumber == 305)
    }

    @Test func aZeroIntervalCountsAsTheMinimum() throws {
        let configuration = SFU.Configuration(
            certificate: try DTLSEndpointTests.certificate(name: "sfu"),
            candidates: [],
            receiverReportInterval: .zero
        )
        #expect(MediaRouter(meeting: "m", configuration: configuration).receiverReportInterval == .milliseconds(100))
    }

    @Test func feedbackStopsWhenThePublisherLeaves() throws {
        let (harness, publisher, _) = try RouterForwardingTests.meeting()
        try RouterForwardingTests.sendVideo(harness, from: publisher, sequences: 1..<5)
        Self.tick(harness)
        let sent = harness.sfu.metrics.receiverReportsSent
        #expect(sent >= 1)
        harness.sfu.removeParticipant(meeting: "m", participant: "alice", now: harness.now)
        Self.tick(harness)
        Self.tick(harness)
        #expect(harness.sfu.metrics.receiverReportsSent == sent)
    }
}

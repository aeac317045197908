import Testing

@testable import MeetMedia

/// RFC 3550 receiver statistics (§6.4.1, Appendix A.1, A.3, A.8) with hand-computed expectations.
@Suite struct ReceiverStatisticsTests {
    static let start = ContinuousClock.now

    /// Records `sequences` as packets 20 ms apart whose timestamps advance 20 ms of the clock each,
    /// so that the transit time never changes.
    static func steady(_ statistics: inout ReceiverStatistics, _ sequences: some Sequence<UInt16>, from first: UInt16) {
        let step = statistics.clockRate / 50
        for sequence in sequences {
            let index = Int(sequence &- first)
            statistics.record(sequence: sequence, timestamp: UInt32(index) * step, now: start + .milliseconds(20 * index))
        }
    }

    @Test func inOrderPacketsLoseNothing() {
        var statistics = ReceiverStatistics(clockRate: 90000)
        Self.steady(&statistics, 1000..<1010, from: 1000)
        let block = statistics.reportBlock(ssrc: 7, now: Self.start + .seconds(1))
        #expect(block.ssrc == 7)
        #expect(block.fractionLost == 0)
        #expect(block.cumulativeLost == 0)
        #expect(block.extendedHighestSequenceNumber == 1009)
        #expect(block.jitter == 0)
        #expect(statistics.expected == 10)
        #expect(statistics.received == 10)
    }

    @Test func gapCountsInFractionAndCumulativeLoss() {
        var statistics = ReceiverStatistics(clockRate: 90000)
        Self.steady(&statistics, Array(100..<110) + Array(115..<120), from: 100)
        // 20 expected (100...119), 15 received: 5 lost, 5 · 256 / 20 = 64.
        var block = statistics.reportBlock(ssrc: 1, now: Self.start)
        #expect(block.fractionLost == 64)
        #expect(block.cumulativeLost == 5)
        #expect(block.extendedHighestSequenceNumber == 119)
        // A report before a NACK does not start a new interval; the periodic one does.
        #expect(statistics.reportBlock(ssrc: 1, now: Self.start).fractionLost == 64)
        statistics.closeInterval()

        Self.steady(&statistics, 120..<130, from: 100)
        block = statistics.reportBlock(ssrc: 1, now: Self.start)
        #expect(block.fractionLost == 0)
        #expect(block.cumulativeLost == 5)
        statistics.closeInterval()

        // 130 missing: 11 expected in the interval (130...140), 10 received: 256 / 11 = 23.27 → 23.
        Self.steady(&statistics, 131..<141, from: 100)
        block = statistics.reportBlock(ssrc: 1, now: Self.start)
        #expect(block.fractionLost == 23)
        #expect(block.cumulativeLost == 6)
        #expect(block.extendedHighestSequenceNumber == 140)
    }

    @Test func sequenceWrapAddsACycle() {
        var statistics = ReceiverStatistics(clockRate: 48000)
        Self.steady(&statistics, Array(65530...65535) + Array(0...5), from: 65530)
        let block = statistics.reportBlock(ssrc: 1, now: Self.start)
        #expect(block.extendedHighestSequenceNumber == 65536 + 5)
        #expect(statistics.cycles == 65536)
        #expect(statistics.expected == 12)
        #expect(block.cumulativeLost == 0)
        #expect(block.fractionLost == 0)
    }

    @Test func reorderingAndDuplicatesAreNotLoss() {
        var statistics = ReceiverStatistics(clockRate: 90000)
        let order: [UInt16] = [1, 2, 4, 3, 5, 6]
        for (index, sequence) in order.enumerated() {
            statistics.record(sequence: sequence, timestamp: UInt32(sequence) * 3000, now: Self.start + .milliseconds(33 * index))
        }
        var block = statistics.reportBlock(ssrc: 1, now: Self.start)
        #expect(block.cumulativeLost == 0)
        #expect(block.fractionLost == 0)
        #expect(block.extendedHighestSequenceNumber == 6)
        // A duplicate counts as received (RFC 3550 §6.4.1), so the cumulative loss goes negative.
        statistics.record(sequence: 5, timestamp: 15000, now: Self.start + .milliseconds(300))
        statistics.record(sequence: 6, timestamp: 18000, now: Self.start + .milliseconds(301))
        block = statistics.reportBlock(ssrc: 1, now: Self.start)
        #expect(block.cumulativeLost == -2)
        #expect(block.fractionLost == 0)
        #expect(block.extendedHighestSequenceNumber == 6)
    }

    @Test func aLargeJumpIsARestartOnlyWhenConfirmed() {
        var statistics = ReceiverStatistics(clockRate: 90000)
        Self.steady(&statistics, 10..<12, from: 10)
        // One stray packet far ahead is dropped, and the stream goes on.
        statistics.record(sequence: 20000, timestamp: 0, now: Self.start)
        #expect(statistics.received == 2)
        #expect(statistics.extendedHighestSequence == 11)
        statistics.record(sequence: 12, timestamp: 6000, now: Self.start + .milliseconds(40))
        #expect(statistics.received == 3)
        #expect(statistics.cumulativeLost == 0)
        // A.1: a jump followed by its next sequence number restarts the counts at that second packet.
        statistics.record(sequence: 30000, timestamp: 0, now: Self.start + .milliseconds(60))
        statistics.record(sequence: 30001, timestamp: 3000, now: Self.start + .milliseconds(93))
        #expect(statistics.baseSequence == 30001)
        #expect(statistics.received == 1)
        #expect(statistics.extendedHighestSequence == 30001)
        #expect(statistics.cumulativeLost == 0)
        statistics.record(sequence: 30003, timestamp: 9000, now: Self.start + .milliseconds(160))
        #expect(statistics.cumulativeLost == 1)
    }

    @Test func constantSpacingHasNoJitter() {
        var statistics = ReceiverStatistics(clockRate: 90000)
        Self.steady(&statistics, 0..<50, from: 0)
        #expect(statistics.jitter == 0)
    }

    /// Opus, 20 ms packets (960 ticks); the third arrives 10 ms late (480 ticks). Transit times
    /// 0, 0, 480, 0 give D = 0, 480, 480: J = 0, then 480/16 = 30, then 30 + (480 − 30)/16 = 58.125,
    /// reported as 58 (A.8's integer form keeps J · 16 = 930).
    @Test func oneLatePacketGivesTheRFCJitter() {
        var statistics = ReceiverStatistics(clockRate: 48000)
        let arrivals = [0, 20, 50, 60]
        for (index, milliseconds) in arrivals.enumerated() {
            statistics.record(sequence: UInt16(index), timestamp: UInt32(index) * 960, now: Self.start + .milliseconds(milliseconds))
        }
        #expect(statistics.jitter == 58)
        #expect(statistics.reportBlock(ssrc: 1, now: Self.start).jitter == 58)
    }

    /// Packets of one video frame share a timestamp and leave the pacer spread out: only the first
    /// of each frame moves the jitter.
    @Test func packetsOfOneFrameDoNotAddJitter() {
        var statistics = ReceiverStatistics(clockRate: 90000)
        var sequence: UInt16 = 0
        for frame in 0..<10 {
            for packet in 0..<3 {
                statistics.record(
                    sequence: sequence,
                    timestamp: UInt32(frame) * 3000,
                    now: Self.start + .milliseconds(frame * 33) + .microseconds(packet * 5000)
                )
                sequence += 1
            }
        }
        // 33 ms is 2970 ticks, so each frame's first packet is 30 ticks early: J grows towards 30.
        #expect(statistics.jitter < 30)
        #expect(statistics.jitter > 0)
    }

    @Test func senderReportGivesLSRAndDLSR() {
        var statistics = ReceiverStatistics(clockRate: 90000)
        Self.steady(&statistics, 0..<3, from: 0)
        var block = statistics.reportBlock(ssrc: 1, now: Self.start + .seconds(1))
        #expect(block.lastSenderReport == 0)
        #expect(block.delaySinceLastSenderReport == 0)
        statistics.noteSenderReport(compactNTP: 0x1234_5678, now: Self.start + .seconds(2))
        // 1.5 s later: 1.5 · 65536 = 98304.
        block = statistics.reportBlock(ssrc: 1, now: Self.start + .milliseconds(3500))
        #expect(block.lastSenderReport == 0x1234_5678)
        #expect(block.delaySinceLastSenderReport == 98304)
        // A quarter of 1/65536 s is below the unit and dropped.
        block = statistics.reportBlock(ssrc: 1, now: Self.start + .seconds(2) + .nanoseconds(3815))
        #expect(block.delaySinceLastSenderReport == 0)
    }

    @Test func cumulativeLossIsClampedTo24Bits() {
        var statistics = ReceiverStatistics(clockRate: 90000)
        // Step 2999 (under the dropout limit) 3000 times: about 9 million lost, over 2^23 − 1.
        var sequence: UInt16 = 0
        for _ in 0..<3000 {
            statistics.record(sequence: sequence, timestamp: 0, now: Self.start)
            sequence &+= 2999
        }
        #expect(statistics.cumulativeLost > Int64(RTCPReportBlock.cumulativeLostRange.upperBound))
        let block = statistics.reportBlock(ssrc: 1, now: Self.start)
        #expect(block.cumulativeLost == RTCPReportBlock.cumulativeLostRange.upperBound)
        #expect(block.fractionLost == 255)
    }

    @Test func rembFollowsTheLossRule() {
        // 10 % lost is not more than 10 %: the maximum.
        #expect(MediaRouter.rembBitrate(maximum: 2_500_000, bytes: 125_000, over: .seconds(1), expected: 100, lost: 10) == 2_500_000)
        // 11 %: 85 % of 1,000,000 bps received.
        #expect(MediaRouter.rembBitrate(maximum: 2_500_000, bytes: 125_000, over: .seconds(1), expected: 100, lost: 11) == 850_000)
        // 250,000 bytes in 2 s is also 1,000,000 bps.
        #expect(MediaRouter.rembBitrate(maximum: 2_500_000, bytes: 250_000, over: .seconds(2), expected: 100, lost: 50) == 850_000)
        // Never above the maximum, and nothing expected means no loss.
        #expect(MediaRouter.rembBitrate(maximum: 500_000, bytes: 1_000_000, over: .seconds(1), expected: 10, lost: 5) == 500_000)
        #expect(MediaRouter.rembBitrate(maximum: 2_500_000, bytes: 0, over: .seconds(1), expected: 0, lost: 0) == 2_500_000)
    }
}

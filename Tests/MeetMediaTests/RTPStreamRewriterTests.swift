import Testing

@testable import MeetMedia

@Suite struct RTPStreamRewriterTests {
    static let start = ContinuousClock.now

    @Test func passesThroughUntilAGapThenContinuesAcrossWrapAround() {
        var rewriter = RTPStreamRewriter()
        #expect(rewriter.rewrite(sequence: 65534, timestamp: 100, clockRate: 90000, now: Self.start)! == (65534, 100))
        #expect(rewriter.rewrite(sequence: 65535, timestamp: 200, clockRate: 90000, now: Self.start)! == (65535, 200))
        rewriter.resynchronize()
        // The publisher's numbering jumped (a pause); the consumer's continues at 0 after 65535.
        let resumed = rewriter.rewrite(sequence: 500, timestamp: 7_000_000, clockRate: 90000, now: Self.start + .milliseconds(100))!
        #expect(resumed.0 == 0)
        #expect(resumed.1 == 200 + 9000)
        #expect(rewriter.rewrite(sequence: 501, timestamp: 7_000_100, clockRate: 90000, now: Self.start + .milliseconds(101))! == (1, 9300))
        // Reordered input before the new anchor would collide with numbers already sent: dropped.
        #expect(rewriter.rewrite(sequence: 499, timestamp: 6_999_900, clockRate: 90000, now: Self.start + .milliseconds(102)) == nil)
        // Reordered input after the anchor keeps its place.
        #expect(rewriter.rewrite(sequence: 503, timestamp: 7_000_300, clockRate: 90000, now: Self.start + .milliseconds(103))?.0 == 3)
        #expect(rewriter.rewrite(sequence: 502, timestamp: 7_000_200, clockRate: 90000, now: Self.start + .milliseconds(104))?.0 == 2)
    }

    @Test func retransmissionBufferKeepsTheLastPacketsBySequence() {
        var buffer = RetransmissionBuffer()
        for sequence in UInt16(0)..<600 {
            buffer.store([0x80, 96, UInt8(sequence >> 8), UInt8(sequence & 0xFF)], sequenceNumber: sequence)
        }
        #expect(buffer.packet(sequenceNumber: 599)?[3] == UInt8(599 & 0xFF))
        #expect(buffer.packet(sequenceNumber: 100) != nil)
        #expect(buffer.packet(sequenceNumber: 50) == nil)  // overwritten by 562
    }
}

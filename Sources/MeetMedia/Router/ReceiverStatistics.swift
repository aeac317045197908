/// What the router received of one publisher stream (a producer's media SSRC, not its RTX), kept
/// as RFC 3550 §6.4.1 and Appendix A.1, A.3 and A.8 describe it, for the report blocks of the
/// receiver reports it sends the publisher. A value updated in place on every packet: recording
/// one allocates nothing.
///
/// Departures from the appendix: there is no probation (the first packet starts the statistics;
/// the SFU only counts packets that passed SRTP authentication), and jitter is updated only by
/// in-order packets that start a new timestamp (the first packet of each frame), as libwebrtc
/// does, because the packets of one video frame share a timestamp but leave the pacer spread
/// over time.
struct ReceiverStatistics {
    /// A.1: a jump ahead of this many packets or more is a restart, not a loss...
    static let maximumDropout: UInt16 = 3000
    /// ...and one this far behind the highest sequence number is a late or duplicate packet.
    static let maximumMisorder: UInt16 = 100
    /// One sequence number cycle.
    static let sequenceModulus: UInt32 = 1 << 16
    /// 2^-16 seconds (the DLSR unit) in attoseconds: 10^18 / 2^16, exact.
    static let attosecondsPerDelayUnit: Int64 = 15_258_789_062_500

    /// The stream's RTP clock: 90000 for video, 48000 for Opus.
    let clockRate: UInt32
    /// Whether a packet has been counted since the statistics (re)started.
    private(set) var started = false
    /// The first sequence number after the last (re)start.
    private(set) var baseSequence: UInt16 = 0
    private(set) var highestSequence: UInt16 = 0
    /// Completed sequence number cycles, shifted: a multiple of 2^16.
    private(set) var cycles: UInt32 = 0
    /// A large jump waits for the next sequence number to confirm it (A.1 `bad_seq`).
    private var badSequence: UInt32 = sequenceModulus + 1
    /// Packets counted, duplicates included (RFC 3550 §6.4.1 counts them too).
    private(set) var received: Int64 = 0
    /// `expected` and `received` when the last interval closed (A.3 `expected_prior`, `received_prior`).
    private var expectedPrior: Int64 = 0
    private var receivedPrior: Int64 = 0
    /// The interarrival jitter times 16 (A.8, the integer form).
    private var scaledJitter: UInt32 = 0
    /// The relative transit time of the last packet used for jitter, in timestamp units.
    private var lastTransit: UInt32 = 0
    private var lastTimestamp: UInt32 = 0
    private var jitterStarted = false
    /// The arrival time that timestamp-unit arrival times count from.
    private var epoch: ContinuousClock.Instant?
    /// The middle 32 bits of the NTP time of the last sender report, and when it arrived.
    private(set) var lastSenderReport: UInt32 = 0
    private(set) var lastSenderReportAt: ContinuousClock.Instant?

    init(clockRate: UInt32) {
        self.clockRate = clockRate
    }

    /// The highest sequence number received, extended with its cycle count.
    var extendedHighestSequence: UInt32 { cycles &+ UInt32(highestSequence) }

    /// Packets expected since the (re)start: extended highest minus base, plus one.
    var expected: Int64 { started ? Int64(cycles) + Int64(highestSequence) - Int64(baseSequence) + 1 : 0 }

    /// Cumulative packets lost: expected minus received, which duplicates can make negative.
    var cumulativeLost: Int64 { expected - received }

    /// The interarrival jitter in timestamp units.
    var jitter: UInt32 { scaledJitter >> 4 }

    /// Counts one packet of the stream that arrived at `now` (A.1 `update_seq`, A.8).
    mutating func record(sequence: UInt16, timestamp: UInt32, now: ContinuousClock.Instant) {
        guard started else {
            restart(at: sequence)
            received = 1
            noteArrival(timestamp: timestamp, now: now)
            return
        }
        let delta = sequence &- highestSequence
        if delta < Self.maximumDropout {
            // In order, with at most a permissible gap.
            if sequence < highestSequence { cycles &+= Self.sequenceModulus }
            highestSequence = sequence
            received += 1
            if delta > 0 { noteArrival(timestamp: timestamp, now: now) }
        } else if UInt32(delta) <= Self.sequenceModulus - UInt32(Self.maximumMisorder) {
            // A very large jump: a restart if the next packet follows it, else a stray packet.
            guard UInt32(sequence) == badSequence else {
                badSequence = (UInt32(sequence) + 1) & (Self.sequenceModulus - 1)
                return
            }
            restart(at: sequence)
            received = 1
            jitterStarted = false
            noteArrival(timestamp: timestamp, now: now)
        } else {
            // A duplicate or a late (reordered) packet: received, and no change to the highest.
            received += 1
        }
    }

    /// Remembers a sender report from this stream (its compact NTP time, as LSR) and when it came.
    mutating func noteSenderReport(compactNTP: UInt32, now: ContinuousClock.Instant) {
        lastSenderReport = compactNTP
        lastSenderReportAt = now
    }

    /// A.3's interval figures since the last ``closeInterval()``: packets expected and lost.
    var interval: (expected: Int64, lost: Int64) {
        let expectedInterval = expected - expectedPrior
        return (expectedInterval, expectedInterval - (received - receivedPrior))
    }

    /// Starts a new interval for the fraction lost: the periodic receiver report calls this once
    /// it reported; report blocks sent in between (before a NACK or PLI) leave it open.
    mutating func closeInterval() {
        expectedPrior = expected
        receivedPrior = received
    }

    /// The report block for `ssrc` at `now` (A.3): the fraction lost covers the interval since
    /// the last ``closeInterval()``, the cumulative loss is clamped to 24 signed bits, and the DLSR
    /// is 0 until a sender report has arrived.
    func reportBlock(ssrc: UInt32, now: ContinuousClock.Instant) -> RTCPReportBlock {
        let (expectedInterval, lostInterval) = interval
        var fraction: UInt8 = 0
        if expectedInterval > 0, lostInterval > 0 { fraction = UInt8(min(255, (lostInterval << 8) / expectedInterval)) }
        let range = RTCPReportBlock.cumulativeLostRange
        let lost = Int32(min(max(cumulativeLost, Int64(range.lowerBound)), Int64(range.upperBound)))
        var delay: UInt32 = 0
        if let lastSenderReportAt, now > lastSenderReportAt {
            let elapsed = (now - lastSenderReportAt).components
            let units = elapsed.seconds.multipliedReportingOverflow(by: 65536)
            let total = units.overflow ? Int64.max : units.partialValue &+ elapsed.attoseconds / Self.attosecondsPerDelayUnit
            delay = UInt32(clamping: total)
        }
        return RTCPReportBlock(
            ssrc: ssrc,
            fractionLost: fraction,
            cumulativeLost: lost,
            extendedHighestSequenceNumber: extendedHighestSequence,
            jitter: jitter,
            lastSenderReport: lastSenderReportAt == nil ? 0 : lastSenderReport,
            delaySinceLastSenderReport: delay
        )
    }

    /// A.1 `init_seq`: counts start again from `sequence`.
    private mutating func restart(at sequence: UInt16) {
        started = true
        baseSequence = sequence
        highestSequence = sequence
        cycles = 0
        badSequence = Self.sequenceModulus + 1
        received = 0
        expectedPrior = 0
        receivedPrior = 0
    }

    /// A.8: updates the jitter with the transit time of a packet with a new timestamp. Arrival
    /// times are in timestamp units since the first packet; only differences of transit times
    /// matter, so both wrap modulo 2^32 like the timestamps.
    private mutating func noteArrival(timestamp: UInt32, now: ContinuousClock.Instant) {
        let epoch = self.epoch ?? now
        self.epoch = epoch
        let transit = arrivalUnits(since: epoch, now: now) &- timestamp
        guard jitterStarted else {
            jitterStarted = true
            lastTransit = transit
            lastTimestamp = timestamp
            return
        }
        guard timestamp != lastTimestamp else { return }
        let difference = Int32(bitPattern: transit &- lastTransit).magnitude
        lastTransit = transit
        lastTimestamp = timestamp
        // J += (|D| - J) / 16, kept times 16 so the division rounds as A.8 does.
        let updated = UInt64(scaledJitter) + UInt64(difference) - (UInt64(scaledJitter) + 8) >> 4
        scaledJitter = UInt32(clamping: updated)
    }

    /// The time from `epoch` to `now` in this stream's timestamp units, modulo 2^32.
    private func arrivalUnits(since epoch: ContinuousClock.Instant, now: ContinuousClock.Instant) -> UInt32 {
        let elapsed = (now - epoch).components
        let nanoseconds = elapsed.attoseconds / 1_000_000_000
        let whole = UInt32(truncatingIfNeeded: elapsed.seconds &* Int64(clockRate))
        return whole &+ UInt32(truncatingIfNeeded: nanoseconds &* Int64(clockRate) / 1_000_000_000)
    }
}

/// A subscriber's copy of a producer's track (mediasoup's consumer): its own SSRC, payload type
/// and a sequence and timestamp space that stays continuous across pauses, so the subscriber
/// sees one unbroken stream.
struct Consumer {
    let producer: ProducerKey
    let mid: String
    let ssrc: UInt32
    let rtxSSRC: UInt32?
    let payloadType: UInt8
    let clockRate: UInt32
    /// Whether the subscriber's answer accepted this section.
    var accepted = false
    var rewriter = RTPStreamRewriter()
    /// The RTX stream's own sequence numbers (RFC 4588 §4).
    var rtxSequence = UInt16.random(in: 0...UInt16.max)
    var packetsOut = 0
    var bytesOut = 0
}

/// Maps a producer's sequence numbers and timestamps into a consumer's. After a gap the router
/// chose (a pause, a new subscriber) it re-anchors so the output continues from where it left off:
/// the next sequence number, and a timestamp advanced by the wall-clock time that passed.
struct RTPStreamRewriter {
    private(set) var sequenceOffset: UInt16 = 0
    private(set) var timestampOffset: UInt32 = 0
    private var lastSequence: UInt16 = 0
    private var lastTimestamp: UInt32 = 0
    private var lastSentAt: ContinuousClock.Instant?
    /// The first input sequence number after the last re-anchoring; older input is dropped.
    private var anchor: UInt16 = 0
    private var needsAnchor = true

    /// Re-anchors on the next packet.
    mutating func resynchronize() {
        needsAnchor = true
    }

    /// The consumer's sequence number and timestamp for an input packet, or nil to drop it
    /// (it predates the current anchor).
    mutating func rewrite(sequence: UInt16, timestamp: UInt32, clockRate: UInt32, now: ContinuousClock.Instant) -> (UInt16, UInt32)? {
        if needsAnchor {
            needsAnchor = false
            anchor = sequence
            if let lastSentAt {
                let elapsed = now - lastSentAt
                let milliseconds = max(1, elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
                let ticks = UInt32(truncatingIfNeeded: milliseconds &* Int64(clockRate) / 1000)
                sequenceOffset = lastSequence &+ 1 &- sequence
                timestampOffset = lastTimestamp &+ max(1, ticks) &- timestamp
            }
        } else if Int16(bitPattern: sequence &- anchor) < 0 {
            return nil
        }
        let output = (sequence &+ sequenceOffset, timestamp &+ timestampOffset)
        if lastSentAt == nil || Int16(bitPattern: output.0 &- lastSequence) > 0 {
            lastSequence = output.0
            lastTimestamp = output.1
        }
        lastSentAt = now
        return output
    }
}

/// Names a producer in a meeting: whose track, and which of their sources.
public struct ProducerKey: Hashable, Sendable, CustomStringConvertible {
    public var participant: String
    public var source: TrackSource

    public init(participant: String, source: TrackSource) {
        self.participant = participant
        self.source = source
    }

    public var description: String { "\(participant)/\(source.rawValue)" }
}

/// An incoming track (mediasoup's producer): one media section of a participant's publish
/// connection, with what the router needs to read its packets.
struct Producer {
    let key: ProducerKey
    let mid: String
    let kind: SDPMediaKind
    /// The codec the publisher sends, in its own payload type numbering.
    let codec: SDPCodec
    /// The codec's form on the subscribe side, where the router fixes the payload types.
    let forwardedCodec: MediaCapabilities.Codec
    /// The publisher's RTX payload type for `codec`, if negotiated.
    let rtxPayloadType: UInt8?
    /// Whether the answer accepted `goog-remb` for `codec`, so the publisher takes REMB for this stream.
    let acceptsREMB: Bool
    /// Learned from `a=ssrc` or from the first packet carrying this section's mid.
    var ssrc: UInt32?
    var rtxSSRC: UInt32?
    /// Header extension ids the router removes before forwarding: the publisher's mid (which
    /// names its own section, not the subscriber's) and any id the subscribe side uses for
    /// something else.
    let strippedExtensionIDs: [UInt8]
    var paused = false
    /// When the router last asked the publisher for a key frame.
    var lastKeyFrameRequest: ContinuousClock.Instant?
    /// Subscribers receiving this track.
    var consumers: Set<String> = []
    /// The last video packets, to answer subscribers' NACKs with RTX.
    var retransmissions = RetransmissionBuffer()
    /// The highest sequence number received on the publisher leg, to notice losses and NACK them.
    var highestSequence: UInt16?
    /// What arrived on the media SSRC, for the receiver reports to the publisher.
    var receiverStatistics: ReceiverStatistics
    /// Bytes of RTP (media and RTX) received since the last periodic receiver feedback, for REMB.
    var bytesSinceFeedback = 0
    /// Packets forwarded from this producer, and those dropped while paused.
    var packetsIn = 0
    var droppedWhilePaused = 0
}

/// The last packets of a track by sequence number, so that a NACK from a subscriber can be
/// answered without asking the publisher. A fixed ring: storing a packet never grows it.
struct RetransmissionBuffer {
    static let capacity = 512
    private var slots: [[UInt8]?] = []

    mutating func store(_ packet: [UInt8], sequenceNumber: UInt16) {
        if slots.isEmpty { slots = Array(repeating: nil, count: Self.capacity) }
        slots[Int(sequenceNumber) % Self.capacity] = packet
    }

    /// The stored packet with this sequence number, if it is still there.
    func packet(sequenceNumber: UInt16) -> [UInt8]? {
        guard !slots.isEmpty, let packet = slots[Int(sequenceNumber) % Self.capacity], packet.count >= 4 else { return nil }
        let stored = UInt16(packet[2]) << 8 | UInt16(packet[3])
        return stored == sequenceNumber ? packet : nil
    }
}

/// What a datagram on a port shared by ICE, DTLS and SRTP carries, told from its first byte as
/// RFC 7983 §7 lays out; classifying costs one comparison, so it runs before any parsing.
public enum DatagramKind: Sendable, Equatable {
    /// First byte 0–3.
    case stun
    /// First byte 20–63.
    case dtls
    /// First byte 128–191: RTP or RTCP, which RFC 5761 §4 tells apart by payload type.
    case rtp
    /// Anything else, including empty datagrams, ZRTP (16–19) and TURN channel data (64–79),
    /// none of which this server speaks.
    case other

    public init(firstByte: UInt8) {
        switch firstByte {
        case 0...3: self = .stun
        case 20...63: self = .dtls
        case 128...191: self = .rtp
        default: self = .other
        }
    }

    public init(datagram: some Collection<UInt8>) {
        guard let first = datagram.first else {
            self = .other
            return
        }
        self.init(firstByte: first)
    }
}

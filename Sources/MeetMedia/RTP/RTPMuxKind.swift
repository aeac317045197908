/// Whether a datagram that ``DatagramKind`` calls `.rtp` is RTP or RTCP, when both share one port
/// (RFC 5761 §4). RTCP packet types 192–223 fill the second byte where RTP keeps the marker bit and
/// payload type, and RTP avoids payload types 64–95 so that marker plus type never land there.
public enum RTPMuxKind: Sendable, Equatable {
    case rtp
    case rtcp
    /// Too short to tell, or not version 2.
    case other

    /// Looks at two bytes only; nothing is parsed.
    public init(datagram: some Collection<UInt8>) {
        var iterator = datagram.makeIterator()
        guard let first = iterator.next(), let second = iterator.next(), first >> 6 == 2 else {
            self = .other
            return
        }
        self = (192...223).contains(second) ? .rtcp : .rtp
    }
}

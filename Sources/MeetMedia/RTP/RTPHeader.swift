/// The fixed part of an RTP header (RFC 3550 §5.1) and where the payload starts, read without copying.
/// Only what SRTP needs, and it does not look at padding (encrypted under SRTP); ``RTPPacket`` is
/// the full view of a plain RTP packet.
public struct RTPHeader: Sendable, Equatable {
    public var marker: Bool
    public var payloadType: UInt8
    public var sequenceNumber: UInt16
    public var timestamp: UInt32
    public var ssrc: UInt32
    public var hasPadding: Bool
    /// Bytes of header: fixed part, CSRC list and header extension.
    public var length: Int

    /// Parses the header of `packet`; throws unless it is a well-formed RTP version 2 header.
    public init(parsing packet: some RandomAccessCollection<UInt8>) throws {
        let bytes = packet
        guard bytes.count >= 12 else { throw MediaError(.malformedPacket, "RTP packet shorter than its fixed header") }
        let start = bytes.startIndex
        func byte(_ offset: Int) -> UInt8 { bytes[bytes.index(start, offsetBy: offset)] }
        func word16(_ offset: Int) -> UInt16 { UInt16(byte(offset)) << 8 | UInt16(byte(offset + 1)) }
        func word32(_ offset: Int) -> UInt32 { UInt32(word16(offset)) << 16 | UInt32(word16(offset + 2)) }
        let first = byte(0)
        guard first >> 6 == 2 else { throw MediaError(.malformedPacket, "RTP version is not 2") }
        hasPadding = first & 0x20 != 0
        marker = byte(1) & 0x80 != 0
        payloadType = byte(1) & 0x7f
        sequenceNumber = word16(2)
        timestamp = word32(4)
        ssrc = word32(8)
        var length = 12 + 4 * Int(first & 0x0f)
        if first & 0x10 != 0 {
            guard bytes.count >= length + 4 else { throw MediaError(.malformedPacket, "RTP header extension is cut short") }
            length += 4 + 4 * Int(word16(length + 2))
        }
        guard bytes.count >= length else { throw MediaError(.malformedPacket, "RTP header is longer than the packet") }
        self.length = length
    }
}

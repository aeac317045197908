/// A whole RTP packet (RFC 3550 §5.1) read in place: the fixed header, the CSRC list, the header
/// extension (RFC 8285), the payload and the padding, found once and kept as offsets into the
/// caller's bytes, so reading a packet allocates nothing.
///
/// Parsing checks everything a forwarder relies on: version 2, a CSRC list and extension that fit,
/// extension elements that stay inside the extension, and a padding count that is neither zero nor
/// larger than the payload. ``payload`` excludes the padding.
public struct RTPPacket: Sendable, Equatable {
    /// The fixed header without CSRCs.
    public static let fixedHeaderSize = 12

    /// The bytes this packet was parsed from, padding included.
    public let bytes: ArraySlice<UInt8>
    public let marker: Bool
    public let payloadType: UInt8
    public let sequenceNumber: UInt16
    public let timestamp: UInt32
    public let ssrc: UInt32
    /// Number of contributing sources (the CC field).
    public let csrcCount: Int
    /// Bytes of header: fixed part, CSRC list and header extension.
    public let headerLength: Int
    /// Bytes of padding at the end, including the count byte; 0 without the P bit.
    public let paddingLength: Int
    /// The header extension, if the X bit is set.
    public let headerExtension: RTPHeaderExtension?

    /// Parses a whole array without copying it.
    public init(parsing packet: [UInt8]) throws(MediaError) {
        try self.init(parsing: packet[...])
    }

    /// Parses a slice; ``bytes``, ``payload`` and extension values stay slices of the same storage.
    public init(parsing packet: ArraySlice<UInt8>) throws(MediaError) {
        let size = packet.count
        guard size >= Self.fixedHeaderSize else {
            throw MediaError(.truncated, "RTP packet of \(size) bytes is shorter than the fixed header")
        }
        let first = packet[packet.startIndex]
        guard first >> 6 == 2 else { throw MediaError(.badVersion, "RTP version is \(first >> 6), not 2") }
        let second = packet[packet.startIndex + 1]
        csrcCount = Int(first & 0x0F)
        var length = Self.fixedHeaderSize + 4 * csrcCount
        guard size >= length else { throw MediaError(.truncated, "RTP CSRC list runs past the packet") }
        if first & 0x10 != 0 {
            guard size >= length + 4 else { throw MediaError(.truncated, "RTP header extension header runs past the packet") }
            let profile: UInt16 = packet.bigEndian(at: length)
            let words = Int(packet.bigEndian(at: length + 2, as: UInt16.self))
            let dataStart = length + 4
            length = dataStart + 4 * words
            guard size >= length else { throw MediaError(.truncated, "RTP header extension of \(words) words runs past the packet") }
            let start = packet.startIndex
            headerExtension = try RTPHeaderExtension(profile: profile, data: packet[(start + dataStart)..<(start + length)])
        } else {
            headerExtension = nil
        }
        if first & 0x20 != 0 {
            // RFC 3550 §5.1: the last octet counts the padding octets, itself included.
            let count = Int(packet[packet.endIndex - 1])
            guard count > 0 else { throw MediaError(.badPadding, "RTP padding count is zero") }
            guard count <= size - length else {
                throw MediaError(.badPadding, "RTP padding count \(count) is larger than the \(size - length) bytes after the header")
            }
            paddingLength = count
        } else {
            paddingLength = 0
        }
        bytes = packet
        marker = second & 0x80 != 0
        payloadType = second & 0x7F
        sequenceNumber = packet.bigEndian(at: 2)
        timestamp = packet.bigEndian(at: 4)
        ssrc = packet.bigEndian(at: 8)
        headerLength = length
    }

    public var hasPadding: Bool { paddingLength > 0 }

    /// The payload, without header and padding.
    public var payload: ArraySlice<UInt8> {
        bytes[(bytes.startIndex + headerLength)..<(bytes.endIndex - paddingLength)]
    }

    /// The header, CSRCs and extension included.
    public var header: ArraySlice<UInt8> {
        bytes[bytes.startIndex..<(bytes.startIndex + headerLength)]
    }

    /// The contributing source at `index` (0..<``csrcCount``), or nil outside that range.
    public func csrc(at index: Int) -> UInt32? {
        guard index >= 0, index < csrcCount else { return nil }
        return bytes.bigEndian(at: Self.fixedHeaderSize + 4 * index)
    }

    /// The contributing sources in order; allocates, so the forwarding path should use ``csrc(at:)``.
    public var csrcs: [UInt32] {
        (0..<csrcCount).map { bytes.bigEndian(at: Self.fixedHeaderSize + 4 * $0) }
    }

    /// The value of the header extension element `id`, or nil if absent.
    public func extensionElement(id: UInt8) -> ArraySlice<UInt8>? {
        headerExtension?.element(id: id)
    }

    /// Equal when the bytes are; everything else is read from them.
    public static func == (lhs: RTPPacket, rhs: RTPPacket) -> Bool {
        lhs.bytes == rhs.bytes
    }
}

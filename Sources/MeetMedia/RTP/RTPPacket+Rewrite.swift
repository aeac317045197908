/// In-place rewrites for the forwarder: each changes only the bytes of one field, so a packet can
/// be re-addressed to a subscriber without copying it. The fixed-header setters check only that the
/// fixed header is there, as the packet was parsed on the way in; the extension ones parse again,
/// because they must find the element.
extension RTPPacket {
    public static func setSequenceNumber(_ value: UInt16, in packet: inout [UInt8]) throws(MediaError) {
        try requireFixedHeader(packet)
        packet[2] = UInt8(truncatingIfNeeded: value >> 8)
        packet[3] = UInt8(truncatingIfNeeded: value)
    }

    public static func setTimestamp(_ value: UInt32, in packet: inout [UInt8]) throws(MediaError) {
        try requireFixedHeader(packet)
        write32(value, at: 4, in: &packet)
    }

    public static func setSSRC(_ value: UInt32, in packet: inout [UInt8]) throws(MediaError) {
        try requireFixedHeader(packet)
        write32(value, at: 8, in: &packet)
    }

    /// Sets the 7-bit payload type, keeping the marker bit.
    public static func setPayloadType(_ value: UInt8, in packet: inout [UInt8]) throws(MediaError) {
        try requireFixedHeader(packet)
        guard value < 0x80 else { throw MediaError(.malformedPacket, "payload type \(value) does not fit 7 bits") }
        packet[1] = packet[1] & 0x80 | value
    }

    public static func setMarker(_ value: Bool, in packet: inout [UInt8]) throws(MediaError) {
        try requireFixedHeader(packet)
        packet[1] = packet[1] & 0x7F | (value ? 0x80 : 0)
    }

    /// Overwrites the value of extension element `id` with `value`, which must have the element's
    /// length. Returns false, changing nothing, if the packet has no such element.
    @discardableResult
    public static func rewriteExtension(id: UInt8, with value: some Collection<UInt8>, in packet: inout [UInt8]) throws(MediaError) -> Bool {
        guard let (_, valueRange) = try locateExtension(id: id, in: packet) else { return false }
        guard value.count == valueRange.count else {
            throw MediaError(.malformedPacket, "extension element \(id) has \(valueRange.count) bytes, not \(value.count)")
        }
        var index = valueRange.lowerBound
        for byte in value {
            packet[index] = byte
            index += 1
        }
        return true
    }

    /// Removes extension element `id` by turning its header and value into padding bytes, which
    /// RFC 8285 §4.1 allows anywhere between elements, so the packet keeps its length. Returns false
    /// if the packet has no such element.
    @discardableResult
    public static func removeExtension(id: UInt8, in packet: inout [UInt8]) throws(MediaError) -> Bool {
        guard let (headerIndex, valueRange) = try locateExtension(id: id, in: packet) else { return false }
        for index in headerIndex..<valueRange.upperBound {
            packet[index] = 0
        }
        return true
    }

    /// Where element `id` lies, as indices into `packet`. A separate function so that the parsed
    /// view, which shares the array's storage, is gone before the caller writes; otherwise the
    /// write would copy the whole array.
    static func locateExtension(id: UInt8, in packet: [UInt8]) throws(MediaError) -> (header: Int, value: Range<Int>)? {
        let parsed = try RTPPacket(parsing: packet)
        guard let element = parsed.headerExtension?.elements.first(where: { $0.id == id }) else { return nil }
        return (element.headerIndex, element.value.startIndex..<element.value.endIndex)
    }

    static func requireFixedHeader(_ packet: [UInt8]) throws(MediaError) {
        guard packet.count >= fixedHeaderSize else {
            throw MediaError(.truncated, "RTP packet of \(packet.count) bytes is shorter than the fixed header")
        }
    }

    static func write32(_ value: UInt32, at offset: Int, in packet: inout [UInt8]) {
        packet[offset] = UInt8(truncatingIfNeeded: value >> 24)
        packet[offset + 1] = UInt8(truncatingIfNeeded: value >> 16)
        packet[offset + 2] = UInt8(truncatingIfNeeded: value >> 8)
        packet[offset + 3] = UInt8(truncatingIfNeeded: value)
    }
}

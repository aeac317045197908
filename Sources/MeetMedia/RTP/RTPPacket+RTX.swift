/// RTP retransmission in a separate stream (RFC 4588 §4): the RTX packet carries the original's
/// header fields under its own SSRC, payload type and sequence number, and the original sequence
/// number (OSN) in the first two payload bytes. Padding is dropped both ways, as it belongs to the
/// packet that carried it, not to the media.
extension RTPPacket {
    /// Rebuilds the original packet from an RTX packet, given the original stream's payload type and
    /// SSRC (which the RTX payload type and SSRC map to, from SDP apt= and ssrc-group FID).
    public func unwrappingRTX(originalPayloadType: UInt8, originalSSRC: UInt32) throws(MediaError) -> [UInt8] {
        guard originalPayloadType < 0x80 else { throw MediaError(.malformedPacket, "payload type \(originalPayloadType) does not fit 7 bits") }
        let body = payload
        guard body.count >= 2 else { throw MediaError(.truncated, "RTX payload of \(body.count) bytes has no original sequence number") }
        let originalSequence: UInt16 = body.bigEndian(at: 0)
        var output = [UInt8]()
        output.reserveCapacity(headerLength + body.count - 2)
        output += header
        output += body.dropFirst(2)
        output[0] &= ~0x20
        output[1] = output[1] & 0x80 | originalPayloadType
        output[2] = UInt8(truncatingIfNeeded: originalSequence >> 8)
        output[3] = UInt8(truncatingIfNeeded: originalSequence)
        Self.write32(originalSSRC, at: 8, in: &output)
        return output
    }

    /// Wraps this (original) packet into an RTX packet with the given RTX stream fields.
    public func wrappingRTX(rtxSSRC: UInt32, rtxPayloadType: UInt8, sequenceNumber: UInt16) throws(MediaError) -> [UInt8] {
        guard rtxPayloadType < 0x80 else { throw MediaError(.malformedPacket, "payload type \(rtxPayloadType) does not fit 7 bits") }
        let body = payload
        var output = [UInt8]()
        output.reserveCapacity(headerLength + 2 + body.count)
        output += header
        output.append(UInt8(truncatingIfNeeded: self.sequenceNumber >> 8))
        output.append(UInt8(truncatingIfNeeded: self.sequenceNumber))
        output += body
        output[0] &= ~0x20
        output[1] = output[1] & 0x80 | rtxPayloadType
        output[2] = UInt8(truncatingIfNeeded: sequenceNumber >> 8)
        output[3] = UInt8(truncatingIfNeeded: sequenceNumber)
        Self.write32(rtxSSRC, at: 8, in: &output)
        return output
    }
}

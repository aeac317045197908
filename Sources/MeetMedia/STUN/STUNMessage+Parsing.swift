extension STUNMessage {
    /// Parses one datagram as one STUN message (RFC 8489 §5, §14).
    ///
    /// Refuses, with a ``MediaError``, anything that is not exactly one well-formed message: a leading
    /// bit set, a wrong magic cookie, a length that is not a multiple of 4 or does not match the bytes
    /// present, an attribute running past the end, a known attribute of the wrong shape, or anything
    /// after FINGERPRINT. Unknown attributes are kept; see ``unknownComprehensionRequiredAttributes``.
    /// A NIO `ByteBuffer` can be passed as `Array(buffer.readableBytesView)`.
    public init(parsing datagram: [UInt8], maximumSize: Int = STUNMessage.defaultMaximumSize) throws(MediaError) {
        try self.init(parsing: datagram[...], maximumSize: maximumSize)
    }

    /// Parses a slice without copying it: attribute values stay slices of the same storage.
    public init(parsing datagram: ArraySlice<UInt8>, maximumSize: Int = STUNMessage.defaultMaximumSize) throws(MediaError) {
        let size = datagram.count
        // Size is checked before anything else, so no later step works on more than the cap.
        guard size <= maximumSize else {
            throw MediaError(.oversize, "datagram of \(size) bytes is over the \(maximumSize)-byte limit")
        }
        guard size >= Self.headerSize else {
            throw MediaError(.truncated, "datagram of \(size) bytes is shorter than the STUN header")
        }
        let messageType: UInt16 = datagram.bigEndian(at: 0)
        guard messageType & 0xC000 == 0 else {
            throw MediaError(.notSTUN, "the first two bits are not zero")
        }
        let cookie: UInt32 = datagram.bigEndian(at: 4)
        guard cookie == Self.magicCookie else {
            throw MediaError(.badMagicCookie, "magic cookie is 0x\(String(cookie, radix: 16)), not 0x2112a442")
        }
        let length = Int(datagram.bigEndian(at: 2, as: UInt16.self))
        guard length % 4 == 0 else {
            throw MediaError(.badLength, "message length \(length) is not a multiple of 4")
        }
        guard Self.headerSize + length <= size else {
            throw MediaError(.truncated, "message length \(length) but only \(size - Self.headerSize) bytes follow the header")
        }
        guard Self.headerSize + length == size else {
            throw MediaError(.badLength, "message length \(length) but \(size - Self.headerSize) bytes follow the header")
        }
        let (messageClass, method) = Self.split(messageType: messageType)
        let transactionID = STUNTransactionID(high: datagram.bigEndian(at: 8), low: datagram.bigEndian(at: 12))

        var attributes: [STUNAttribute] = []
        var integrityOffset: Int?
        var fingerprintOffset: Int?
        var offset = Self.headerSize
        while offset < size {
            guard fingerprintOffset == nil else {
                throw MediaError(.misplacedAttribute, "an attribute follows FINGERPRINT, which must be last")
            }
            // The message length is a multiple of 4 and so is every padded attribute, so at least
            // 4 bytes remain here; the check stays so that the reads below are plainly in bounds.
            guard size - offset >= 4 else {
                throw MediaError(.attributeOverrun, "an attribute header at offset \(offset) runs past the message")
            }
            let type = STUNAttributeType(rawValue: datagram.bigEndian(at: offset))
            let valueLength = Int(datagram.bigEndian(at: offset + 2, as: UInt16.self))
            let paddedLength = (valueLength + 3) & ~3
            guard paddedLength <= size - offset - 4 else {
                throw MediaError(.attributeOverrun, "attribute \(type) of length \(valueLength) runs past the message")
            }
            let start = datagram.startIndex + offset + 4
            let value = datagram[start..<(start + valueLength)]
            // RFC 8489 §14.5: after MESSAGE-INTEGRITY only FINGERPRINT counts; the rest is ignored.
            if integrityOffset == nil || type == .fingerprint {
                attributes.append(try STUNAttribute.decode(type: type, value: value, transactionID: transactionID))
                if type == .messageIntegrity { integrityOffset = offset }
                if type == .fingerprint { fingerprintOffset = offset }
            }
            offset += 4 + paddedLength
        }
        self.init(
            messageClass: messageClass,
            method: method,
            transactionID: transactionID,
            attributes: attributes,
            received: datagram,
            integrityOffset: integrityOffset,
            fingerprintOffset: fingerprintOffset
        )
    }
}

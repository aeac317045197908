extension STUNMessage {
    /// The largest value the 16-bit length fields can hold.
    private static let maximumLength = 0xFFFF

    /// Encodes the message: header, the attributes in order with zero padding, then
    /// MESSAGE-INTEGRITY if a key is given, then FINGERPRINT if asked, which is the order
    /// RFC 8489 §14.5 and §14.7 require. ICE wants both on every Binding request and response
    /// (RFC 8445 §7.2.2, §7.3).
    ///
    /// Throws `.misplacedAttribute` if `attributes` contains MESSAGE-INTEGRITY or FINGERPRINT
    /// (they are only ever computed), `.malformedAttribute` for an error code outside 300–699,
    /// and `.oversize` when a value or the message exceeds its length limit.
    public func encoded(integrityKey: STUNIntegrityKey? = nil, fingerprint: Bool = true) throws(MediaError) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(128)
        output.appendBigEndian(Self.messageType(messageClass, method))
        output.appendBigEndian(UInt16(0))
        output.appendBigEndian(Self.magicCookie)
        transactionID.appendBytes(to: &output)

        for attribute in attributes {
            let start = output.count
            output.appendBigEndian(attribute.type.rawValue)
            output.appendBigEndian(UInt16(0))
            try attribute.encodeValue(into: &output, transactionID: transactionID)
            let length = output.count - start - 4
            guard length <= Self.maximumLength else {
                throw MediaError(.oversize, "attribute \(attribute.type) value of \(length) bytes is over 65535")
            }
            Self.setLength(length, at: start + 2, in: &output)
            // RFC 8489 §14: padding bytes are ignored on receipt, and zero is what an encoder should send.
            while output.count % 4 != 0 { output.append(0) }
        }

        let trailer = (integrityKey == nil ? 0 : 24) + (fingerprint ? 8 : 0)
        guard output.count - Self.headerSize + trailer <= Self.maximumLength else {
            throw MediaError(.oversize, "message of \(output.count + trailer) bytes is over the STUN length limit")
        }
        if let integrityKey {
            let code = Self.integrityCode(of: output[...], upTo: output.count, key: integrityKey)
            output.appendBigEndian(STUNAttributeType.messageIntegrity.rawValue)
            output.appendBigEndian(UInt16(20))
            code.withUnsafeBytes { output.append(contentsOf: $0) }
        }
        if fingerprint {
            // The CRC covers a header whose length already counts the FINGERPRINT attribute.
            Self.setLength(output.count - Self.headerSize + 8, at: 2, in: &output)
            let value = Self.fingerprint(of: output[...], upTo: output.count)
            output.appendBigEndian(STUNAttributeType.fingerprint.rawValue)
            output.appendBigEndian(UInt16(4))
            output.appendBigEndian(value)
        }
        Self.setLength(output.count - Self.headerSize, at: 2, in: &output)
        return output
    }

    private static func setLength(_ length: Int, at index: Int, in output: inout [UInt8]) {
        output[index] = UInt8(truncatingIfNeeded: length >> 8)
        output[index + 1] = UInt8(truncatingIfNeeded: length)
    }
}

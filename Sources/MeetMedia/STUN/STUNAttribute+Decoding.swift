extension STUNAttribute {
    /// RFC 8489 §14.3: USERNAME is fewer than 509 bytes.
    static let maximumUsernameBytes = 508
    /// RFC 8489 §14.8 and §14.14: under 128 characters, up to 763 bytes when decoding.
    static let maximumDecodedTextBytes = 763

    /// Decodes one attribute value (padding already removed). The transaction id is needed for the
    /// XOR of XOR-MAPPED-ADDRESS. Nothing here allocates more than the value's own size.
    static func decode(
        type: STUNAttributeType,
        value: ArraySlice<UInt8>,
        transactionID: STUNTransactionID
    ) throws(MediaError) -> STUNAttribute {
        switch type {
        case .mappedAddress:
            return .mappedAddress(try decodeAddress(value, type: type))
        case .xorMappedAddress:
            return .xorMappedAddress(try decodeAddress(value, type: type).xored(with: transactionID))
        case .username:
            return .username(try decodeText(value, type: type, maximum: maximumUsernameBytes))
        case .messageIntegrity:
            try expectLength(value, 20, type: type)
            return .messageIntegrity(value)
        case .fingerprint:
            try expectLength(value, 4, type: type)
            return .fingerprint(value.bigEndian(at: 0))
        case .errorCode:
            return try decodeErrorCode(value)
        case .unknownAttributes:
            guard value.count % 2 == 0 else {
                throw MediaError(.malformedAttribute, "UNKNOWN-ATTRIBUTES has an odd length \(value.count)")
            }
            let types = stride(from: 0, to: value.count, by: 2).map {
                STUNAttributeType(rawValue: value.bigEndian(at: $0))
            }
            return .unknownAttributes(types)
        case .software:
            return .software(try decodeText(value, type: type, maximum: maximumDecodedTextBytes))
        case .priority:
            try expectLength(value, 4, type: type)
            return .priority(value.bigEndian(at: 0))
        case .useCandidate:
            try expectLength(value, 0, type: type)
            return .useCandidate
        case .iceControlled:
            try expectLength(value, 8, type: type)
            return .iceControlled(tieBreaker: value.bigEndian(at: 0))
        case .iceControlling:
            try expectLength(value, 8, type: type)
            return .iceControlling(tieBreaker: value.bigEndian(at: 0))
        default:
            return .other(type, value)
        }
    }

    private static func expectLength(_ value: ArraySlice<UInt8>, _ length: Int, type: STUNAttributeType) throws(MediaError) {
        guard value.count == length else {
            throw MediaError(.malformedAttribute, "attribute \(type) has length \(value.count), not \(length)")
        }
    }

    private static func decodeText(_ value: ArraySlice<UInt8>, type: STUNAttributeType, maximum: Int) throws(MediaError) -> String {
        guard value.count <= maximum else {
            throw MediaError(.malformedAttribute, "attribute \(type) is \(value.count) bytes, over \(maximum)")
        }
        guard let text = String(validating: value, as: UTF8.self) else {
            throw MediaError(.malformedAttribute, "attribute \(type) is not UTF-8")
        }
        return text
    }

    private static func decodeAddress(_ value: ArraySlice<UInt8>, type: STUNAttributeType) throws(MediaError) -> STUNAddress {
        // The first byte is reserved and, per RFC 8489 §14.1, ignored on receipt.
        guard value.count >= 4 else {
            throw MediaError(.malformedAttribute, "attribute \(type) is \(value.count) bytes, too short for an address")
        }
        let family = value[value.startIndex + 1]
        let expected: Int
        switch family {
        case 0x01: expected = 8
        case 0x02: expected = 20
        default: throw MediaError(.malformedAttribute, "attribute \(type) has unknown address family \(family)")
        }
        guard value.count == expected, let ip = STUNAddress.IP(bytes: value.dropFirst(4)) else {
            throw MediaError(.malformedAttribute, "attribute \(type) has length \(value.count), not \(expected)")
        }
        return STUNAddress(ip: ip, port: value.bigEndian(at: 2))
    }

    private static func decodeErrorCode(_ value: ArraySlice<UInt8>) throws(MediaError) -> STUNAttribute {
        guard value.count >= 4 else {
            throw MediaError(.malformedAttribute, "ERROR-CODE is \(value.count) bytes, under 4")
        }
        // The 21 reserved bits are ignored; only class (3 bits) and number (0–99) carry meaning.
        let errorClass = UInt16(value[value.startIndex + 2] & 0x07)
        let number = UInt16(value[value.startIndex + 3])
        guard (3...6).contains(errorClass), number < 100 else {
            throw MediaError(.malformedAttribute, "ERROR-CODE class \(errorClass) number \(number) is out of range")
        }
        let reason = try decodeText(value.dropFirst(4), type: .errorCode, maximum: maximumDecodedTextBytes)
        return .errorCode(code: errorClass * 100 + number, reason: reason)
    }
}

extension STUNAddress {
    /// XOR-MAPPED-ADDRESS obfuscation (RFC 8489 §14.2): the port with the cookie's top 16 bits, an
    /// IPv4 address with the cookie, an IPv6 address with the cookie followed by the transaction id.
    /// The operation is its own inverse, so it both encodes and decodes.
    func xored(with transactionID: STUNTransactionID) -> STUNAddress {
        let cookie = STUNMessage.magicCookie
        let port = port ^ UInt16(truncatingIfNeeded: cookie >> 16)
        switch ip {
        case .v4(let address):
            return STUNAddress(ip: .v4(address ^ cookie), port: port)
        case .v6(let high, let low):
            let mask = UInt64(cookie) << 32 | UInt64(transactionID.high)
            return STUNAddress(ip: .v6(high: high ^ mask, low: low ^ transactionID.low), port: port)
        }
    }
}

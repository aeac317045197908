extension STUNAttribute {
    /// RFC 8489 §14.8 and §14.14: under 128 characters, up to 509 bytes when encoding.
    static let maximumEncodedTextBytes = 509

    /// Appends the value (without header or padding); the message encoder frames it.
    func encodeValue(into output: inout [UInt8], transactionID: STUNTransactionID) throws(MediaError) {
        switch self {
        case .mappedAddress(let address):
            Self.encodeAddress(address, into: &output)
        case .xorMappedAddress(let address):
            Self.encodeAddress(address.xored(with: transactionID), into: &output)
        case .username(let text):
            try Self.encodeText(text, type: type, maximum: Self.maximumUsernameBytes, into: &output)
        case .messageIntegrity, .fingerprint:
            throw MediaError(.misplacedAttribute, "attribute \(type) is computed by the encoder, not given")
        case .errorCode(let code, let reason):
            guard (300...699).contains(code) else {
                throw MediaError(.malformedAttribute, "error code \(code) is outside 300–699")
            }
            output.append(contentsOf: [0, 0, UInt8(code / 100), UInt8(code % 100)])
            try Self.encodeText(reason, type: type, maximum: Self.maximumEncodedTextBytes, into: &output)
        case .unknownAttributes(let types):
            for type in types { output.appendBigEndian(type.rawValue) }
        case .software(let text):
            try Self.encodeText(text, type: type, maximum: Self.maximumEncodedTextBytes, into: &output)
        case .priority(let priority):
            output.appendBigEndian(priority)
        case .useCandidate:
            break
        case .iceControlled(let tieBreaker), .iceControlling(let tieBreaker):
            output.appendBigEndian(tieBreaker)
        case .other(let type, let value):
            guard type != .messageIntegrity, type != .fingerprint else {
                throw MediaError(.misplacedAttribute, "attribute \(type) is computed by the encoder, not given")
            }
            output.append(contentsOf: value)
        }
    }

    private static func encodeAddress(_ address: STUNAddress, into output: inout [UInt8]) {
        output.append(0)
        output.append(address.ip.family)
        output.appendBigEndian(address.port)
        switch address.ip {
        case .v4(let ip):
            output.appendBigEndian(ip)
        case .v6(let high, let low):
            output.appendBigEndian(high)
            output.appendBigEndian(low)
        }
    }

    private static func encodeText(_ text: String, type: STUNAttributeType, maximum: Int, into output: inout [UInt8]) throws(MediaError) {
        let utf8 = text.utf8
        guard utf8.count <= maximum else {
            throw MediaError(.oversize, "attribute \(type) is \(utf8.count) bytes, over \(maximum)")
        }
        output.append(contentsOf: utf8)
    }
}

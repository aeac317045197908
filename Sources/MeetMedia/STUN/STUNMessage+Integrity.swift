import Crypto

extension STUNMessage {
    /// RFC 8489 §14.7: the CRC is XORed with this so that a CRC-32 of other data sharing the
    /// port is unlikely to pass for a STUN FINGERPRINT.
    static let fingerprintXOR: UInt32 = 0x5354_554E

    /// Checks MESSAGE-INTEGRITY against the bytes this message was parsed from, comparing in
    /// constant time. Throws `.missingAttribute` if there is none (answer 400 for ICE),
    /// `.authenticationFailed` if it does not match (answer 401), `.notReceived` for a built message.
    public func verifyMessageIntegrity(key: STUNIntegrityKey) throws(MediaError) {
        guard !received.isEmpty else {
            throw MediaError(.notReceived, "only a parsed message has bytes to check")
        }
        guard let integrityOffset else {
            throw MediaError(.missingAttribute, "no MESSAGE-INTEGRITY")
        }
        let expected = Self.integrityCode(of: received, upTo: integrityOffset, key: key)
        let start = received.startIndex + integrityOffset + 4
        let given = received[start..<(start + 20)]
        let difference = expected.withUnsafeBytes { expected in
            zip(expected, given).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) }
        }
        guard difference == 0 else {
            throw MediaError(.authenticationFailed, "MESSAGE-INTEGRITY does not match")
        }
    }

    /// Checks FINGERPRINT against the bytes this message was parsed from.
    public func verifyFingerprint() throws(MediaError) {
        guard !received.isEmpty else {
            throw MediaError(.notReceived, "only a parsed message has bytes to check")
        }
        guard let fingerprintOffset else {
            throw MediaError(.missingAttribute, "no FINGERPRINT")
        }
        let given: UInt32 = received.bigEndian(at: fingerprintOffset + 4)
        guard Self.fingerprint(of: received, upTo: fingerprintOffset) == given else {
            throw MediaError(.fingerprintFailed, "FINGERPRINT does not match")
        }
    }

    /// HMAC-SHA1 over the message before the MESSAGE-INTEGRITY attribute at `offset`, with the
    /// header's length field set as if that attribute were the last one (RFC 8489 §14.5). Both the
    /// encoder and the verifier use this, so the two cannot disagree about the input.
    static func integrityCode(
        of message: ArraySlice<UInt8>,
        upTo offset: Int,
        key: STUNIntegrityKey
    ) -> HashedAuthenticationCode<Insecure.SHA1> {
        let start = message.startIndex
        var header = Array(message[start..<(start + headerSize)])
        let length = UInt16(truncatingIfNeeded: offset - headerSize + 24)
        header[2] = UInt8(length >> 8)
        header[3] = UInt8(length & 0xFF)
        var hmac = HMAC<Insecure.SHA1>(key: key.key)
        hmac.update(data: header)
        hmac.update(data: message[(start + headerSize)..<(start + offset)])
        return hmac.finalize()
    }

    /// The FINGERPRINT value for a FINGERPRINT attribute at `offset`. Its header length field must
    /// already count that attribute, as it does when FINGERPRINT is last (RFC 8489 §14.7).
    static func fingerprint(of message: ArraySlice<UInt8>, upTo offset: Int) -> UInt32 {
        CRC32.checksum(message.prefix(offset)) ^ fingerprintXOR
    }
}

import Crypto

/// The HMAC-SHA1 key of MESSAGE-INTEGRITY (RFC 8489 §9). Never printed.
public struct STUNIntegrityKey: Sendable {
    let key: SymmetricKey

    public init(bytes: [UInt8]) {
        key = SymmetricKey(data: bytes)
    }

    /// Short-term credentials, which ICE uses (RFC 8445 §7.2.2): the key is the password's UTF-8
    /// bytes. RFC 8489 §9.1.1 also applies OpaqueString; ICE passwords are ASCII `ice-char`s, which
    /// it leaves as they are, so it is not done here.
    public static func shortTerm(password: String) -> STUNIntegrityKey {
        STUNIntegrityKey(bytes: Array(password.utf8))
    }

    /// Long-term credentials (RFC 8489 §9.2.2 with the MD5 algorithm of RFC 5389): the key is
    /// MD5(username ":" realm ":" password). Only here to check RFC 5769 §2.4; the password must
    /// already be SASLprep-processed, which this layer does not implement.
    public static func longTerm(username: String, realm: String, password: String) -> STUNIntegrityKey {
        let digest = Insecure.MD5.hash(data: Array("\(username):\(realm):\(password)".utf8))
        return STUNIntegrityKey(bytes: Array(digest))
    }
}

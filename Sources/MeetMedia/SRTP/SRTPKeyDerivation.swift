import Crypto
import CryptoExtras

/// Session keys derived from a DTLS-SRTP master key and salt with the AES-CM PRF (RFC 3711 §4.3,
/// key derivation rate 0; RFC 7714 §11 uses the same PRF for GCM).
struct SRTPSessionKeys: Sendable {
    let encryption: SymmetricKey
    /// HMAC-SHA1 key (AES-CM profile only).
    let authentication: SymmetricKey?
    /// HMAC keyed once with ``authentication``: each packet copies it instead of keying anew.
    let authenticator: HMAC<Insecure.SHA1>?
    let salt: [UInt8]
    /// The RTP encryption key scheduled once for AES-128-GCM (GCM profile only).
    let gcm: SRTPGCMContext?

    enum Label: UInt8 {
        case rtpEncryption = 0
        case rtpAuthentication = 1
        case rtpSalt = 2
        case rtcpEncryption = 3
        case rtcpAuthentication = 4
        case rtcpSalt = 5
    }

    init(profile: SRTPProfile, masterKey: [UInt8], masterSalt: [UInt8], rtcp: Bool) throws {
        guard masterKey.count == profile.masterKeyLength, masterSalt.count == profile.masterSaltLength else {
            throw MediaError(.invalidKey, "SRTP master key or salt has the wrong length for \(profile.rawValue)")
        }
        let master = SymmetricKey(data: masterKey)
        let authentication: [UInt8]?
        switch profile {
        case .aes128CMHMACSHA180:
            authentication = try Self.derive(master: master, salt: masterSalt, label: rtcp ? .rtcpAuthentication : .rtpAuthentication, length: 20)
        case .aeadAES128GCM:
            authentication = nil
        }
        try self.init(
            profile: profile,
            encryption: try Self.derive(master: master, salt: masterSalt, label: rtcp ? .rtcpEncryption : .rtpEncryption, length: 16),
            authentication: authentication,
            salt: try Self.derive(master: master, salt: masterSalt, label: rtcp ? .rtcpSalt : .rtpSalt, length: profile.masterSaltLength),
            rtcp: rtcp
        )
    }

    /// Session keys given as they are, as RFC 7714's test vectors give them (§16, §17).
    init(profile: SRTPProfile, encryption: [UInt8], authentication: [UInt8]?, salt: [UInt8], rtcp: Bool) throws {
        guard encryption.count == 16, salt.count == profile.masterSaltLength,
            (authentication?.count ?? 0) == (profile == .aes128CMHMACSHA180 ? 20 : 0)
        else { throw MediaError(.invalidKey, "SRTP session keys have the wrong length for \(profile.rawValue)") }
        self.encryption = SymmetricKey(data: encryption)
        self.authentication = authentication.map { SymmetricKey(data: $0) }
        authenticator = self.authentication.map { HMAC<Insecure.SHA1>(key: $0) }
        // SRTCP is rare enough to stay on swift-crypto's per-call AES.GCM; SRTP runs per forwarded packet.
        gcm = profile == .aeadAES128GCM && !rtcp ? try SRTPGCMContext(key: encryption) : nil
        self.salt = salt
    }

    /// AES-CM keystream with IV = (master salt ⊕ (label ≪ 48)) ∥ 0x0000: the salt is treated as 112 bits,
    /// a 96-bit GCM salt being padded on the right with zeros.
    static func derive(master: SymmetricKey, salt: [UInt8], label: Label, length: Int) throws -> [UInt8] {
        var iv = salt + [UInt8](repeating: 0, count: 16 - salt.count)
        iv[7] ^= label.rawValue
        let keystream = try AES._CTR.encrypt([UInt8](repeating: 0, count: length), using: master, nonce: try AES._CTR.Nonce(nonceBytes: iv))
        return Array(keystream)
    }
}

import Crypto

/// The certificate a DTLS endpoint presents: DER bytes and its ECDSA P-256 key. Its SHA-256 fingerprint
/// goes into the SDP (`a=fingerprint:sha-256 …`) so the peer can check it.
public struct DTLSCertificate: Sendable {
    public let der: [UInt8]
    public let privateKey: P256.Signing.PrivateKey

    public init(der: [UInt8], privateKey: P256.Signing.PrivateKey) {
        self.der = der
        self.privateKey = privateKey
    }

    public var fingerprint: DTLSFingerprint { DTLSFingerprint(certificateDER: der) }
}

/// A SHA-256 certificate fingerprint as SDP carries it (RFC 8122): upper-case hex pairs joined by colons.
public struct DTLSFingerprint: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(certificateDER: some Sequence<UInt8>) {
        bytes = Array(SHA256.hash(data: Array(certificateDER)))
    }

    /// Parses "AB:CD:…" (32 pairs); nil for anything else.
    public init?(sdpValue: String) {
        let pairs = sdpValue.split(separator: ":")
        guard pairs.count == 32 else { return nil }
        var bytes: [UInt8] = []
        for pair in pairs {
            guard pair.count == 2, let byte = UInt8(pair, radix: 16) else { return nil }
            bytes.append(byte)
        }
        self.bytes = bytes
    }

    public var description: String {
        bytes.map {
            String($0, radix: 16, uppercase: true).count == 1 ? "0" + String($0, radix: 16, uppercase: true) : String($0, radix: 16, uppercase: true)
        }
        .joined(separator: ":")
    }
}

/// The SRTP keys a finished DTLS-SRTP handshake exports (RFC 5764 §4.2), for each direction.
public struct DTLSSRTPKeys: Sendable, Equatable {
    public let profile: SRTPProfile
    public let clientKey: [UInt8]
    public let clientSalt: [UInt8]
    public let serverKey: [UInt8]
    public let serverSalt: [UInt8]

    /// Splits exporter output laid out as client key, server key, client salt, server salt.
    init(profile: SRTPProfile, material: [UInt8]) {
        let key = profile.masterKeyLength
        let salt = profile.masterSaltLength
        self.profile = profile
        clientKey = Array(material[0..<key])
        serverKey = Array(material[key..<(2 * key)])
        clientSalt = Array(material[(2 * key)..<(2 * key + salt)])
        serverSalt = Array(material[(2 * key + salt)..<(2 * key + 2 * salt)])
    }

    /// The contexts for this endpoint: what it sends is protected with its own role's keys.
    public func contexts(isServer: Bool) throws -> (outbound: SRTPContext, inbound: SRTPContext) {
        let server = try SRTPContext(profile: profile, masterKey: serverKey, masterSalt: serverSalt)
        let client = try SRTPContext(profile: profile, masterKey: clientKey, masterSalt: clientSalt)
        return isServer ? (server, client) : (client, server)
    }
}

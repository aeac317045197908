/// The other end's transport as its description states it: what the ICE agent checks requests
/// against and what the DTLS handshake checks the peer certificate against.
public struct RemoteTransport: Hashable, Sendable {
    public var ice: ICECredentials
    /// Fingerprints with a hash this layer can check, SHA-256 first; the peer's certificate must
    /// match one of them (RFC 8122 §5).
    public var fingerprints: [SDPFingerprint]
    /// `a=setup` as written; nil when absent.
    public var setup: SDPSetupRole?

    public init(ice: ICECredentials, fingerprints: [SDPFingerprint], setup: SDPSetupRole?) {
        self.ice = ice
        self.fingerprints = fingerprints
        self.setup = setup
    }

    /// Whether a peer certificate matches one of the fingerprints.
    public func matches(certificateDER: [UInt8]) -> Bool {
        fingerprints.contains { $0.matches(certificateDER: certificateDER) }
    }

    /// The SHA-256 fingerprint in the form ``DTLSEndpoint`` checks, if the description has one
    /// (browsers and aiortc always write it).
    public var sha256Fingerprint: DTLSFingerprint? {
        guard let sha256 = fingerprints.first(where: { $0.algorithm == "sha-256" }) else { return nil }
        return DTLSFingerprint(sdpValue: SDPFingerprint.hex(sha256.bytes))
    }

    /// Reads the transport of the bundle whose tagged section is `section`: each attribute from
    /// that section, else from the session level, as RFC 8839 §5.4 and RFC 8122 §5 allow.
    init(description: SessionDescription, section: MediaDescription) throws(SDPError) {
        let session = MediaDescription(kind: .application, formats: [], attributes: description.attributes)
        guard let ufrag = section.iceUfrag ?? session.iceUfrag, let password = section.icePassword ?? session.icePassword else {
            throw SDPError(code: .missingICECredentials, reason: "section \(section.mid ?? "?") has no a=ice-ufrag and a=ice-pwd")
        }
        let written = section.fingerprints.isEmpty ? session.fingerprints : section.fingerprints
        let usable = written.filter(\.isVerifiable).sorted { Self.rank($0.algorithm) < Self.rank($1.algorithm) }
        guard !usable.isEmpty else {
            throw SDPError(code: .missingFingerprint, reason: "section \(section.mid ?? "?") has no sha-256, sha-384 or sha-512 a=fingerprint")
        }
        self.init(ice: ICECredentials(ufrag: ufrag, password: password), fingerprints: usable, setup: section.setup ?? session.setup)
    }

    private static func rank(_ algorithm: String) -> Int {
        ["sha-256", "sha-384", "sha-512"].firstIndex(of: algorithm) ?? 3
    }
}

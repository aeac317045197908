/// What the SFU says about its own end of a peer connection in every description it writes: its
/// ICE credentials and candidates and its DTLS certificate fingerprint.
public struct SFUTransportParameters: Hashable, Sendable {
    public var ice: ICECredentials
    /// SHA-256 of the SFU's DTLS certificate.
    public var fingerprint: SDPFingerprint
    /// The SFU's host candidates; the first is the default, written into `m=` and `c=`.
    public var candidates: [ICECandidate]
    /// `o=` session id: digits, fixed for the life of the peer connection (RFC 8829 §5.2.1).
    public var sessionID: String

    public init(ice: ICECredentials, fingerprint: SDPFingerprint, candidates: [ICECandidate], sessionID: String) {
        self.ice = ice
        self.fingerprint = fingerprint
        self.candidates = candidates
        self.sessionID = sessionID
    }

    /// A random session id of 1–18 digits, positive as RFC 8829 §5.2.1 asks and within 63 bits.
    public static func randomSessionID() -> String {
        String(UInt64.random(in: 1...999_999_999_999_999_999))
    }

    func origin(version: UInt64) -> SDPOrigin {
        SDPOrigin(sessionID: sessionID, sessionVersion: version)
    }

    /// The `m=` port and `c=` line: the default candidate's, or 9 and 0.0.0.0 (RFC 8829 §5.2.1)
    /// when there is none.
    var defaultDestination: (port: UInt16, connection: SDPConnection) {
        guard let first = candidates.first else { return (9, .unspecified) }
        let addressType = first.address.contains(":") ? "IP6" : "IP4"
        return (first.port, SDPConnection(addressType: addressType, address: first.address))
    }

    /// The transport lines every section the SFU writes carries.
    func transportAttributes(setup: SDPSetupRole) -> [SDPAttribute] {
        [.iceUfrag(ice.ufrag), .icePwd(ice.password), .fingerprint(fingerprint), .setup(setup)]
    }

    var candidateAttributes: [SDPAttribute] {
        candidates.map(SDPAttribute.candidate) + [.endOfCandidates]
    }
}

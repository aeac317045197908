/// The browser's end of a peer connection, for tests and the load tool only — never for serving
/// users: a controlling ICE agent that nominates the SFU's single candidate at once (one Binding
/// request with USE-CANDIDATE, repeated until answered), a DTLS client, and SRTP with the client's
/// keys. Sans-IO like ``PeerTransport``; it has one remote address, so datagrams carry none.
public final class TestClientPeer {
    public let local: ICECredentials
    /// The SFU's ICE credentials, from its description.
    public let remote: ICECredentials
    public internal(set) var isConnected = false
    public internal(set) var failure: String?
    public internal(set) var profile: SRTPProfile?
    /// Binding success responses that verified.
    public internal(set) var bindingSuccesses = 0
    /// Decrypted packets received, in order; the owner empties them.
    public var receivedRTP: [[UInt8]] = []
    public var receivedRTCP: [[UInt8]] = []
    public internal(set) var srtpFailures = 0
    let dtls: DTLSEndpoint
    var dtlsStarted = false
    var outbound: SRTPContext?
    var inbound: SRTPContext?
    var nextBindingAt: ContinuousClock.Instant?
    let tieBreaker = UInt64.random(in: 0...UInt64.max)

    public init(
        local: ICECredentials = .random(),
        remote: ICECredentials,
        certificate: DTLSCertificate,
        remoteFingerprint: DTLSFingerprint,
        profiles: [SRTPProfile] = SRTPProfile.allCases
    ) throws {
        self.local = local
        self.remote = remote
        dtls = try DTLSEndpoint(role: .client, certificate: certificate, remoteFingerprint: remoteFingerprint, profiles: profiles)
    }

    /// The first datagram to send: a nominating Binding request.
    public func start(now: ContinuousClock.Instant) -> [[UInt8]] {
        nextBindingAt = now + .milliseconds(200)
        return [bindingRequest()]
    }

    /// A Binding request with USE-CANDIDATE, as a controlling agent using aggressive nomination sends it.
    public func bindingRequest() -> [UInt8] {
        let attributes: [STUNAttribute] = [
            .username("\(remote.ufrag):\(local.ufrag)"), .priority(1_853_824_767), .iceControlling(tieBreaker: tieBreaker), .useCandidate,
        ]
        let message = STUNMessage(.request, .binding, attributes: attributes)
        return (try? message.encoded(integrityKey: .shortTerm(password: remote.password), fingerprint: true)) ?? []
    }

    /// Retransmits the Binding request until answered and fires DTLS timers; returns what to send.
    public func handleTimeout(now: ContinuousClock.Instant) -> [[UInt8]] {
        var output: [[UInt8]] = []
        if bindingSuccesses == 0, let due = nextBindingAt, now >= due {
            nextBindingAt = now + .milliseconds(200)
            output.append(bindingRequest())
        }
        if dtlsStarted, !isConnected { output += dtls.handleTimeout() }
        return output
    }

    /// Handles one datagram from the SFU; returns what to send in reply.
    public func handle(datagram: [UInt8]) -> [[UInt8]] {
        switch DatagramKind(datagram: datagram) {
        case .stun:
            guard let message = try? STUNMessage(parsing: datagram), message.messageClass == .successResponse,
                (try? message.verifyMessageIntegrity(key: .shortTerm(password: remote.password))) != nil
            else { return [] }
            bindingSuccesses += 1
            guard !dtlsStarted else { return [] }
            dtlsStarted = true
            return dtls.start()
        case .dtls:
            let reply = dtls.handle(datagram: datagram)
            checkHandshake()
            return reply
        case .rtp:
            receive(datagram)
            return []
        case .other:
            return []
        }
    }

    /// Closes the association as a browser closing its peer connection does: close_notify.
    public func close() -> [[UInt8]] {
        defer {
            isConnected = false
            outbound = nil
            inbound = nil
        }
        return dtls.shutdown()
    }

    /// Protects an RTP packet for the SFU; nil before the handshake finished.
    public func protectRTP(_ packet: [UInt8]) -> [UInt8]? {
        try? outbound?.protectRTP(packet)
    }

    /// Protects a compound RTCP packet for the SFU; nil before the handshake finished.
    public func protectRTCP(_ packet: [UInt8]) -> [UInt8]? {
        try? outbound?.protectRTCP(packet)
    }

    func checkHandshake() {
        switch dtls.state {
        case .handshaking: break
        case .failed(let reason): failure = reason
        case .connected(let keys):
            guard !isConnected else { return }
            do {
                let contexts = try keys.contexts(isServer: false)
                outbound = contexts.outbound
                inbound = contexts.inbound
                profile = keys.profile
                isConnected = true
            } catch {
                failure = "SRTP keys unusable: \(error)"
            }
        }
    }

    func receive(_ datagram: [UInt8]) {
        guard var context = inbound else { return }
        inbound = nil
        defer { inbound = context }
        do {
            if RTPMuxKind(datagram: datagram) == .rtcp {
                receivedRTCP.append(try context.unprotectRTCP(datagram))
            } else {
                receivedRTP.append(try context.unprotectRTP(datagram))
            }
        } catch {
            srtpFailures += 1
        }
    }
}

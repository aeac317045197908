/// The SFU's end of one WebRTC peer connection, sans-IO in the style of str0m: ICE-lite, DTLS
/// (the SFU is always the server) and SRTP composed behind one value that takes datagrams, API
/// calls and the time, and yields datagrams to send, events and its next timeout. It owns no
/// socket and reads no clock; BoringSSL's DTLS retransmission timer is the one exception, which
/// ``nextTimeout()`` tracks so that the driver calls ``handleTimeout(now:)`` in time.
///
/// The remote end may be unknown at first (a subscribe connection, where the SFU offers): until
/// ``setRemote(_:now:)`` every datagram is dropped.
///
/// Outputs collect in queues the owner empties with ``drainTransmits(into:)`` and
/// ``drainEvents(into:)``; both keep their capacity, so a steady stream allocates no queue storage.
public final class PeerTransport {
    /// What the transport needs to know about its own end and the handshake.
    public struct Configuration {
        /// The SFU's ICE credentials, as its description announces them.
        public var local: ICECredentials
        public var certificate: DTLSCertificate
        /// The SRTP profiles DTLS may agree on, most preferred first.
        public var profiles: [SRTPProfile]
        public var consentTimeout: Duration
        public var mtu: Int

        public init(
            local: ICECredentials,
            certificate: DTLSCertificate,
            profiles: [SRTPProfile] = SRTPProfile.allCases,
            consentTimeout: Duration = .seconds(30),
            mtu: Int = 1200
        ) {
            self.local = local
            self.certificate = certificate
            self.profiles = profiles
            self.consentTimeout = consentTimeout
            self.mtu = mtu
        }
    }

    public let configuration: Configuration
    public internal(set) var counters = PeerTransportCounters()
    public internal(set) var remote: RemoteTransport?
    public internal(set) var ice: ICELiteAgent?
    public internal(set) var isConnected = false
    public internal(set) var closeReason: PeerCloseReason?
    /// The negotiated profile once connected.
    public internal(set) var profile: SRTPProfile?
    var dtls: DTLSEndpoint?
    var dtlsDeadline: ContinuousClock.Instant?
    var inbound: SRTPContext?
    var outbound: SRTPContext?
    var transmits: [Transmit] = []
    var events: [PeerTransportEvent] = []

    /// Starts a transport; `remote` may follow later through ``setRemote(_:now:)``.
    public init(configuration: Configuration, remote: RemoteTransport?, now: ContinuousClock.Instant) throws {
        self.configuration = configuration
        if let remote { try setRemote(remote, now: now) }
    }

    /// Learns the remote end from its description. Only the first call counts: a later
    /// description of the same connection does not change credentials without an ICE restart.
    public func setRemote(_ remote: RemoteTransport, now: ContinuousClock.Instant) throws {
        guard self.remote == nil, closeReason == nil else { return }
        guard let fingerprint = remote.sha256Fingerprint else {
            throw MediaError(.invalidKey, "the remote description has no sha-256 fingerprint")
        }
        dtls = try DTLSEndpoint(
            role: .server,
            certificate: configuration.certificate,
            remoteFingerprint: fingerprint,
            profiles: configuration.profiles,
            mtu: configuration.mtu
        )
        ice = ICELiteAgent(
            configuration: .init(local: configuration.local, remoteUfrag: remote.ice.ufrag, consentTimeout: configuration.consentTimeout),
            now: now
        )
        self.remote = remote
    }

    /// The address media goes to, once ICE nominated one.
    public var selectedAddress: STUNAddress? { ice?.selectedAddress }

    /// When ``handleTimeout(now:)`` should next run, if ever.
    public func nextTimeout() -> ContinuousClock.Instant? {
        guard closeReason == nil else { return nil }
        switch (ice?.nextTimeout(), dtlsDeadline) {
        case (let a?, let b?): return min(a, b)
        case (let a?, nil): return a
        case (nil, let b?): return b
        case (nil, nil): return nil
        }
    }

    /// Fires what is due: consent expiry and DTLS retransmission.
    public func handleTimeout(now: ContinuousClock.Instant) {
        guard closeReason == nil, var agent = ice else { return }
        let expired = agent.handleTimeout(now: now)
        ice = agent
        if expired.contains(.consentExpired) {
            close(.consentTimeout)
            return
        }
        if let deadline = dtlsDeadline, now >= deadline, let dtls {
            queueDTLS(dtls.handleTimeout())
            afterDTLS(now: now)
        }
    }

    /// Handles a STUN message the demultiplexer already parsed.
    public func handle(stun message: STUNMessage, from source: STUNAddress, now: ContinuousClock.Instant) {
        guard closeReason == nil, var agent = ice else {
            counters.dropped += 1
            return
        }
        let output = agent.handle(message, from: source, now: now)
        ice = agent
        if let response = output.response { queue(response, to: source) }
        for event in output.events {
            if event == .consentExpired {
                close(.consentTimeout)
                return
            }
        }
    }

    /// Handles one datagram from `source`: STUN, DTLS or SRTP/SRTCP (RFC 7983).
    public func handle(datagram: [UInt8], from source: STUNAddress, now: ContinuousClock.Instant) {
        switch DatagramKind(datagram: datagram) {
        case .stun:
            guard let message = try? STUNMessage(parsing: datagram) else {
                counters.dropped += 1
                return
            }
            handle(stun: message, from: source, now: now)
        case .dtls:
            handleDTLS(datagram, from: source, now: now)
        case .rtp:
            handleSRTP(datagram, from: source)
        case .other:
            counters.dropped += 1
        }
    }

    /// Closes the transport for `reason`; reports ``PeerTransportEvent/closed(_:)`` once.
    public func close(_ reason: PeerCloseReason = .closedByRouter) {
        guard closeReason == nil else { return }
        closeReason = reason
        isConnected = false
        dtlsDeadline = nil
        inbound = nil
        outbound = nil
        events.append(.closed(reason))
    }

    /// Moves queued datagrams into `output`.
    public func drainTransmits(into output: inout [Transmit]) {
        guard !transmits.isEmpty else { return }
        output.append(contentsOf: transmits)
        transmits.removeAll(keepingCapacity: true)
    }

    /// Moves queued events into `output`.
    public func drainEvents(into output: inout [PeerTransportEvent]) {
        guard !events.isEmpty else { return }
        output.append(contentsOf: events)
        events.removeAll(keepingCapacity: true)
    }

    func queue(_ bytes: [UInt8], to destination: STUNAddress) {
        counters.datagramsOut += 1
        counters.bytesOut += bytes.count
        transmits.append(Transmit(destination: destination, bytes: bytes))
    }
}

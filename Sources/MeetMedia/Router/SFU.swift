/// Called on the SFU's event loop with a producer and one RTP packet (header included) it forwards;
/// it must return quickly.
public typealias PacketTap = @Sendable (_ producer: ProducerKey, _ packet: [UInt8]) -> Void

/// The whole SFU, sans-IO: every meeting's ``MediaRouter``, every participant's two
/// ``PeerTransport``s and the ``ICEDemultiplexer`` in front of them, for one UDP port. The UDP
/// driver (``MediaServer``) feeds it datagrams and the time, sends what ``drainTransmits(into:)``
/// returns and passes ``drainEvents(into:)`` on to signaling. Deterministic given its inputs,
/// apart from the random SSRCs, ICE credentials and DTLS handshakes.
public final class SFU {
    /// What every peer connection of this SFU shares.
    public struct Configuration: Sendable {
        public var certificate: DTLSCertificate
        /// The SRTP profiles DTLS may agree on, most preferred first.
        public var profiles: [SRTPProfile]
        /// The candidates written into every description: the announced addresses of the UDP port.
        public var candidates: [ICECandidate]
        public var capabilities: MediaCapabilities
        public var consentTimeout: Duration
        /// The shortest time between two key frame requests to one publisher.
        public var keyFrameRequestInterval: Duration
        public var maximumPeers: Int
        /// How often each publisher gets a receiver report (a report block per stream it sends)
        /// and, for video it sends with `goog-remb`, a REMB. RFC 3550 §6.2 lets an SFU use a fixed
        /// interval; once a second is what libwebrtc's own receivers send. Values under 100 ms count
        /// as 100 ms.
        public var receiverReportInterval: Duration
        /// The bitrate, in bits per second, the REMB to each publisher allows for all it sends
        /// (camera and screen together). When more than 10 % of a publisher's packets were lost in
        /// the last interval, the REMB asks for 85 % of what arrived in that interval instead.
        public var maximumPublishBitrate: Int
        /// Test only: sees every RTP packet the router forwards from a producer (decrypted, as sent
        /// on). nil in production, where forwarding pays one nil check for it.
        public var packetTap: PacketTap?

        public init(
            certificate: DTLSCertificate,
            profiles: [SRTPProfile] = SRTPProfile.allCases,
            candidates: [ICECandidate],
            capabilities: MediaCapabilities = MediaCapabilities(),
            consentTimeout: Duration = .seconds(30),
            keyFrameRequestInterval: Duration = .milliseconds(500),
            maximumPeers: Int = 10_000,
            receiverReportInterval: Duration = .seconds(1),
            maximumPublishBitrate: Int = 2_500_000,
            packetTap: PacketTap? = nil
        ) {
            self.packetTap = packetTap
            self.certificate = certificate
            self.profiles = profiles
            self.candidates = candidates
            self.capabilities = capabilities
            self.consentTimeout = consentTimeout
            self.keyFrameRequestInterval = keyFrameRequestInterval
            self.maximumPeers = maximumPeers
            self.receiverReportInterval = receiverReportInterval
            self.maximumPublishBitrate = maximumPublishBitrate
        }
    }

    /// One registered peer connection and whose it is.
    struct PeerRecord {
        let transport: PeerTransport
        let meeting: String
        let participant: String
        let role: PeerRole
    }

    public let configuration: Configuration
    var demultiplexer: ICEDemultiplexer<UInt64>
    var peers: [UInt64: PeerRecord] = [:]
    var peerIDs: [ObjectIdentifier: UInt64] = [:]
    var nextPeerID: UInt64 = 1
    var routers: [String: MediaRouter] = [:]
    var outbox: [Transmit] = []
    var events: [SFUEvent] = []
    var transportEvents: [PeerTransportEvent] = []
    /// Counts of peers already gone, so that metrics keep growing monotonically.
    var retiredTransportCounters = PeerTransportCounters()
    var retiredRouterCounters = RouterCounters()

    public init(configuration: Configuration) {
        self.configuration = configuration
        demultiplexer = ICEDemultiplexer(maximumPeers: configuration.maximumPeers)
    }

    /// Moves the datagrams to send into `output`.
    public func drainTransmits(into output: inout [Transmit]) {
        guard !outbox.isEmpty else { return }
        output.append(contentsOf: outbox)
        outbox.removeAll(keepingCapacity: true)
    }

    /// Moves the events for signaling into `output`.
    public func drainEvents(into output: inout [SFUEvent]) {
        guard !events.isEmpty else { return }
        output.append(contentsOf: events)
        events.removeAll(keepingCapacity: true)
    }

    func router(_ meeting: String) -> MediaRouter {
        if let existing = routers[meeting] { return existing }
        let created = MediaRouter(meeting: meeting, configuration: configuration)
        routers[meeting] = created
        return created
    }

    /// A transport with fresh ICE credentials, registered with the demultiplexer.
    func makeTransport(
        meeting: String,
        participant: String,
        role: PeerRole,
        remote: RemoteTransport?,
        now: ContinuousClock.Instant
    ) throws
        -> PeerTransport
    {
        let credentials = ICECredentials.random()
        let transport = try PeerTransport(
            configuration: .init(
                local: credentials,
                certificate: configuration.certificate,
                profiles: configuration.profiles,
                consentTimeout: configuration.consentTimeout
            ),
            remote: remote,
            now: now
        )
        let id = nextPeerID
        guard demultiplexer.register(id, localUfrag: credentials.ufrag) else {
            throw MediaError(.invalidKey, "no room for another peer connection, or a ufrag collision")
        }
        nextPeerID += 1
        peers[id] = PeerRecord(transport: transport, meeting: meeting, participant: participant, role: role)
        peerIDs[ObjectIdentifier(transport)] = id
        return transport
    }

    func transportParameters(for transport: PeerTransport) -> SFUTransportParameters {
        SFUTransportParameters(
            ice: transport.configuration.local,
            fingerprint: SDPFingerprint(configuration.certificate.fingerprint),
            candidates: configuration.candidates,
            sessionID: SFUTransportParameters.randomSessionID()
        )
    }

    /// Forgets a transport: no more routing to it; its counts move to the retired totals.
    func retire(_ transport: PeerTransport) {
        guard let id = peerIDs.removeValue(forKey: ObjectIdentifier(transport)) else { return }
        demultiplexer.remove(id)
        peers[id] = nil
        retiredTransportCounters.add(transport.counters)
    }
}

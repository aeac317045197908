import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The SFU on one UDP port: a SwiftNIO datagram channel around the sans-IO ``SFU``. All SFU state
/// lives on that channel's event loop; reads come in vectors (NIO's recvmmsg), and the datagrams a
/// read batch produced go out together, gathered in one arena, with sendmmsg on the same
/// socket (``DatagramSender``, decision 0009). The async methods are what the
/// signaling server calls; ``events`` carries renegotiation offers and connection changes back.
public final class MediaServer: Sendable {
    /// Where to listen and what to announce.
    public struct Configuration: Sendable {
        public var host: String
        /// 0 picks a free port, for tests.
        public var port: Int
        /// The addresses written into candidates, as clients reach this port (public addresses
        /// behind NAT); the bound host when empty.
        public var announcedAddresses: [String]
        public var certificate: DTLSCertificate
        public var profiles: [SRTPProfile]
        public var consentTimeout: Duration
        /// Datagrams read per system call.
        public var vectorReadCount: Int
        public var maximumPeers: Int
        /// What each publisher's REMB allows (``SFU/Configuration/maximumPublishBitrate``), in bits per second.
        public var maximumPublishBitrate: Int
        /// Test only: a copy of each forwarded RTP packet (``SFU/Configuration/packetTap``).
        public var packetTap: PacketTap?

        public init(
            host: String,
            port: Int,
            announcedAddresses: [String] = [],
            certificate: DTLSCertificate,
            profiles: [SRTPProfile] = SRTPProfile.allCases,
            consentTimeout: Duration = .seconds(30),
            vectorReadCount: Int = 32,
            maximumPeers: Int = 10_000,
            maximumPublishBitrate: Int = 2_500_000,
            packetTap: PacketTap? = nil
        ) {
            self.packetTap = packetTap
            self.host = host
            self.port = port
            self.announcedAddresses = announcedAddresses
            self.certificate = certificate
            self.profiles = profiles
            self.consentTimeout = consentTimeout
            self.vectorReadCount = vectorReadCount
            self.maximumPeers = maximumPeers
            self.maximumPublishBitrate = maximumPublishBitrate
        }
    }

    let channel: any Channel
    let engine: NIOLoopBound<MediaEngine>
    /// Renegotiation offers and connection changes, in order.
    public let events: AsyncStream<SFUEvent>
    /// The bound UDP port.
    public let port: Int

    /// Binds the port and starts serving.
    public static func start(
        configuration: Configuration,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> MediaServer {
        let eventLoop = group.next()
        let (events, continuation) = AsyncStream.makeStream(of: SFUEvent.self)
        let engine = try await eventLoop.submit {
            NIOLoopBound(MediaEngine(continuation: continuation), eventLoop: eventLoop)
        }.get()
        let descriptor = try boundSocket(host: configuration.host, port: configuration.port)
        let channel = try await DatagramBootstrap(group: eventLoop)
            .channelOption(.datagramVectorReadMessageCount, value: configuration.vectorReadCount)
            // NIO splits one receive buffer between the messages of a vector read: 2 KiB each.
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 2048 * max(1, configuration.vectorReadCount)))
            // What may wait for a full socket (DatagramSender): some 3,000 datagrams, then they are dropped.
            .channelOption(.writeBufferWaterMark, value: .init(low: 1 << 20, high: 4 << 20))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(MediaChannelHandler(engine: engine.value))
                }
            }
            .withBoundSocket(descriptor)
            .get()
        guard let port = channel.localAddress?.port else {
            try await channel.close()
            throw MediaError(.notReceived, "the media socket has no local port")
        }
        let candidates = (configuration.announcedAddresses.isEmpty ? [configuration.host] : configuration.announcedAddresses)
            .enumerated().map { index, address in
                ICECandidate(
                    foundation: String(index + 1),
                    component: 1,
                    transport: "udp",
                    priority: ICECandidate.priority(typePreference: 126, localPreference: UInt16(65535 - index)),
                    address: address,
                    port: UInt16(port),
                    kind: .host
                )
            }
        let sfuConfiguration = SFU.Configuration(
            certificate: configuration.certificate,
            profiles: configuration.profiles,
            candidates: candidates,
            consentTimeout: configuration.consentTimeout,
            maximumPeers: configuration.maximumPeers,
            maximumPublishBitrate: configuration.maximumPublishBitrate,
            packetTap: configuration.packetTap
        )
        try await eventLoop.submit {
            engine.value.start(sfu: SFU(configuration: sfuConfiguration), channel: channel, descriptor: descriptor)
        }.get()
        return MediaServer(channel: channel, engine: engine, events: events, port: port)
    }

    init(channel: any Channel, engine: NIOLoopBound<MediaEngine>, events: AsyncStream<SFUEvent>, port: Int) {
        self.channel = channel
        self.engine = engine
        self.events = events
        self.port = port
    }

    /// Runs `body` against the SFU on its event loop, then sends what it produced.
    func withSFU<Result: Sendable>(_ body: @escaping @Sendable (SFU, ContinuousClock.Instant) throws -> Result) async throws -> Result {
        let engine = self.engine
        return try await channel.eventLoop.submit {
            let value = try engine.value.run(body)
            return value
        }.get()
    }

    /// Stops serving: closes the socket and ends ``events``.
    public func close() async throws {
        let engine = self.engine
        try await channel.eventLoop.submit { engine.value.stop() }.get()
        try await channel.close()
    }
}

/// A UDP socket bound to `host` and `port`, for the channel to own and the ``DatagramSender`` to
/// write on. No SO_REUSEADDR: on Linux it would let a second server share the port and split its traffic.
func boundSocket(host: String, port: Int) throws -> CInt {
    let address = try SocketAddress.makeAddressResolvingHost(host, port: port)
    #if os(Linux)
    let descriptor = socket(address.protocol.rawValue, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
    #else
    // NIO makes it non-blocking when it takes it over.
    let descriptor = socket(address.protocol.rawValue, SOCK_DGRAM, 0)
    if descriptor >= 0 { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
    #endif
    guard descriptor >= 0 else { throw MediaError(.notReceived, "cannot open a UDP socket: \(String(cString: strerror(errno)))") }
    // Room for bursts (a key frame fanned out to every subscriber) before the socket reports full;
    // the kernel caps these at net.core.wmem_max and rmem_max (docs/operations.md).
    var bufferSize: CInt = 4 << 20
    for option in [SO_SNDBUF, SO_RCVBUF] {
        _ = setsockopt(descriptor, SOL_SOCKET, option, &bufferSize, socklen_t(MemoryLayout<CInt>.size))
    }
    let bound = address.withSockAddr { bind(descriptor, $0, socklen_t($1)) }
    guard bound == 0 else {
        let reason = String(cString: strerror(errno))
        close(descriptor)
        throw MediaError(.notReceived, "cannot bind UDP \(host) port \(port): \(reason)")
    }
    return descriptor
}

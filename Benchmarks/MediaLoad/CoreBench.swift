import MeetMedia

/// The sans-IO core alone, on this thread: real ICE and DTLS handshakes between ``TestClientPeer``s
/// and an ``SFU`` in memory, then SRTP video through it. Only `handle` and `drainTransmits` are
/// timed; the publishers' encryption happens before, in batches, and the subscribers' decryption
/// after, so the rate is the SFU's own: forwarded packets per second of one core.
final class CoreBench {
    /// One synthetic browser: its address, credentials and client peer.
    final class Client {
        let address: STUNAddress
        let ice = ICECredentials.random()
        let certificate: DTLSCertificate
        var peer: TestClientPeer?

        init(port: UInt16, certificate: DTLSCertificate) {
            address = STUNAddress(ip: .v4(0x7F00_0001), port: port)
            self.certificate = certificate
        }
    }

    let options: LoadOptions
    let sfu: SFU
    var clients: [STUNAddress: Client] = [:]
    var publishers: [Client] = []
    var subscribers: [Client] = []
    var now = ContinuousClock.now
    var transmits: [Transmit] = []
    var events: [SFUEvent] = []

    init(options: LoadOptions) throws {
        self.options = options
        let candidate = ICECandidate(
            foundation: "1",
            component: 1,
            transport: "udp",
            priority: ICECandidate.priority(typePreference: 126, localPreference: 65535),
            address: "127.0.0.1",
            port: 3478,
            kind: .host
        )
        sfu = SFU(configuration: .init(certificate: try SyntheticMedia.certificate(name: "sfu"), candidates: [candidate]))
    }

    func makeClient(certificate: DTLSCertificate) -> Client {
        let client = Client(port: UInt16(20_000 + clients.count), certificate: certificate)
        clients[client.address] = client
        return client
    }

    /// Delivers datagrams both ways until nothing is in flight, firing timers when quiet.
    func pump(_ datagrams: [[UInt8]], from client: Client) {
        var pending = datagrams.map { (client.address, $0) }
        for _ in 0..<1000 {
            for (source, datagram) in pending { sfu.handle(datagram: datagram, from: source, now: now) }
            pending = []
            sfu.drainTransmits(into: &transmits)
            sfu.drainEvents(into: &events)
            events.removeAll()
            if transmits.isEmpty {
                now += .milliseconds(10)
                sfu.handleTimeout(now: now)
                for client in clients.values {
                    guard let peer = client.peer else { continue }
                    pending += peer.handleTimeout(now: now).map { (client.address, $0) }
                }
                sfu.drainTransmits(into: &transmits)
                if pending.isEmpty && transmits.isEmpty { return }
            }
            for transmit in transmits {
                guard let target = clients[transmit.destination], let peer = target.peer else { continue }
                pending += peer.handle(datagram: transmit.bytes).map { (target.address, $0) }
            }
            transmits.removeAll(keepingCapacity: true)
        }
    }

    func setUp() throws {
        // Certificates are shared between synthetic clients: making one per client costs time, not realism.
        let certificate = try SyntheticMedia.certificate(name: "client")
        for index in 0..<options.publishers {
            let client = makeClient(certificate: certificate)
            let offer = SyntheticMedia.publishOffer(ice: client.ice, fingerprint: certificate.fingerprint)
            let answer = try sfu.publish(meeting: "load", participant: "pub\(index)", offer: offer, allowedSources: [.camera, .microphone], now: now)
            let peer = try SyntheticMedia.clientPeer(for: answer, ice: client.ice, certificate: certificate, profile: options.profile)
            client.peer = peer
            pump(peer.start(now: now), from: client)
            guard peer.isConnected else { throw LoadError("publisher \(index) did not connect: \(peer.failure ?? "no reason")") }
            publishers.append(client)
        }
    }

    /// Subscribes everyone; returns the SFU's heap growth per subscriber, without the clients' share.
    func subscribeAll() throws -> Int {
        let certificate = try SyntheticMedia.certificate(name: "client")
        let before = HeapUsage.inUse()
        for index in 0..<options.subscribers {
            let client = makeClient(certificate: certificate)
            let participant = "sub\(index)"
            let offerText = try sfu.subscribe(meeting: "load", participant: participant, now: now)
            let offer = try SessionDescription(parsing: offerText)
            let answer = SyntheticMedia.subscribeAnswer(to: offer, ice: client.ice, fingerprint: certificate.fingerprint)
            try sfu.applySubscribeAnswer(meeting: "load", participant: participant, answer: answer, now: now)
            let peer = try SyntheticMedia.clientPeer(for: offerText, ice: client.ice, certificate: certificate, profile: options.profile)
            client.peer = peer
            pump(peer.start(now: now), from: client)
            guard peer.isConnected else { throw LoadError("subscriber \(index) did not connect: \(peer.failure ?? "no reason")") }
            subscribers.append(client)
        }
        let withClients = HeapUsage.inUse()
        // Subscriber 0 keeps its client to check what arrives; the others' clients go, and with
        // them their share of the heap (DTLS and SRTP state on the browser's side).
        for client in subscribers.dropFirst() { client.peer = nil }
        let sfuOnly = HeapUsage.inUse()
        let perClient = subscribers.count > 1 ? (withClients - sfuOnly) / (subscribers.count - 1) : 0
        return (sfuOnly - perClient - before) / max(1, subscribers.count)
    }

    /// Runs the timed rounds; returns what the report needs.
    func run() throws -> CoreResult {
        try setUp()
        let heapPerSubscriber = try subscribeAll()
        let metricsBefore = sfu.metrics
        var latencies: [UInt64] = []
        var busy: UInt64 = 0
        var sequence: UInt16 = 1
        var batch: [(STUNAddress, [UInt8])] = []
        let deadline = SyntheticMedia.monotonicNanoseconds() + UInt64(options.seconds * 1e9)
        var received = 0
        var cpu = 0.0
        var firstSubscriberDatagrams: [[UInt8]] = []
        var round = 0
        while options.rounds > 0 ? round < options.rounds : SyntheticMedia.monotonicNanoseconds() < deadline {
            round += 1
            batch.removeAll(keepingCapacity: true)
            for _ in 0..<options.batch {
                for client in publishers {
                    let packet = SyntheticMedia.videoPacket(sequence: sequence, payloadSize: options.payloadSize, sentAt: 0)
                    guard let protected = client.peer?.protectRTP(packet) else { throw LoadError("a publisher lost its SRTP context") }
                    batch.append((client.address, protected))
                }
                sequence &+= 1
            }
            // Thread CPU time around the batch, so that other processes on the machine do not count.
            let cpuBefore = threadCPUSeconds()
            for (source, datagram) in batch {
                let start = SyntheticMedia.monotonicNanoseconds()
                sfu.handle(datagram: datagram, from: source, now: now)
                sfu.drainTransmits(into: &transmits)
                let elapsed = SyntheticMedia.monotonicNanoseconds() - start
                busy += elapsed
                latencies.append(elapsed)
                for transmit in transmits where transmit.destination == subscribers.first?.address { firstSubscriberDatagrams.append(transmit.bytes) }
                transmits.removeAll(keepingCapacity: true)
            }
            cpu += threadCPUSeconds() - cpuBefore
            // What subscriber 0 got is decrypted, untimed, to prove that forwarding worked.
            if let peer = subscribers.first?.peer {
                for datagram in firstSubscriberDatagrams { _ = peer.handle(datagram: datagram) }
                received += peer.receivedRTP.count
                peer.receivedRTP.removeAll(keepingCapacity: true)
            }
            firstSubscriberDatagrams.removeAll(keepingCapacity: true)
            now += .milliseconds(1)
        }
        let metrics = sfu.metrics
        return CoreResult(
            forwarded: metrics.packetsForwarded - metricsBefore.packetsForwarded,
            received: metrics.packetsForwarded > 0 ? received : 0,
            expectedAtFirstSubscriber: latencies.count,
            busySeconds: Double(busy) / 1e9,
            cpuSeconds: cpu,
            latencies: latencies,
            heapPerSubscriber: heapPerSubscriber,
            consumersPerSubscriber: metrics.consumers / max(1, options.subscribers)
        )
    }
}

struct CoreResult {
    /// Packets the SFU sent to subscribers while timed.
    let forwarded: Int
    /// Packets subscriber 0 decrypted, and how many it should have (one per published packet).
    let received: Int
    let expectedAtFirstSubscriber: Int
    /// Wall-clock time inside `handle` and `drainTransmits`, and the thread's CPU time around the batches.
    let busySeconds: Double
    let cpuSeconds: Double
    /// Nanoseconds from a publisher's datagram entering `handle` to its last copy leaving.
    let latencies: [UInt64]
    let heapPerSubscriber: Int
    let consumersPerSubscriber: Int
}

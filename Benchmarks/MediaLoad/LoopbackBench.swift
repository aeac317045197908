import Foundation
import MeetMedia
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The MediaServer on 127.0.0.1 with its own event loop thread, whose CPU time is read on that
/// thread before and after; publishers send from one thread, subscribers receive on another, each
/// client on its own UDP socket. Only subscriber 0 decrypts (for latency); the rest count datagrams,
/// so the clients' CPU goes mostly to encryption and system calls, not to the SFU's job twice over.
final class LoopbackBench {
    /// A client's socket and peer, owned by one thread at a time.
    final class Client: @unchecked Sendable {
        let socket: UDPClientSocket
        let peer: TestClientPeer

        init(socket: UDPClientSocket, peer: TestClientPeer) {
            self.socket = socket
            self.peer = peer
        }
    }

    let options: LoadOptions

    init(options: LoadOptions) {
        self.options = options
    }

    func run() async throws -> LoopbackResult {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let certificate = try SyntheticMedia.certificate(name: "client")
        let server = try await MediaServer.start(
            configuration: .init(host: "127.0.0.1", port: 0, certificate: try SyntheticMedia.certificate(name: "sfu"), vectorReadCount: 64),
            group: group
        )
        var publishers: [Client] = []
        for index in 0..<options.publishers {
            let ice = ICECredentials.random()
            let offer = SyntheticMedia.publishOffer(ice: ice, fingerprint: certificate.fingerprint)
            let answer = try await server.publish(
                meeting: "load",
                participant: "pub\(index)",
                offerSDP: offer,
                allowedSources: [.camera, .microphone]
            )
            let peer = try SyntheticMedia.clientPeer(for: answer, ice: ice, certificate: certificate, profile: options.profile)
            publishers.append(try connect(peer, port: server.port))
        }
        let residentBefore = HeapUsage.resident()
        var subscribers: [Client] = []
        for index in 0..<options.subscribers {
            let ice = ICECredentials.random()
            let offerText = try await server.subscribe(meeting: "load", participant: "sub\(index)")
            let offer = try SessionDescription(parsing: offerText)
            let answer = SyntheticMedia.subscribeAnswer(to: offer, ice: ice, fingerprint: certificate.fingerprint)
            try await server.applySubscribeAnswer(meeting: "load", participant: "sub\(index)", answerSDP: answer)
            let peer = try SyntheticMedia.clientPeer(for: offerText, ice: ice, certificate: certificate, profile: options.profile)
            subscribers.append(try connect(peer, port: server.port))
        }
        let residentPerSubscriber = (HeapUsage.resident() - residentBefore) / max(1, options.subscribers)

        let stopSending = StopFlag()
        let stopReceiving = StopFlag()
        let sender = LoadThread { [options] in Self.send(from: publishers, options: options, stop: stopSending) }
        let receiver = LoadThread { Self.receive(at: subscribers, stop: stopReceiving) }
        let metricsBefore = try await server.metrics()
        let cpuBefore = try await group.next().submit { threadCPUSeconds() }.get()
        let started = ContinuousClock.now
        sender.start()
        receiver.start()
        try await Task.sleep(for: .seconds(options.seconds))
        stopSending.raise()
        let sent = sender.join()
        // What is still queued is forwarded and counted before the window closes.
        try await Task.sleep(for: .milliseconds(300))
        let cpuAfter = try await group.next().submit { threadCPUSeconds() }.get()
        let metricsAfter = try await server.metrics()
        let elapsed = ContinuousClock.now - started
        stopReceiving.raise()
        let (received, latencies) = receiver.join()
        try await server.close()
        try await group.shutdownGracefully()
        return LoopbackResult(
            sent: sent,
            forwarded: metricsAfter.packetsForwarded - metricsBefore.packetsForwarded,
            received: received,
            wallSeconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
            serverCPUSeconds: cpuAfter - cpuBefore,
            latencies: latencies,
            residentPerSubscriber: residentPerSubscriber
        )
    }

    /// Runs ICE and DTLS over a fresh socket until connected.
    func connect(_ peer: TestClientPeer, port: Int) throws -> Client {
        let socket = try UDPClientSocket(serverPort: UInt16(port))
        let started = ContinuousClock.now
        var outgoing = peer.start(now: started)
        var buffer = [UInt8](repeating: 0, count: 2048)
        while !peer.isConnected {
            for datagram in outgoing { socket.send(datagram) }
            outgoing = []
            let now = ContinuousClock.now
            guard now - started < .seconds(10), peer.failure == nil else {
                throw LoadError("a client did not connect: \(peer.failure ?? "timed out")")
            }
            if socket.wait(milliseconds: 10), let count = socket.receive(into: &buffer) {
                outgoing += peer.handle(datagram: Array(buffer[0..<count]))
            }
            outgoing += peer.handleTimeout(now: ContinuousClock.now)
        }
        return Client(socket: socket, peer: peer)
    }

    /// Publishers' loop: one packet per publisher per round, paced to `rate` when it is set.
    static func send(from publishers: [Client], options: LoadOptions, stop: StopFlag) -> Int {
        var sent = 0
        var sequence: UInt16 = 1
        let started = SyntheticMedia.monotonicNanoseconds()
        while !stop.isRaised {
            if options.rate > 0 {
                let due = started + UInt64(Double(sequence) / Double(options.rate) * 1e9)
                let now = SyntheticMedia.monotonicNanoseconds()
                if due > now { usleep(UInt32(min(1000, (due - now) / 1000))) }
                if due > SyntheticMedia.monotonicNanoseconds() { continue }
            }
            for client in publishers {
                let packet = SyntheticMedia.videoPacket(
                    sequence: sequence,
                    payloadSize: options.payloadSize,
                    sentAt: SyntheticMedia.monotonicNanoseconds()
                )
                guard let protected = client.peer.protectRTP(packet) else { continue }
                client.socket.send(protected)
                sent += 1
            }
            sequence &+= 1
        }
        return sent
    }

    /// Subscribers' loop: counts every datagram; subscriber 0 decrypts and times its packets.
    static func receive(at subscribers: [Client], stop: StopFlag) -> (Int, [UInt64]) {
        var received = 0
        var latencies: [UInt64] = []
        var buffer = [UInt8](repeating: 0, count: 2048)
        var descriptors = subscribers.map { pollfd(fd: $0.socket.descriptor, events: Int16(POLLIN), revents: 0) }
        while !stop.isRaised {
            guard poll(&descriptors, nfds_t(descriptors.count), 10) > 0 else { continue }
            for (index, descriptor) in descriptors.enumerated() where descriptor.revents != 0 {
                let client = subscribers[index]
                while let count = client.socket.receive(into: &buffer) {
                    received += 1
                    guard index == 0 else { continue }
                    _ = client.peer.handle(datagram: Array(buffer[0..<count]))
                    let now = SyntheticMedia.monotonicNanoseconds()
                    for packet in client.peer.receivedRTP {
                        if let sentAt = SyntheticMedia.sentAt(forwarded: packet), sentAt <= now { latencies.append(now - sentAt) }
                    }
                    client.peer.receivedRTP.removeAll(keepingCapacity: true)
                }
            }
        }
        return (received, latencies)
    }
}

struct LoopbackResult {
    let sent: Int
    let forwarded: Int
    let received: Int
    let wallSeconds: Double
    let serverCPUSeconds: Double
    let latencies: [UInt64]
    let residentPerSubscriber: Int
}

/// CPU time (user and system) of the calling thread.
func threadCPUSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

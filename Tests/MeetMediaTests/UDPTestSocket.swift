import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

@testable import MeetMedia

/// A UDP socket on 127.0.0.1 for tests: what it receives piles up until the test takes it.
final class UDPTestSocket: Sendable {
    final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let inbox = NIOLockedValueBox<[[UInt8]]>([])

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data).data
            let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
            inbox.withLockedValue { $0.append(bytes) }
        }
    }

    let channel: any Channel
    let collector: Collector

    init(channel: any Channel, collector: Collector) {
        self.channel = channel
        self.collector = collector
    }

    static func open(host: String = "127.0.0.1") async throws -> UDPTestSocket {
        let collector = Collector()
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .bind(host: host, port: 0)
            .get()
        return UDPTestSocket(channel: channel, collector: collector)
    }

    func take() -> [[UInt8]] {
        collector.inbox.withLockedValue { inbox in
            defer { inbox.removeAll() }
            return inbox
        }
    }

    func send(_ datagrams: [[UInt8]], to address: SocketAddress) async throws {
        for datagram in datagrams {
            let envelope = AddressedEnvelope(remoteAddress: address, data: channel.allocator.buffer(bytes: datagram))
            try await channel.writeAndFlush(envelope)
        }
    }

    func close() async throws {
        try await channel.close()
    }
}

/// A ``TestClientPeer`` on a real UDP socket, polled: each step delivers what arrived, fires timers
/// and sends the replies.
final class UDPTestClient {
    let socket: UDPTestSocket
    let peer: TestClientPeer
    let server: SocketAddress

    init(socket: UDPTestSocket, peer: TestClientPeer, server: SocketAddress) {
        self.socket = socket
        self.peer = peer
        self.server = server
    }

    func step() async throws {
        var replies: [[UInt8]] = []
        for datagram in socket.take() { replies += peer.handle(datagram: datagram) }
        replies += peer.handleTimeout(now: .now)
        try await socket.send(replies, to: server)
    }

    /// Steps every client until `done` holds, for at most `limit` rounds of 10 ms (then the test fails on its own checks).
    static func run(_ clients: [UDPTestClient], limit: Int = 1000, until done: () -> Bool) async throws {
        for _ in 0..<limit {
            for client in clients { try await client.step() }
            if done() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}

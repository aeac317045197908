import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

@testable import MeetMedia

/// A UDP relay on 127.0.0.1 between one client and the SFU that drops every `dropEvery`-th RTP
/// packet (not RTCP, STUN or DTLS) in the chosen directions, deterministically.
final class LossyUDPRelay: Sendable {
    final class State: Sendable {
        let client = NIOLockedValueBox<SocketAddress?>(nil)
        let front = NIOLockedValueBox<(any Channel)?>(nil)
        let back = NIOLockedValueBox<(any Channel)?>(nil)
        let rtpSeen = NIOLockedValueBox([0, 0])
        let dropped = NIOLockedValueBox([0, 0])
        let server: SocketAddress
        let dropEvery: Int
        let dropTowardServer: Bool
        let dropTowardClient: Bool

        init(server: SocketAddress, dropEvery: Int, dropTowardServer: Bool, dropTowardClient: Bool) {
            self.server = server
            self.dropEvery = dropEvery
            self.dropTowardServer = dropTowardServer
            self.dropTowardClient = dropTowardClient
        }

        /// Whether to drop this datagram; direction 0 is toward the server.
        func drop(_ buffer: ByteBuffer, direction: Int) -> Bool {
            guard direction == 0 ? dropTowardServer : dropTowardClient else { return false }
            let bytes = buffer.readableBytesView
            guard DatagramKind(datagram: bytes) == .rtp, RTPMuxKind(datagram: bytes) == .rtp else { return false }
            let seen = rtpSeen.withLockedValue { counts in
                counts[direction] += 1
                return counts[direction]
            }
            guard seen % dropEvery == 0 else { return false }
            dropped.withLockedValue { $0[direction] += 1 }
            return true
        }
    }

    final class Forwarder: ChannelInboundHandler, Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let state: State
        let towardServer: Bool

        init(state: State, towardServer: Bool) {
            self.state = state
            self.towardServer = towardServer
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            if towardServer { state.client.withLockedValue { $0 = envelope.remoteAddress } }
            guard !state.drop(envelope.data, direction: towardServer ? 0 : 1) else { return }
            let destination: SocketAddress? = towardServer ? state.server : state.client.withLockedValue { $0 }
            let channel = towardServer ? state.back.withLockedValue { $0 } : state.front.withLockedValue { $0 }
            guard let destination, let channel else { return }
            channel.writeAndFlush(AddressedEnvelope(remoteAddress: destination, data: envelope.data), promise: nil)
        }
    }

    let state: State
    let port: Int

    init(state: State, port: Int) {
        self.state = state
        self.port = port
    }

    static func start(serverPort: Int, dropEvery: Int, towardServer: Bool, towardClient: Bool) async throws -> LossyUDPRelay {
        let state = State(
            server: try SocketAddress(ipAddress: "127.0.0.1", port: serverPort),
            dropEvery: dropEvery,
            dropTowardServer: towardServer,
            dropTowardClient: towardClient
        )
        func bind(towardServer: Bool) async throws -> any Channel {
            try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(Forwarder(state: state, towardServer: towardServer))
                    }
                }
                .bind(host: "127.0.0.1", port: 0)
                .get()
        }
        let front = try await bind(towardServer: true)
        let back = try await bind(towardServer: false)
        state.front.withLockedValue { $0 = front }
        state.back.withLockedValue { $0 = back }
        return LossyUDPRelay(state: state, port: front.localAddress?.port ?? 0)
    }

    /// RTP datagrams dropped toward the server and toward the client.
    var dropped: (towardServer: Int, towardClient: Int) {
        let counts = state.dropped.withLockedValue { $0 }
        return (counts[0], counts[1])
    }

    /// `description` with the SFU's candidate and `m=` ports replaced by the relay's.
    func rewrite(_ description: String, serverPort: Int) -> String {
        description.split(separator: "\r\n", omittingEmptySubsequences: false).map { line in
            if line.hasPrefix("m=") || line.hasPrefix("a=candidate:") {
                return line.replacingOccurrences(of: " \(serverPort) ", with: " \(port) ")
            }
            return String(line)
        }
        .joined(separator: "\r\n")
    }

    func close() async {
        for channel in [state.front.withLockedValue { $0 }, state.back.withLockedValue { $0 }] {
            try? await channel?.close()
        }
    }
}

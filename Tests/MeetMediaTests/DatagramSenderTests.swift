import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import MeetMedia

#if canImport(Glibc)
import Glibc
#endif

/// The UDP driver's batched send (sendmmsg) over real sockets on 127.0.0.1 and ::1, on a real NIO
/// datagram channel that owns the socket, as in `MediaServer`.
@Suite struct DatagramSenderTests {
    /// A sender and its channel; the sender is only touched on the channel's event loop.
    final class Harness: @unchecked Sendable {
        let channel: any Channel
        let sender: DatagramSender

        init(channel: any Channel, sender: DatagramSender) {
            self.channel = channel
            self.sender = sender
        }

        static func open(
            host: String = "127.0.0.1",
            batch: Int = 256,
            arenaSize: Int = 256 * 1_500,
            holding: WriteHolder? = nil,
            sendBatch: @escaping DatagramSender.SendBatch = DatagramSender.systemSendBatch
        ) async throws -> Harness {
            let descriptor = try boundSocket(host: host, port: 0)
            let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let holding { try channel.pipeline.syncOperations.addHandler(holding) }
                    }
                }
                .withBoundSocket(descriptor).get()
            let sender = DatagramSender(
                descriptor: descriptor,
                channel: channel,
                maximumAddresses: 16,
                batch: batch,
                arenaSize: arenaSize,
                sendBatch: sendBatch
            )
            return Harness(channel: channel, sender: sender)
        }

        func send(_ transmits: [Transmit]) async throws {
            try await channel.eventLoop.submit { self.sender.send(transmits) }.get()
        }

        func counts() async throws -> (dropped: Int, queued: Int, queueing: Bool) {
            try await channel.eventLoop.submit { (self.sender.dropped, self.sender.queued, self.sender.isQueueing) }.get()
        }

        func close() async throws { try await channel.close() }
    }

    /// Holds the channel's writes, as a socket that stays full would, until released.
    final class WriteHolder: ChannelOutboundHandler, @unchecked Sendable {
        typealias OutboundIn = AddressedEnvelope<ByteBuffer>
        var held: [(NIOAny, EventLoopPromise<Void>?)] = []
        var context: ChannelHandlerContext?

        func handlerAdded(context: ChannelHandlerContext) { self.context = context }

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            held.append((data, promise))
        }

        func flush(context: ChannelHandlerContext) {}

        /// Lets everything held go on to the socket (on the event loop).
        func release() {
            guard let context else { return }
            for (data, promise) in held { context.write(data, promise: promise) }
            held.removeAll()
            context.flush()
        }
    }

    static func destination(of socket: UDPTestSocket) throws -> STUNAddress {
        let local = try #require(socket.channel.localAddress)
        return try #require(STUNAddress(local))
    }

    /// Waits until `socket` holds `count` datagrams (or 5 s pass) and takes them.
    static func collect(_ count: Int, at socket: UDPTestSocket) async throws -> [[UInt8]] {
        var received: [[UInt8]] = []
        for _ in 0..<500 where received.count < count {
            received += socket.take()
            if received.count < count { try await Task.sleep(for: .milliseconds(10)) }
        }
        return received + socket.take()
    }

    /// Datagrams of 1…1,000 bytes, numbered in their first byte, alternating between destinations.
    static func numbered(_ count: Int, to destinations: [STUNAddress]) -> [Transmit] {
        (0..<count).map { index in
            let size = index == 0 ? 1 : 1 + (index * 37) % 1_000
            return Transmit(
                destination: destinations[index % destinations.count],
                bytes: [UInt8(index)] + [UInt8](repeating: UInt8(truncatingIfNeeded: size), count: size - 1)
            )
        }
    }

    /// A flush of more datagrams than one call takes, and more bytes than the arena holds (both made
    /// small here, so that the receivers' default buffers hold everything), arrives whole and in
    /// order, each datagram at its own destination.
    @Test func largeFlushesArriveWholeAndInOrder() async throws {
        let receivers = [try await UDPTestSocket.open(), try await UDPTestSocket.open()]
        let harness = try await Harness.open(batch: 8, arenaSize: 4_000)
        let transmits = Self.numbered(100, to: try receivers.map(Self.destination))
        try await harness.send(transmits)
        #expect(try await harness.counts().dropped == 0)
        for (which, receiver) in receivers.enumerated() {
            let expected = transmits.enumerated().filter { $0.offset % 2 == which }.map(\.element.bytes)
            let received = try await Self.collect(expected.count, at: receiver)
            // Numbers and lengths first, so that a failure prints short.
            #expect(
                received.map { [$0.first ?? 0, UInt8(truncatingIfNeeded: $0.count)] }
                    == expected.map { [$0[0], UInt8(truncatingIfNeeded: $0.count)] }
            )
            #expect(received == expected)
            try await receiver.close()
        }
        try await harness.close()
    }

    /// When the socket reports full (`EAGAIN`), the rest of the flush goes through the channel's
    /// queue: nothing is lost or reordered, and once the queue drains the next flush takes the fast
    /// path again. Loopback never fills a UDP socket's send buffer (it frees each datagram as it
    /// delivers it), so the full socket is simulated: the first call sends 3 datagrams for real, the
    /// second answers EAGAIN without sending.
    @Test func aFullSocketQueuesTheRestInOrder() async throws {
        let receiver = try await UDPTestSocket.open()
        let calls = Mutex(0)
        let harness = try await Harness.open(batch: 64) { descriptor, messages, count in
            let call = calls.withLock { value in
                value += 1
                return value
            }
            switch call {
            case 1: return DatagramSender.systemSendBatch(descriptor, messages, min(count, 3))
            case 2: return (-1, EAGAIN)
            default: return DatagramSender.systemSendBatch(descriptor, messages, count)
            }
        }
        let destination = try Self.destination(of: receiver)
        let first = Self.numbered(10, to: [destination])
        try await harness.send(first)
        let afterFirst = try await harness.counts()
        #expect(afterFirst.dropped == 0 && afterFirst.queued == 7)
        // Loopback takes the queued writes at once, so the queue has drained.
        #expect(afterFirst.queueing == false)
        #expect(try await Self.collect(10, at: receiver).map { $0[0] } == Array(0..<10))

        let second = Self.numbered(20, to: [destination]).suffix(10)
        try await harness.send(Array(second))
        #expect(calls.withLock { $0 } == 3)
        #expect(try await harness.counts().queued == 7)
        #expect(try await Self.collect(10, at: receiver).map { $0[0] } == Array(10..<20))
        try await receiver.close()
        try await harness.close()
    }

    /// While the channel's queue has not drained, later flushes join it instead of overtaking it on
    /// the fast path; once it drains, the fast path is back. The queue is held by a handler, as a
    /// socket that stays full would hold it.
    @Test func laterFlushesWaitBehindTheQueue() async throws {
        let receiver = try await UDPTestSocket.open()
        let calls = Mutex(0)
        let holder = WriteHolder()
        let harness = try await Harness.open(holding: holder) { descriptor, messages, count in
            let call = calls.withLock { value in
                value += 1
                return value
            }
            return call == 1 ? (-1, EAGAIN) : DatagramSender.systemSendBatch(descriptor, messages, count)
        }
        let destination = try Self.destination(of: receiver)
        let all = Self.numbered(30, to: [destination])
        try await harness.send(Array(all[0..<10]))
        #expect(try await harness.counts().queueing == true)
        try await harness.send(Array(all[10..<20]))
        let waiting = try await harness.counts()
        #expect(waiting.queued == 20 && waiting.queueing == true)
        // Only the first flush tried the socket.
        #expect(calls.withLock { $0 } == 1)
        #expect(receiver.take().isEmpty)

        try await harness.channel.eventLoop.submit { holder.release() }.get()
        #expect(try await Self.collect(20, at: receiver).map { $0[0] } == Array(0..<20))
        #expect(try await harness.counts().queueing == false)
        try await harness.send(Array(all[20..<30]))
        #expect(calls.withLock { $0 } == 2)
        #expect(try await Self.collect(10, at: receiver).map { $0[0] } == Array(20..<30))
        try await receiver.close()
        try await harness.close()
    }

    /// Once the channel has closed, nothing is written on its old descriptor number.
    @Test func nothingIsSentAfterTheChannelCloses() async throws {
        let receiver = try await UDPTestSocket.open()
        let calls = Mutex(0)
        let harness = try await Harness.open { descriptor, messages, count in
            calls.withLock { $0 += 1 }
            return DatagramSender.systemSendBatch(descriptor, messages, count)
        }
        try await harness.close()
        try await harness.send([Transmit(destination: try Self.destination(of: receiver), bytes: [1])])
        #expect(calls.withLock { $0 } == 0)
        #expect(try await harness.counts().dropped == 1)
        try await receiver.close()
    }

    /// A datagram larger than the whole arena is counted and skipped, not sent in pieces.
    @Test func aDatagramLargerThanTheArenaIsDropped() async throws {
        let receiver = try await UDPTestSocket.open()
        let harness = try await Harness.open(batch: 4, arenaSize: 100)
        let destination = try Self.destination(of: receiver)
        try await harness.send([
            Transmit(destination: destination, bytes: [1]),
            Transmit(destination: destination, bytes: [UInt8](repeating: 2, count: 101)),
            Transmit(destination: destination, bytes: [3]),
        ])
        #expect(try await harness.counts().dropped == 1)
        #expect(try await Self.collect(2, at: receiver) == [[1], [3]])
        try await receiver.close()
        try await harness.close()
    }

    /// A destination the socket cannot reach (IPv6 from an IPv4 socket) and a datagram larger than
    /// UDP allows are each counted and skipped; the datagrams around them still go out.
    @Test func refusedDatagramsAreCountedAndTheRestSent() async throws {
        let receiver = try await UDPTestSocket.open()
        let harness = try await Harness.open()
        let good = try Self.destination(of: receiver)
        let elsewhere = STUNAddress(ip: .v6(high: 0, low: 1), port: good.port)
        try await harness.send([
            Transmit(destination: good, bytes: [1]),
            // An empty datagram is legal UDP, and goes out as one.
            Transmit(destination: good, bytes: []),
            Transmit(destination: elsewhere, bytes: [2]),
            Transmit(destination: good, bytes: [3]),
            Transmit(destination: good, bytes: [UInt8](repeating: 4, count: 70_000)),
            Transmit(destination: good, bytes: [5]),
        ])
        #expect(try await harness.counts().dropped == 2)
        #expect(try await Self.collect(4, at: receiver) == [[1], [], [3], [5]])
        try await receiver.close()
        try await harness.close()
    }

    static let hasIPv6Loopback = (try? boundSocket(host: "::1", port: 0)).map { close($0) } != nil

    @Test(.enabled(if: hasIPv6Loopback, "no ::1 on this host")) func sendsOverIPv6() async throws {
        let receiver = try await UDPTestSocket.open(host: "::1")
        let harness = try await Harness.open(host: "::1")
        try await harness.send([Transmit(destination: try Self.destination(of: receiver), bytes: [6, 6])])
        #expect(try await harness.counts().dropped == 0)
        #expect(try await Self.collect(1, at: receiver) == [[6, 6]])
        try await receiver.close()
        try await harness.close()
    }

    /// A port already served is refused with the port named, not shared (no SO_REUSEADDR).
    @Test func aTakenPortIsRefused() throws {
        let first = try boundSocket(host: "127.0.0.1", port: 0)
        defer { close(first) }
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(first, $0, &length) }
        }
        let port = Int(UInt16(bigEndian: address.sin_port))
        #expect(port > 0)
        #expect(throws: MediaError.self) { _ = try boundSocket(host: "127.0.0.1", port: port) }
    }
}

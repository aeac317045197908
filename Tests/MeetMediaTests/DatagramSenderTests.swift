import NIOCore
import Testing

@testable import MeetMedia

#if canImport(Glibc)
import Glibc
#endif

/// The UDP driver's batched send (sendmmsg) over real sockets on 127.0.0.1 and ::1.
@Suite struct DatagramSenderTests {
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

    /// A flush of more datagrams than one call takes, and more bytes than the arena holds (both made
    /// small here, so that the receivers' default buffers hold everything), arrives whole and in
    /// order, each datagram at its own destination.
    @Test func largeFlushesArriveWholeAndInOrder() async throws {
        let receivers = [try await UDPTestSocket.open(), try await UDPTestSocket.open()]
        let descriptor = try boundSocket(host: "127.0.0.1", port: 0)
        defer { close(descriptor) }
        let sender = DatagramSender(descriptor: descriptor, maximumAddresses: 16, batch: 8, arenaSize: 4_000)
        var transmits: [Transmit] = []
        for index in 0..<100 {
            // Sizes from 1 to 1,000 bytes: some flushes end on the batch, others on the arena.
            let size = index == 0 ? 1 : 1 + (index * 37) % 1_000
            let bytes = [UInt8(index)] + [UInt8](repeating: UInt8(truncatingIfNeeded: size), count: size - 1)
            transmits.append(Transmit(destination: try Self.destination(of: receivers[index % 2]), bytes: bytes))
        }
        sender.send(transmits)
        #expect(sender.dropped == 0)
        for (which, receiver) in receivers.enumerated() {
            let expected = transmits.enumerated().filter { $0.offset % 2 == which }.map(\.element.bytes)
            let received = try await Self.collect(expected.count, at: receiver)
            // Compared as (first byte, length, whole-content match) so a failure prints short.
            #expect(
                received.map { [$0.first ?? 0, UInt8(truncatingIfNeeded: $0.count)] }
                    == expected.map { [$0[0], UInt8(truncatingIfNeeded: $0.count)] }
            )
            #expect(received == expected)
            try await receiver.close()
        }
    }

    /// A datagram larger than the whole arena is counted and skipped, not sent in pieces.
    @Test func aDatagramLargerThanTheArenaIsDropped() async throws {
        let receiver = try await UDPTestSocket.open()
        let descriptor = try boundSocket(host: "127.0.0.1", port: 0)
        defer { close(descriptor) }
        let sender = DatagramSender(descriptor: descriptor, maximumAddresses: 16, batch: 4, arenaSize: 100)
        let destination = try Self.destination(of: receiver)
        sender.send([
            Transmit(destination: destination, bytes: [1]),
            Transmit(destination: destination, bytes: [UInt8](repeating: 2, count: 101)),
            Transmit(destination: destination, bytes: [3]),
        ])
        #expect(sender.dropped == 1)
        #expect(try await Self.collect(2, at: receiver) == [[1], [3]])
        try await receiver.close()
    }

    /// A destination the socket cannot reach (IPv6 from an IPv4 socket) and a datagram larger than
    /// UDP allows are each counted and skipped; the datagrams around them still go out.
    @Test func refusedDatagramsAreCountedAndTheRestSent() async throws {
        let receiver = try await UDPTestSocket.open()
        let descriptor = try boundSocket(host: "127.0.0.1", port: 0)
        defer { close(descriptor) }
        let sender = DatagramSender(descriptor: descriptor, maximumAddresses: 16)
        let good = try Self.destination(of: receiver)
        let elsewhere = STUNAddress(ip: .v6(high: 0, low: 1), port: good.port)
        sender.send([
            Transmit(destination: good, bytes: [1]),
            Transmit(destination: elsewhere, bytes: [2]),
            Transmit(destination: good, bytes: [3]),
            Transmit(destination: good, bytes: [UInt8](repeating: 4, count: 70_000)),
            Transmit(destination: good, bytes: [5]),
        ])
        #expect(sender.dropped == 2)
        #expect(try await Self.collect(3, at: receiver) == [[1], [3], [5]])
        try await receiver.close()
    }

    @Test func sendsOverIPv6() async throws {
        let receiver = try await UDPTestSocket.open(host: "::1")
        let descriptor = try boundSocket(host: "::1", port: 0)
        defer { close(descriptor) }
        let sender = DatagramSender(descriptor: descriptor, maximumAddresses: 16)
        sender.send([Transmit(destination: try Self.destination(of: receiver), bytes: [6, 6])])
        #expect(sender.dropped == 0)
        #expect(try await Self.collect(1, at: receiver) == [[6, 6]])
        try await receiver.close()
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
        #expect(throws: (any Error).self) { _ = try boundSocket(host: "not an address", port: 0) }
    }
}

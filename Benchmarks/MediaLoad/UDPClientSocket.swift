import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A client's UDP socket on 127.0.0.1, connected to the SFU's port and non-blocking. The load
/// threads use plain system calls so that the clients share no event loop with the server.
final class UDPClientSocket {
    let descriptor: Int32

    init(serverPort: UInt16) throws {
        descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { throw LoadError("socket: errno \(errno)") }
        // Bursts to many subscribers outrun one receiving thread; a large buffer keeps them.
        var size: Int32 = 4 << 20
        setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = serverPort.bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(descriptor)
            throw LoadError("connect: errno \(errno)")
        }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
    }

    deinit { close(descriptor) }

    /// Sends one datagram; a full socket buffer drops it, as the network would.
    func send(_ datagram: [UInt8]) {
        _ = datagram.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, 0) }
    }

    /// One datagram's length, read into `buffer`; nil when none is waiting.
    func receive(into buffer: inout [UInt8]) -> Int? {
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        return count > 0 ? count : nil
    }

    /// Whether a datagram arrived within `milliseconds`.
    func wait(milliseconds: Int32) -> Bool {
        var descriptor = pollfd(fd: self.descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, milliseconds) > 0
    }
}

/// Tells the load threads to finish.
final class StopFlag: Sendable {
    private let raised = Atomic<Bool>(false)

    var isRaised: Bool { raised.load(ordering: .relaxed) }

    func raise() { raised.store(true, ordering: .relaxed) }
}

/// A thread that runs `body` once and hands back its result on ``join()``.
final class LoadThread<Result>: @unchecked Sendable {
    private let body: () -> Result
    private var result: Result?
    private let finished = DispatchSemaphore(value: 0)

    init(_ body: @escaping () -> Result) {
        self.body = body
    }

    func start() {
        Thread {
            self.result = self.body()
            self.finished.signal()
        }
        .start()
    }

    /// Waits for the body to return; the semaphore orders the result's write before this read.
    func join() -> Result {
        finished.wait()
        guard let result else { fatalError("the load thread ended without a result") }
        return result
    }
}

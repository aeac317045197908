import CMeetSocket
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Sends a flush's datagrams with as few `sendmmsg` calls as it takes, from one arena the
/// datagrams are copied into, with each destination's socket address converted once. It writes on
/// the media channel's own socket, from that channel's event loop only.
final class DatagramSender {
    /// Datagrams per system call.
    let batch: Int
    /// Bytes the arena holds; a flush larger than this takes more than one call.
    let arenaSize: Int

    private let descriptor: CInt
    private let messages: UnsafeMutablePointer<CMeetSocket_mmsghdr>
    private let vectors: UnsafeMutablePointer<iovec>
    private let names: UnsafeMutablePointer<sockaddr_storage>
    private let arena: UnsafeMutableRawPointer
    private var addresses: [STUNAddress: (sockaddr_storage, socklen_t)] = [:]
    private let maximumAddresses: Int
    /// Datagrams not sent: no usable address, the socket's buffer full, or an error from the kernel.
    private(set) var dropped = 0

    init(descriptor: CInt, maximumAddresses: Int, batch: Int = 256, arenaSize: Int = 256 * 1_500) {
        self.descriptor = descriptor
        self.maximumAddresses = maximumAddresses
        self.batch = max(1, batch)
        self.arenaSize = max(1, arenaSize)
        messages = .allocate(capacity: self.batch)
        vectors = .allocate(capacity: self.batch)
        names = .allocate(capacity: self.batch)
        arena = .allocate(byteCount: self.arenaSize, alignment: 16)
    }

    deinit {
        messages.deallocate()
        vectors.deallocate()
        names.deallocate()
        arena.deallocate()
    }

    func send(_ transmits: [Transmit]) {
        var next = 0
        while next < transmits.count {
            var count = 0
            var used = 0
            while next < transmits.count, count < batch, used + transmits[next].bytes.count <= arenaSize {
                let transmit = transmits[next]
                next += 1
                guard let (name, length) = address(transmit.destination) else {
                    dropped += 1
                    continue
                }
                let slot = arena + used
                transmit.bytes.withUnsafeBytes { slot.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                vectors[count] = iovec(iov_base: slot, iov_len: transmit.bytes.count)
                names[count] = name
                messages[count] = CMeetSocket_mmsghdr(
                    msg_hdr: msghdr(
                        msg_name: UnsafeMutableRawPointer(names + count),
                        msg_namelen: length,
                        msg_iov: vectors + count,
                        msg_iovlen: 1,
                        msg_control: nil,
                        msg_controllen: 0,
                        msg_flags: 0
                    ),
                    msg_len: 0
                )
                used += transmit.bytes.count
                count += 1
            }
            if count == 0, next < transmits.count, transmits[next].bytes.count > arenaSize {
                dropped += 1
                next += 1
                continue
            }
            flush(count)
        }
    }

    private func flush(_ count: Int) {
        var sent = 0
        while sent < count {
            let result = CMeetSocket_sendmmsg(descriptor, messages + sent, UInt32(count - sent), 0)
            if result > 0 {
                sent += Int(result)
                continue
            }
            let error = errno
            if error == EINTR { continue }
            if error == EAGAIN || error == EWOULDBLOCK {
                // The socket's send buffer is full: like a congested link, the rest is lost.
                dropped += count - sent
                return
            }
            // This datagram was refused (no route, too large): skip it, send the rest.
            dropped += 1
            sent += 1
        }
    }

    private func address(_ destination: STUNAddress) -> (sockaddr_storage, socklen_t)? {
        if let known = addresses[destination] { return known }
        guard let converted = try? destination.socketAddress() else { return nil }
        var storage = sockaddr_storage()
        let length = converted.withSockAddr { pointer, size in
            withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: UnsafeRawBufferPointer(start: pointer, count: size)) }
            return socklen_t(size)
        }
        if addresses.count >= maximumAddresses { addresses.removeAll() }
        addresses[destination] = (storage, length)
        return (storage, length)
    }
}

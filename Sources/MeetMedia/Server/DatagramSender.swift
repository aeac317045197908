import CMeetSocket
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Sends a flush's datagrams with as few `sendmmsg` calls as it takes, from one arena the
/// datagrams are copied into, with each destination's socket address converted once. It writes on
/// the media channel's own socket, from that channel's event loop only (decision 0009).
///
/// When the socket's send buffer is full (`EAGAIN`), the rest of the flush goes through the
/// channel's own write path, which queues it and waits until the socket can take more; until that
/// queue has drained, later flushes go the same way, so datagrams never overtake each other. Only
/// when the channel's queue passes its high-water mark are datagrams dropped, as a congested link
/// would drop them.
final class DatagramSender {
    /// One `sendmmsg`: the result (messages sent, or -1) and `errno`. Tests replace it to make the
    /// socket look full, which loopback never does (it frees each datagram as it delivers it).
    typealias SendBatch = @Sendable (CInt, UnsafeMutablePointer<CMeetSocket_mmsghdr>, UInt32) -> (result: Int32, error: Int32)

    static let systemSendBatch: SendBatch = { descriptor, messages, count in
        let result = CMeetSocket_sendmmsg(descriptor, messages, count, 0)
        return (result, result < 0 ? errno : 0)
    }

    /// Datagrams per system call.
    let batch: Int
    /// Bytes the arena holds; a flush larger than this takes more than one call.
    let arenaSize: Int

    private let descriptor: CInt
    /// The channel that owns the socket: the write path while the socket is full.
    private let channel: any Channel
    private let sendBatch: SendBatch
    private let messages: UnsafeMutablePointer<CMeetSocket_mmsghdr>
    private let vectors: UnsafeMutablePointer<iovec>
    private let names: UnsafeMutablePointer<sockaddr_storage>
    /// For each message slot, the index of its datagram in the flush.
    private let origins: UnsafeMutablePointer<Int>
    private let arena: UnsafeMutableRawPointer
    private var addresses: [STUNAddress: (sockaddr_storage, socklen_t)] = [:]
    private let maximumAddresses: Int
    /// Bumped by each write through the channel; the queue has drained when the newest completes.
    private var queuedGeneration = 0
    private var queueDrainedGeneration = 0
    /// Datagrams not sent: no usable address, refused by the kernel, or the channel's queue full.
    private(set) var dropped = 0
    /// Datagrams that went through the channel's queue because the socket was full.
    private(set) var queued = 0

    init(
        descriptor: CInt,
        channel: any Channel,
        maximumAddresses: Int,
        batch: Int = 256,
        arenaSize: Int = 256 * 1_500,
        sendBatch: @escaping SendBatch = DatagramSender.systemSendBatch
    ) {
        self.descriptor = descriptor
        self.channel = channel
        self.maximumAddresses = maximumAddresses
        self.sendBatch = sendBatch
        self.batch = max(1, batch)
        self.arenaSize = max(1, arenaSize)
        messages = .allocate(capacity: self.batch)
        vectors = .allocate(capacity: self.batch)
        names = .allocate(capacity: self.batch)
        origins = .allocate(capacity: self.batch)
        arena = .allocate(byteCount: self.arenaSize, alignment: 16)
    }

    deinit {
        messages.deallocate()
        vectors.deallocate()
        names.deallocate()
        origins.deallocate()
        arena.deallocate()
    }

    /// Whether datagrams written through the channel are still waiting in its queue.
    var isQueueing: Bool { queueDrainedGeneration != queuedGeneration }

    func send(_ transmits: [Transmit]) {
        // The channel closed (NIO closes it on a fatal socket error): its descriptor may already
        // belong to another file, so nothing more is written on it.
        guard channel.isActive else {
            dropped += transmits.count
            return
        }
        #if os(Linux)
        if isQueueing { sendThroughChannel(transmits[...]) } else { sendDirectly(transmits) }
        #else
        // sendmmsg is Linux's: elsewhere every datagram takes the channel's own write path.
        sendThroughChannel(transmits[...])
        #endif
    }

    /// The fast path: batches of `sendmmsg` from the arena.
    private func sendDirectly(_ transmits: [Transmit]) {
        var next = 0
        while next < transmits.count {
            var count = 0
            var used = 0
            // Datagrams of this batch with no usable address: counted once the batch is sent, or by
            // the channel's path if the socket fills up before them.
            var unaddressed: [Int] = []
            while next < transmits.count, count < batch, used + transmits[next].bytes.count <= arenaSize {
                let transmit = transmits[next]
                next += 1
                guard let (name, length) = address(transmit.destination) else {
                    unaddressed.append(next - 1)
                    continue
                }
                let slot = arena + used
                transmit.bytes.withUnsafeBytes { bytes in
                    if let base = bytes.baseAddress { slot.copyMemory(from: base, byteCount: bytes.count) }
                }
                vectors[count] = iovec(iov_base: slot, iov_len: transmit.bytes.count)
                names[count] = name
                origins[count] = next - 1
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
                // Larger than any UDP datagram the SFU makes: refused, not split.
                dropped += unaddressed.count + 1
                next += 1
                continue
            }
            if let blocked = flush(count) {
                let resume = origins[blocked]
                dropped += unaddressed.count { $0 < resume }
                sendThroughChannel(transmits[resume...])
                return
            }
            dropped += unaddressed.count
        }
    }

    /// Sends the first `count` prepared messages; the slot of the first one the full socket did
    /// not take, if any.
    private func flush(_ count: Int) -> Int? {
        var sent = 0
        while sent < count {
            let (result, error) = sendBatch(descriptor, messages + sent, UInt32(count - sent))
            if result > 0 {
                sent += Int(result)
                continue
            }
            if error == EINTR { continue }
            if error == EAGAIN || error == EWOULDBLOCK { return sent }
            // This datagram was refused (no route, wrong family, too large): skip it, send the rest.
            dropped += 1
            sent += 1
        }
        return nil
    }

    /// The channel's own write path: it queues what the socket cannot take yet.
    private func sendThroughChannel(_ transmits: ArraySlice<Transmit>) {
        var wrote = false
        for transmit in transmits {
            guard channel.isWritable else {
                dropped += 1
                continue
            }
            guard let address = try? transmit.destination.socketAddress() else {
                dropped += 1
                continue
            }
            queuedGeneration &+= 1
            let generation = queuedGeneration
            let promise = channel.eventLoop.makePromise(of: Void.self)
            let sender = NIOLoopBound(self, eventLoop: channel.eventLoop)
            promise.futureResult.whenComplete { _ in
                // Writes complete in order: when the newest is done, the queue is empty.
                guard sender.value.queuedGeneration == generation else { return }
                sender.value.queueDrainedGeneration = generation
            }
            channel.write(AddressedEnvelope(remoteAddress: address, data: channel.allocator.buffer(bytes: transmit.bytes)), promise: promise)
            queued += 1
            wrote = true
        }
        if wrote { channel.flush() }
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

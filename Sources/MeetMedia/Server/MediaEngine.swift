import NIOCore

/// The SFU and its I/O state, confined to the media channel's event loop: it feeds the SFU what
/// the channel read, sends what the SFU queued through the ``DatagramSender``, passes events on and
/// keeps one timer armed for the SFU's next timeout.
final class MediaEngine {
    let continuation: AsyncStream<SFUEvent>.Continuation
    var sfu: SFU?
    var channel: (any Channel)?
    var timer: Scheduled<Void>?
    var timerDeadline: ContinuousClock.Instant?
    var transmits: [Transmit] = []
    var events: [SFUEvent] = []
    /// Writes on the channel's socket; nil once stopped, before the channel closes the descriptor.
    var sender: DatagramSender?
    /// Datagrams the driver could not hand to the SFU or send.
    var unreadable = 0
    var unsendable = 0

    init(continuation: AsyncStream<SFUEvent>.Continuation) {
        self.continuation = continuation
    }

    func start(sfu: SFU, channel: any Channel, descriptor: CInt) {
        self.sfu = sfu
        self.channel = channel
        sender = DatagramSender(descriptor: descriptor, channel: channel, maximumAddresses: 4 * sfu.configuration.maximumPeers)
    }

    func stop() {
        timer?.cancel()
        timer = nil
        sfu = nil
        sender = nil
        continuation.finish()
    }

    func run<Result>(_ body: (SFU, ContinuousClock.Instant) throws -> Result) throws -> Result {
        guard let sfu else { throw MediaError(.notReceived, "the media server is stopped") }
        defer { flush() }
        return try body(sfu, .now)
    }

    /// One datagram from the channel.
    func receive(_ envelope: AddressedEnvelope<ByteBuffer>) {
        guard let sfu, let source = STUNAddress(envelope.remoteAddress) else {
            unreadable += 1
            return
        }
        var buffer = envelope.data
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        sfu.handle(datagram: bytes, from: source, now: .now)
    }

    /// Writes what the SFU queued, flushing once, passes its events on and re-arms the timer.
    func flush() {
        guard let sfu, let sender else { return }
        sfu.drainTransmits(into: &transmits)
        if !transmits.isEmpty {
            sender.send(transmits)
            transmits.removeAll(keepingCapacity: true)
        }
        sfu.drainEvents(into: &events)
        for event in events { continuation.yield(event) }
        events.removeAll(keepingCapacity: true)
        armTimer()
    }

    func armTimer() {
        guard let sfu, let channel, let due = sfu.nextTimeout() else { return }
        if let timerDeadline, timerDeadline <= due, timer != nil { return }
        timer?.cancel()
        timerDeadline = due
        let delay = max(.zero, due - .now)
        let nanoseconds = delay.components.seconds * 1_000_000_000 + delay.components.attoseconds / 1_000_000_000
        let loopBound = NIOLoopBound(self, eventLoop: channel.eventLoop)
        timer = channel.eventLoop.scheduleTask(in: .nanoseconds(nanoseconds + 1_000_000)) {
            loopBound.value.fire()
        }
    }

    func fire() {
        timer = nil
        timerDeadline = nil
        sfu?.handleTimeout(now: .now)
        flush()
    }

    var metrics: SFUMetrics {
        var metrics = sfu?.metrics ?? SFUMetrics()
        metrics.droppedUnknownSource += unreadable
        metrics.datagramsUnsent += (sender?.dropped ?? 0) + unsendable
        metrics.datagramsQueued += sender?.queued ?? 0
        return metrics
    }
}

/// Hands the channel's datagrams to the ``MediaEngine``; one flush per read batch.
final class MediaChannelHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    let engine: MediaEngine

    init(engine: MediaEngine) {
        self.engine = engine
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        engine.receive(unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        engine.flush()
    }

    /// Socket errors surface here; a UDP server carries on.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        engine.unsendable += 1
    }
}

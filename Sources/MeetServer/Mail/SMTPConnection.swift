import NIOCore
import NIOPosix
import NIOSSL

/// One connection to an SMTP server, driven by one dialogue: send a line, await its reply.
/// There is no pipelining, so any reply the client did not ask for is an error.
struct SMTPConnection: Sendable {
    let channel: any Channel
    /// Kept here rather than looked up in the pipeline, which is empty once the channel has closed,
    /// so the reason it closed (a TLS alert, a timeout) is still there to report.
    let replies: NIOLoopBound<SMTPReplyHandler>
    /// "host:port", for error messages.
    let server: String
    let timeout: TimeAmount

    /// Connects, wrapping the connection in TLS at once when `implicitTLS` is given (port 465).
    static func connect(
        host: String,
        port: Int,
        timeout: TimeAmount,
        implicitTLS: (context: NIOSSLContext, serverHostname: String?)?,
        eventLoopGroup: any EventLoopGroup
    ) async throws -> SMTPConnection {
        let server = "\(host):\(port)"
        let bootstrap = ClientBootstrap(group: eventLoopGroup)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let implicitTLS {
                        let tls = try NIOSSLClientHandler(context: implicitTLS.context, serverHostname: implicitTLS.serverHostname)
                        try channel.pipeline.syncOperations.addHandler(tls)
                    }
                    try channel.pipeline.syncOperations.addHandler(SMTPReplyHandler(server: server))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: host, port: port).get()
        } catch {
            throw MailError(.connectionFailed, "cannot connect to the SMTP server \(server): \(error)")
        }
        let replies: NIOLoopBound<SMTPReplyHandler>
        do {
            replies = try await channel.eventLoop.submit {
                NIOLoopBound(try channel.pipeline.syncOperations.handler(type: SMTPReplyHandler.self), eventLoop: channel.eventLoop)
            }.get()
        } catch {
            // The pipeline is already empty: the server closed the connection as soon as it opened.
            throw MailError(.connectionFailed, "the SMTP server \(server) closed the connection at once")
        }
        return SMTPConnection(channel: channel, replies: replies, server: server, timeout: timeout)
    }

    /// Waits for a reply without sending anything: the server's greeting.
    func reply(to what: String) async throws -> SMTPReply {
        let (replies, timeout) = (replies, timeout)
        return try await channel.eventLoop.flatSubmit {
            replies.value.nextReply(to: what, timeout: timeout)
        }.get()
    }

    /// Sends one command line (CRLF is added) and waits for its reply; `name` stands for the line in errors,
    /// so arguments such as credentials never reach a message.
    func command(_ line: String, name: String) async throws -> SMTPReply {
        try await send(Array(line.utf8) + [13, 10], name: name)
    }

    /// Sends raw bytes (the dot-stuffed message) and waits for the reply.
    func send(_ bytes: [UInt8], name: String) async throws -> SMTPReply {
        let (channel, replies, timeout) = (channel, replies, timeout)
        return try await channel.eventLoop.flatSubmit {
            do {
                let handler = replies.value
                try handler.requireQuiet(before: name)
                channel.writeAndFlush(channel.allocator.buffer(bytes: bytes), promise: nil)
                return handler.nextReply(to: name, timeout: timeout)
            } catch {
                return channel.eventLoop.makeFailedFuture(error)
            }
        }.get()
    }

    /// Puts TLS under the rest of the conversation after the server's 220 to STARTTLS (RFC 3207 §4).
    /// Anything the server sent after that 220 arrived in the clear and could be an attacker's; it is refused.
    func startTLS(context: NIOSSLContext, serverHostname: String?) async throws {
        let (channel, replies) = (channel, replies)
        try await channel.eventLoop.submit {
            try replies.value.requireQuiet(before: "the TLS handshake")
            let tls = try NIOSSLClientHandler(context: context, serverHostname: serverHostname)
            try channel.pipeline.syncOperations.addHandler(tls, position: .first)
        }.get()
    }

    func close() async {
        try? await channel.close()
    }
}

/// Collects replies from the byte stream and hands them out one per request; lives on the channel's event loop.
final class SMTPReplyHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let server: String
    private var parser: SMTPReplyParser
    /// Set while the handler is in the pipeline; after the channel closes, requests are answered from `failure`.
    private var context: ChannelHandlerContext?
    private var eventLoop: (any EventLoop)?
    private var received: [SMTPReply] = []
    private var waiting: (promise: EventLoopPromise<SMTPReply>, timeout: Scheduled<Void>)?
    /// The first thing that went wrong; every later request fails with it.
    private var failure: MailError?

    init(server: String) {
        self.server = server
        parser = SMTPReplyParser(server: server)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        eventLoop = context.eventLoop
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        fail(MailError(.connectionFailed, "the connection to the SMTP server \(server) was closed"))
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        parser.append(buffer.readableBytesView)
        do {
            while let reply = try parser.nextReply() { received.append(reply) }
        } catch {
            fail(error as? MailError ?? MailError(.protocolViolation, "\(error)"))
            context.close(promise: nil)
            return
        }
        if let waiting, !received.isEmpty {
            self.waiting = nil
            waiting.timeout.cancel()
            waiting.promise.succeed(received.removeFirst())
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(MailError(.connectionFailed, "the SMTP server \(server) closed the connection"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let tlsError = error is NIOSSLError || error is NIOSSLExtraError || error is BoringSSLError
        fail(
            tlsError
                ? MailError(.tlsFailed, "TLS with the SMTP server \(server) failed: \(error)")
                : MailError(.connectionFailed, "the connection to the SMTP server \(server) failed: \(error)")
        )
        context.close(promise: nil)
    }

    /// The next reply; fails after `timeout`, naming `what` the client was waiting for.
    func nextReply(to what: String, timeout: TimeAmount) -> EventLoopFuture<SMTPReply> {
        guard let eventLoop else { preconditionFailure("SMTPReplyHandler used before it was added to a pipeline") }
        if !received.isEmpty { return eventLoop.makeSucceededFuture(received.removeFirst()) }
        if let failure { return eventLoop.makeFailedFuture(failure) }
        let promise = eventLoop.makePromise(of: SMTPReply.self)
        let scheduled = eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            self.fail(MailError(.timeout, "the SMTP server \(self.server) did not answer \(what) within \(Duration(timeout))"))
            self.context?.close(promise: nil)
        }
        waiting = (promise, scheduled)
        return promise.futureResult
    }

    /// Without pipelining the server speaks only when asked; a reply nobody asked for (or part of one) is refused.
    func requireQuiet(before what: String) throws {
        if let failure { throw failure }
        guard received.isEmpty, !parser.hasPendingBytes else {
            let error = MailError(.protocolViolation, "the SMTP server \(server) sent data nobody asked for before \(what); refusing to go on")
            fail(error)
            context?.close(promise: nil)
            throw error
        }
    }

    private func fail(_ error: MailError) {
        if failure == nil { failure = error }
        if let waiting {
            self.waiting = nil
            waiting.timeout.cancel()
            waiting.promise.fail(failure ?? error)
        }
    }
}

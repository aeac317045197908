import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// Sends through an SMTP relay (RFC 5321) with STARTTLS (RFC 3207) required by default, or implicit TLS (port 465),
/// and AUTH PLAIN / LOGIN (RFC 4954) when credentials are configured. One connection per message.
public struct SMTPMailTransport: MailTransport {
    public let settings: Settings
    let eventLoopGroup: any EventLoopGroup

    public init(settings: Settings, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.settings = settings
        self.eventLoopGroup = eventLoopGroup
    }

    public func send(_ message: MailMessage) async throws {
        try settings.validate()
        let sender = try Mailbox(parsing: settings.from, field: "sender address")
        // Refuse a bad message before opening a connection.
        _ = try message.rendered(from: sender, date: Date(), id: UUID(), allowEightBit: true)
        let tls = settings.security == .none ? nil : try settings.makeTLSContext()
        let connection = try await SMTPConnection.connect(
            host: settings.host,
            port: settings.port,
            timeout: TimeAmount(settings.timeout),
            implicitTLS: settings.security == .implicitTLS ? tls.map { ($0, settings.serverHostname) } : nil,
            eventLoopGroup: eventLoopGroup
        )
        do {
            try await SMTPDialogue(connection: connection, settings: settings, tls: tls).deliver(message, from: sender)
        } catch {
            await connection.close()
            throw error
        }
        await connection.close()
    }
}

/// The client side of one mail transaction, from the greeting to QUIT.
struct SMTPDialogue {
    let connection: SMTPConnection
    let settings: SMTPMailTransport.Settings
    let tls: NIOSSLContext?

    var server: String { connection.server }

    func deliver(_ message: MailMessage, from sender: Mailbox) async throws {
        do {
            try await transaction(message, from: sender)
        } catch {
            // Say goodbye even after a refusal; when the connection is gone this returns at once.
            await quit()
            throw error
        }
        await quit()
    }

    private func transaction(_ message: MailMessage, from sender: Mailbox) async throws {
        let greeting = try await connection.reply(to: "the greeting")
        guard greeting.code == 220 else {
            throw MailError(
                .rejected,
                "the SMTP server \(server) refused the connection: \(greeting.code) \(greeting.text)",
                replyCode: greeting.code
            )
        }
        var extensions = try await hello()
        if settings.security == .startTLS {
            guard extensions["STARTTLS"] != nil else {
                throw MailError(
                    .startTLSNotOffered,
                    "the SMTP server \(server) does not offer STARTTLS, and TLS is required; nothing was sent "
                        + "(use mail.smtp.security=tls for port 465, or ask the relay's operator to enable STARTTLS)"
                )
            }
            try expect(220, try await connection.command("STARTTLS", name: "STARTTLS"), after: "STARTTLS")
            guard let tls else { preconditionFailure("STARTTLS without a TLS context") }
            try await connection.startTLS(context: tls, serverHostname: settings.serverHostname)
            // RFC 3207 §4.2: forget what was learnt in the clear and ask again.
            extensions = try await hello()
        }
        if let username = settings.username, let password = settings.password {
            try await authenticate(username: username, password: password, mechanisms: extensions["AUTH"] ?? [])
        }
        let mail = try message.rendered(from: sender, date: Date(), id: UUID(), allowEightBit: extensions["8BITMIME"] != nil)
        var parameters = mail.bodyEncoding == .eightBit ? " BODY=8BITMIME" : ""
        if !(sender.address + message.to).allSatisfy(\.isASCII) {
            guard extensions["SMTPUTF8"] != nil else {
                throw MailError(.unsupported, "the SMTP server \(server) does not offer SMTPUTF8, which a non-ASCII address needs")
            }
            parameters += " SMTPUTF8"
        }
        try expect(250, try await connection.command("MAIL FROM:<\(sender.address)>\(parameters)", name: "MAIL FROM"), after: "MAIL FROM")
        try expect([250, 251], try await connection.command("RCPT TO:<\(message.to)>", name: "RCPT TO"), after: "RCPT TO")
        try expect(354, try await connection.command("DATA", name: "DATA"), after: "DATA")
        try expect(250, try await connection.send(SMTPData.dotStuffed(mail.bytes), name: "the end of the message"), after: "the message")
    }

    /// EHLO, returning the extensions the server offers: keyword → parameters, keywords upper-cased.
    private func hello() async throws -> [String: [String]] {
        let reply = try await connection.command("EHLO \(settings.heloArgument)", name: "EHLO")
        try expect(250, reply, after: "EHLO")
        var extensions: [String: [String]] = [:]
        for line in reply.lines.dropFirst() {
            // Some servers still write the pre-standard "AUTH=PLAIN LOGIN".
            let words = line.split(whereSeparator: { $0 == " " || $0 == "=" }).map(String.init)
            guard let keyword = words.first?.uppercased() else { continue }
            extensions[keyword, default: []] += words.dropFirst().map { $0.uppercased() }
        }
        return extensions
    }

    /// AUTH PLAIN with an initial response, or AUTH LOGIN when that is all the server offers.
    private func authenticate(username: String, password: String, mechanisms: [String]) async throws {
        let reply: SMTPReply
        let mechanism: String
        if mechanisms.contains("PLAIN") {
            mechanism = "AUTH PLAIN"
            reply = try await connection.command("AUTH PLAIN \(base64("\0\(username)\0\(password)"))", name: mechanism)
        } else if mechanisms.contains("LOGIN") {
            mechanism = "AUTH LOGIN"
            var step = try await connection.command("AUTH LOGIN", name: mechanism)
            if step.code == 334 { step = try await connection.command(base64(username), name: "the AUTH LOGIN user name") }
            if step.code == 334 { step = try await connection.command(base64(password), name: "the AUTH LOGIN password") }
            reply = step
        } else {
            let offered = mechanisms.isEmpty ? "no AUTH mechanism" : "only AUTH \(mechanisms.joined(separator: " "))"
            throw MailError(
                .authenticationUnavailable,
                "the SMTP server \(server) offers \(offered), but credentials are configured and DigitalMeet speaks AUTH PLAIN and LOGIN"
            )
        }
        guard reply.code == 235 else {
            // A challenge we did not expect: cancel the exchange (RFC 4954 §4) so QUIT is read as a command.
            if reply.code == 334 { _ = try? await connection.command("*", name: "the AUTH cancellation") }
            throw MailError(
                .authenticationFailed,
                "the SMTP server \(server) refused \(mechanism) for user \"\(username)\": \(reply.code) \(reply.text)",
                replyCode: reply.code
            )
        }
    }

    private func expect(_ code: Int, _ reply: SMTPReply, after what: String) throws {
        try expect([code], reply, after: what)
    }

    private func expect(_ codes: Set<Int>, _ reply: SMTPReply, after what: String) throws {
        guard codes.contains(reply.code) else {
            throw MailError(.rejected, "the SMTP server \(server) answered \(what) with \(reply.code) \(reply.text)", replyCode: reply.code)
        }
    }

    /// Ends the session politely; the message, if any, is already accepted, so a failure here changes nothing.
    private func quit() async {
        _ = try? await connection.command("QUIT", name: "QUIT")
    }

    private func base64(_ text: String) -> String {
        Data(text.utf8).base64EncodedString()
    }
}

/// The DATA section (RFC 5321 §4.5.2): a line starting with "." gets another, and "." alone ends the message.
enum SMTPData {
    static func dotStuffed(_ message: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(message.count + 16)
        var atLineStart = true
        for byte in message {
            if atLineStart && byte == UInt8(ascii: ".") { output.append(byte) }
            output.append(byte)
            atLineStart = byte == UInt8(ascii: "\n")
        }
        if !atLineStart { output += [13, 10] }
        output += Array(".\r\n".utf8)
        return output
    }
}

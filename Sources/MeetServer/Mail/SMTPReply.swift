/// One reply from an SMTP server: a three-digit code and its text lines (RFC 5321 §4.2).
struct SMTPReply: Sendable, Equatable {
    var code: Int
    var lines: [String]

    /// The text for an error message: lines joined, control characters dropped, length bounded.
    var text: String {
        let joined = lines.joined(separator: " ")
        let printable = String(String.UnicodeScalarView(joined.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }))
        return printable.count > 300 ? String(printable.prefix(300)) + "…" : printable
    }
}

/// Turns the bytes a server sends into replies, joining `250-…` continuation lines up to the final `250 …`.
/// It does no I/O, so it can be fed any split of the stream.
struct SMTPReplyParser {
    /// RFC 5321 §4.5.3.1.5 allows 512 octets a reply line; leave room for servers that exceed it, but not without bound.
    static let maximumLineLength = 2048
    static let maximumLines = 200

    /// Names the server in errors, such as "smtp.example.com:587".
    let server: String
    private var buffer: [UInt8] = []
    private var code: Int?
    private var lines: [String] = []

    init(server: String) {
        self.server = server
    }

    /// Bytes received but not yet part of a complete reply.
    var hasPendingBytes: Bool { !buffer.isEmpty || code != nil }

    mutating func append(_ bytes: some Sequence<UInt8>) {
        buffer.append(contentsOf: bytes)
    }

    /// The next complete reply, or nil when more bytes are needed.
    mutating func nextReply() throws -> SMTPReply? {
        while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
            var line = buffer[..<newline]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            guard line.count <= Self.maximumLineLength else { throw violation("a reply line longer than \(Self.maximumLineLength) bytes") }
            let parsed = try parse(Array(line))
            buffer.removeSubrange(...newline)
            if let code, code != parsed.code {
                throw violation("a multi-line reply whose lines carry different codes (\(code) and \(parsed.code))")
            }
            code = parsed.code
            lines.append(parsed.text)
            guard lines.count <= Self.maximumLines else { throw violation("a reply of more than \(Self.maximumLines) lines") }
            if parsed.isLast {
                let reply = SMTPReply(code: parsed.code, lines: lines)
                code = nil
                lines = []
                return reply
            }
        }
        guard buffer.count <= Self.maximumLineLength else { throw violation("a reply line longer than \(Self.maximumLineLength) bytes") }
        return nil
    }

    /// `Reply-code [ SP textstring ]` ends a reply; `Reply-code "-" textstring` continues it.
    private func parse(_ line: [UInt8]) throws -> (code: Int, isLast: Bool, text: String) {
        guard line.count >= 3, (UInt8(ascii: "2")...UInt8(ascii: "5")).contains(line[0]),
            line[1...2].allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else {
            throw violation(
                "a reply line that does not start with a reply code: \"\(SMTPReply(code: 0, lines: [String(decoding: line.prefix(40), as: UTF8.self)]).text)\""
            )
        }
        let code = Int(line[0] - 48) * 100 + Int(line[1] - 48) * 10 + Int(line[2] - 48)
        guard line.count > 3 else { return (code, true, "") }
        guard line[3] == UInt8(ascii: " ") || line[3] == UInt8(ascii: "-") else {
            throw violation("a reply line with \"\(Character(Unicode.Scalar(line[3])))\" after its code")
        }
        return (code, line[3] == UInt8(ascii: " "), String(decoding: line[4...], as: UTF8.self))
    }

    private func violation(_ what: String) -> MailError {
        MailError(.protocolViolation, "the SMTP server \(server) sent \(what)")
    }
}

import Foundation

/// A mailbox as written in `From:`: an optional display name and an address (RFC 5322 §3.4),
/// parsed from `Name <address>` or a bare `address`.
struct Mailbox: Sendable, Equatable {
    var displayName: String?
    var address: String

    /// The part after the `@`, used for `Message-ID`.
    var domain: Substring { address[address.index(after: address.lastIndex(of: "@")!)...] }

    init(displayName: String?, address: String) {
        self.displayName = displayName
        self.address = address
    }

    init(parsing text: String, field: String) throws {
        try Self.refuseLineBreaks(text, field: field)
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasSuffix(">"), let open = trimmed.lastIndex(of: "<") {
            address = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
            var name = trimmed[..<open].trimmingCharacters(in: .whitespaces)
            if name.count >= 2, name.hasPrefix("\""), name.hasSuffix("\"") {
                name = String(name.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"")
                    .replacingOccurrences(of: "\\\\", with: "\\")
            }
            displayName = name.isEmpty ? nil : name
        } else {
            address = trimmed
            displayName = nil
        }
        try Self.checkAddress(address, field: field)
    }

    /// A line break in a header value would end the header and let the rest be read as new headers.
    static func refuseLineBreaks(_ value: String, field: String) throws {
        if value.unicodeScalars.contains(where: { Self.lineBreaks.contains($0) }) {
            throw MailError(.headerInjection, "the \(field) contains a line break (CR or LF); refusing it, as it would inject header lines")
        }
    }

    /// Checks what the header and the SMTP command need; the full address syntax is the caller's business.
    static func checkAddress(_ address: String, field: String) throws {
        try refuseLineBreaks(address, field: field)
        let at = address.filter { $0 == "@" }.count
        guard at == 1, !address.hasPrefix("@"), !address.hasSuffix("@") else {
            throw MailError(.invalidAddress, "the \(field) \"\(address)\" is not one address of the form name@domain")
        }
        guard address.utf8.count <= 254 else {
            throw MailError(.invalidAddress, "the \(field) is longer than 254 bytes")
        }
        if let bad = address.unicodeScalars.first(where: {
            $0.value < 0x20 || $0.value == 0x7F || $0.properties.isWhitespace || "<>(),;\\\"".unicodeScalars.contains($0)
        }) {
            throw MailError(.invalidAddress, "the \(field) \"\(address)\" contains \(bad.escaped(asASCII: true)), which an address here cannot hold")
        }
    }

    private static let lineBreaks: Set<Unicode.Scalar> = ["\n", "\r", "\u{0B}", "\u{0C}", "\u{85}", "\u{2028}", "\u{2029}"]
}

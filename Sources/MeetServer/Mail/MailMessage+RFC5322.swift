import Foundation

/// How the body is written (RFC 2045 §6): as it is when it can be, quoted-printable otherwise.
enum BodyEncoding: String, Sendable {
    case sevenBit = "7bit"
    case eightBit = "8bit"
    case quotedPrintable = "quoted-printable"
}

/// A message as it goes into a file or SMTP DATA (before dot-stuffing): headers, a blank line and the body, every line ending in CRLF.
struct RenderedMail: Sendable {
    var bytes: [UInt8]
    var bodyEncoding: BodyEncoding
}

extension MailMessage {
    /// Renders the message (RFC 5322, MIME RFC 2045–2047). `allowEightBit` lets a non-ASCII body go
    /// unencoded, for files and for SMTP servers that offer 8BITMIME; otherwise it is quoted-printable.
    func rendered(from sender: Mailbox, date: Date, id: UUID, allowEightBit: Bool) throws -> RenderedMail {
        try Mailbox.checkAddress(to, field: "recipient address")
        try Mailbox.refuseLineBreaks(subject, field: "subject")
        let lines = Self.bodyLines(text)
        let encoding = Self.bodyEncoding(for: lines, allowEightBit: allowEightBit)
        let headers = [
            "Date: \(MailDate.rfc5322(date))",
            "From: \(Self.header(sender, nameLength: 6))",
            "To: \(to)",
            "Subject: \(Self.unstructured(subject, nameLength: 9))",
            "Message-ID: <\(id.uuidString.lowercased())@\(sender.domain)>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: \(encoding.rawValue)",
            // RFC 3834: tells auto-responders not to answer account mail.
            "Auto-Submitted: auto-generated",
        ]
        var bytes: [UInt8] = []
        for header in headers { bytes += Array(header.utf8) + crlf }
        bytes += crlf
        for line in lines {
            switch encoding {
            case .sevenBit, .eightBit: bytes += line + crlf
            case .quotedPrintable: bytes += QuotedPrintable.encode(line: line) + crlf
            }
        }
        return RenderedMail(bytes: bytes, bodyEncoding: encoding)
    }

    /// The body's lines without their endings; "\r\n", "\r" and "\n" all end a line.
    static func bodyLines(_ text: String) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        var current: [UInt8] = []
        var previousWasCR = false
        for byte in text.utf8 {
            if byte == UInt8(ascii: "\n") && previousWasCR {
                previousWasCR = false
                continue
            }
            previousWasCR = byte == UInt8(ascii: "\r")
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                lines.append(current)
                current = []
            } else {
                current.append(byte)
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }

    static func bodyEncoding(for lines: [[UInt8]], allowEightBit: Bool) -> BodyEncoding {
        // RFC 5322 §2.1.1: at most 998 octets a line; RFC 2045 §2.7: no NUL in 7bit or 8bit data.
        if lines.contains(where: { $0.count > 998 || $0.contains(0) }) { return .quotedPrintable }
        if lines.contains(where: { $0.contains(where: { $0 >= 0x80 }) }) { return allowEightBit ? .eightBit : .quotedPrintable }
        return .sevenBit
    }

    /// The `From:` value: the display name as atoms, a quoted string or encoded-words, then `<address>`.
    static func header(_ mailbox: Mailbox, nameLength: Int) -> String {
        guard let name = mailbox.displayName else { return mailbox.address }
        let printable = name.unicodeScalars.allSatisfy { (0x20...0x7E).contains($0.value) }
        if printable && !name.contains("=?") {
            if name.unicodeScalars.allSatisfy({ $0 == " " || atext.contains($0) }) { return "\(name) <\(mailbox.address)>" }
            let quoted = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "\"\(quoted)\" <\(mailbox.address)>"
        }
        return "\(EncodedWord.encode(name, firstLineUsed: nameLength)) <\(mailbox.address)>"
    }

    /// An unstructured header value (`Subject:`): as it is when it is short printable ASCII, else RFC 2047 encoded-words.
    static func unstructured(_ value: String, nameLength: Int) -> String {
        let printable = value.unicodeScalars.allSatisfy { (0x20...0x7E).contains($0.value) }
        if printable && !value.contains("=?") && nameLength + value.utf8.count <= 78 { return value }
        return EncodedWord.encode(value, firstLineUsed: nameLength)
    }

    private static let atext = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-/=?^_`{|}~".unicodeScalars)
}

private let crlf: [UInt8] = [13, 10]

/// RFC 2047 `B` encoded-words, each at most 75 characters, folded so no line passes 76 characters.
enum EncodedWord {
    static func encode(_ text: String, firstLineUsed: Int) -> String {
        var words: [String] = []
        var chunk: [UInt8] = []
        var budget = maxBytes(lineSpace: 76 - firstLineUsed)
        for scalar in text.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if chunk.count + bytes.count > budget, !chunk.isEmpty {
                words.append(word(chunk))
                chunk = []
                budget = maxBytes(lineSpace: 75)
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { words.append(word(chunk)) }
        return words.joined(separator: "\r\n ")
    }

    /// Bytes whose base64 fits `lineSpace` characters with the 12 characters of `=?utf-8?B?` and `?=`.
    private static func maxBytes(lineSpace: Int) -> Int {
        max(4, (lineSpace - 12) / 4 * 3)
    }

    private static func word(_ bytes: [UInt8]) -> String {
        "=?utf-8?B?\(Data(bytes).base64EncodedString())?="
    }
}

/// RFC 2045 §6.7 quoted-printable, one body line at a time; lines stay within 76 characters with soft breaks.
enum QuotedPrintable {
    static func encode(line: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        var lineLength = 0
        for (index, byte) in line.enumerated() {
            let isLast = index == line.count - 1
            let literal = (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "=")) || ((byte == 32 || byte == 9) && !isLast)
            let token: [UInt8] = literal ? [byte] : Array("=\(hex[Int(byte >> 4)])\(hex[Int(byte & 0x0F)])".utf8)
            // A soft break ("=" CRLF) keeps the line, "=" included, within 76 characters.
            if lineLength + token.count > (isLast ? 76 : 75) {
                output += [UInt8(ascii: "=")] + crlf
                lineLength = 0
            }
            output += token
            lineLength += token.count
        }
        return output
    }

    private static let hex = Array("0123456789ABCDEF")
}

/// Dates as mail needs them, always in UTC.
enum MailDate {
    /// RFC 5322 §3.3: `Tue, 01 Jul 2025 09:05:03 +0000`.
    static func rfc5322(_ date: Date) -> String {
        let parts = components(date)
        let weekday = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][(parts.weekday ?? 1) - 1]
        let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][(parts.month ?? 1) - 1]
        return "\(weekday), \(two(parts.day)) \(month) \(parts.year ?? 1970) \(two(parts.hour)):\(two(parts.minute)):\(two(parts.second)) +0000"
    }

    /// `yyyyMMdd'T'HHmmss.SSS`, for file names that sort by time.
    static func fileStamp(_ date: Date) -> String {
        let milliseconds = Int((date.timeIntervalSince1970 * 1000).rounded(.down))
        let parts = components(date)
        let fraction = String(((milliseconds % 1000) + 1000) % 1000).leftPadded(to: 3)
        return "\(parts.year ?? 1970)\(two(parts.month))\(two(parts.day))T\(two(parts.hour))\(two(parts.minute))\(two(parts.second)).\(fraction)"
    }

    private static func components(_ date: Date) -> DateComponents {
        let whole = Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
        return utcCalendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: whole)
    }

    private static func two(_ value: Int?) -> String {
        String(value ?? 0).leftPadded(to: 2)
    }

    private static let utcCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0) ?? .current
        return calendar
    }()
}

extension String {
    fileprivate func leftPadded(to length: Int) -> String {
        String(repeating: "0", count: max(0, length - count)) + self
    }
}

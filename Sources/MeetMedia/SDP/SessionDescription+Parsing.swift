extension SessionDescription {
    /// Parses a description as a browser's signaling delivers it. Lines may end in CRLF or LF.
    public init(parsing text: String) throws(SDPError) {
        // Checked before copying, so an oversized input costs nothing more.
        guard text.utf8.count <= Limits.maximumBytes else {
            throw SDPError(code: .tooLarge, reason: "description of \(text.utf8.count) bytes is over \(Limits.maximumBytes)")
        }
        try self.init(parsing: Array(text.utf8))
    }

    /// Parses raw bytes, which must be UTF-8.
    public init(parsing bytes: [UInt8]) throws(SDPError) {
        guard bytes.count <= Limits.maximumBytes else {
            throw SDPError(code: .tooLarge, reason: "description of \(bytes.count) bytes is over \(Limits.maximumBytes)")
        }
        var parser = Parser()
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            lineNumber += 1
            let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n"))
            var end = newline ?? bytes.count
            if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            try parser.consume(bytes[start..<end], line: lineNumber)
            start = (newline ?? bytes.count) + 1
        }
        self = try parser.finish(lines: lineNumber)
    }

    /// Reads lines in order, tracking which section they belong to.
    private struct Parser {
        var sawVersion = false
        var origin: SDPOrigin?
        var sessionName: String?
        var session = SessionDescription(origin: SDPOrigin(sessionID: "0", sessionVersion: 0), timing: [])
        var linesInSection = 0

        mutating func consume(_ bytes: ArraySlice<UInt8>, line: Int) throws(SDPError) {
            guard bytes.count <= Limits.maximumLineBytes else {
                throw SDPError(code: .lineTooLong, line: line, reason: "line of \(bytes.count) bytes is over \(Limits.maximumLineBytes)")
            }
            guard bytes.count >= 2, bytes[bytes.startIndex + 1] == UInt8(ascii: "=") else {
                throw SDPError(code: .malformedLine, line: line, reason: bytes.isEmpty ? "empty line" : "not '<type>=<value>'")
            }
            // RFC 8866 §5: text is UTF-8 without NUL, CR or LF; other controls have no place either.
            guard !bytes.contains(where: { $0 < 0x20 || $0 == 0x7F }), let text = String(validating: bytes, as: UTF8.self) else {
                throw SDPError(code: .invalidText, line: line, reason: "not UTF-8 text without control characters")
            }
            let type = bytes[bytes.startIndex]
            let value = text.dropFirst(2)
            linesInSection += 1
            guard linesInSection <= Limits.maximumLinesPerSection else {
                throw SDPError(code: .tooManyLines, line: line, reason: "section has over \(Limits.maximumLinesPerSection) lines")
            }
            guard sawVersion || type == UInt8(ascii: "v") else {
                throw SDPError(code: .missingLine, line: line, reason: "the first line must be v=")
            }
            switch type {
            case UInt8(ascii: "v"):
                guard line == 1 else { throw SDPError(code: .misplacedLine, line: line, reason: "v= may only be the first line") }
                guard value == "0" else { throw SDPError(code: .unsupportedVersion, line: line, reason: "version \(value) is not 0") }
                sawVersion = true
            case UInt8(ascii: "o"):
                guard line == 2 else { throw SDPError(code: .misplacedLine, line: line, reason: "o= must be the second line") }
                origin = try Self.parseOrigin(value, line: line)
            case UInt8(ascii: "s"):
                guard line == 3 else { throw SDPError(code: .misplacedLine, line: line, reason: "s= must be the third line") }
                guard !value.isEmpty else { throw SDPError(code: .malformedValue, line: line, reason: "s= must not be empty") }
                sessionName = String(value)
            case UInt8(ascii: "m"):
                guard session.media.count < Limits.maximumMediaSections else {
                    throw SDPError(code: .tooManyMediaSections, line: line, reason: "over \(Limits.maximumMediaSections) media sections")
                }
                guard origin != nil, sessionName != nil, !session.timing.isEmpty else {
                    throw SDPError(code: .missingLine, line: line, reason: "o=, s= and t= must come before the first m=")
                }
                session.media.append(try Self.parseMedia(value, line: line))
                linesInSection = 1
            case UInt8(ascii: "a"):
                let attribute = try SDPAttribute(sdpLine: value, line: line)
                if session.media.isEmpty {
                    session.attributes.append(attribute)
                } else {
                    session.media[session.media.count - 1].attributes.append(attribute)
                }
            case UInt8(ascii: "c"):
                let connection = try Self.parseConnection(value, line: line)
                if session.media.isEmpty {
                    guard session.connection == nil else { throw SDPError(code: .misplacedLine, line: line, reason: "a second c= line") }
                    session.connection = connection
                } else {
                    guard session.media[session.media.count - 1].connection == nil else {
                        throw SDPError(code: .misplacedLine, line: line, reason: "a second c= line in a media section")
                    }
                    session.media[session.media.count - 1].connection = connection
                }
            case UInt8(ascii: "b"):
                let bandwidth = try Self.parseBandwidth(value, line: line)
                if session.media.isEmpty {
                    session.bandwidths.append(bandwidth)
                } else {
                    session.media[session.media.count - 1].bandwidths.append(bandwidth)
                }
            case UInt8(ascii: "t"):
                guard session.media.isEmpty else { throw SDPError(code: .misplacedLine, line: line, reason: "t= inside a media section") }
                let parts = value.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2, let start = SDPGrammar.parse(parts[0], as: UInt64.self),
                    let stop = SDPGrammar.parse(parts[1], as: UInt64.self)
                else {
                    throw SDPError(code: .malformedValue, line: line, reason: "expected 't=<start> <stop>'")
                }
                session.timing.append(SDPTiming(start: start, stop: stop))
            case UInt8(ascii: "i"), UInt8(ascii: "k"):
                let other = SDPLine(type: Character(Unicode.Scalar(type)), value: String(value))
                if session.media.isEmpty { session.otherLines.append(other) } else { session.media[session.media.count - 1].otherLines.append(other) }
            case UInt8(ascii: "u"), UInt8(ascii: "e"), UInt8(ascii: "p"), UInt8(ascii: "r"), UInt8(ascii: "z"):
                guard session.media.isEmpty else {
                    throw SDPError(code: .misplacedLine, line: line, reason: "\(Character(Unicode.Scalar(type)))= inside a media section")
                }
                session.otherLines.append(SDPLine(type: Character(Unicode.Scalar(type)), value: String(value)))
            default:
                throw SDPError(
                    code: .unknownLineType,
                    line: line,
                    reason: "line type '\(Character(Unicode.Scalar(type)))' is not defined by RFC 8866"
                )
            }
        }

        func finish(lines: Int) throws(SDPError) -> SessionDescription {
            guard sawVersion else { throw SDPError(code: .missingLine, reason: "empty description") }
            guard let origin else { throw SDPError(code: .missingLine, line: lines, reason: "no o= line") }
            guard let sessionName else { throw SDPError(code: .missingLine, line: lines, reason: "no s= line") }
            guard !session.timing.isEmpty else { throw SDPError(code: .missingLine, line: lines, reason: "no t= line") }
            var result = session
            result.origin = origin
            result.sessionName = sessionName
            return result
        }

        static func parseOrigin(_ value: Substring, line: Int) throws(SDPError) -> SDPOrigin {
            let parts = value.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 6, parts.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy { $0 > 0x20 } }),
                parts[1].utf8.count <= 32, parts[1].utf8.allSatisfy(\.isDecimalDigit),
                let version = SDPGrammar.parse(parts[2], as: UInt64.self)
            else {
                throw SDPError(code: .malformedValue, line: line, reason: "expected 'o=<user> <session id> <version> <nettype> <addrtype> <address>'")
            }
            return SDPOrigin(
                username: String(parts[0]),
                sessionID: String(parts[1]),
                sessionVersion: version,
                networkType: String(parts[3]),
                addressType: String(parts[4]),
                address: String(parts[5])
            )
        }

        static func parseConnection(_ value: Substring, line: Int) throws(SDPError) -> SDPConnection {
            let parts = value.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 3, SDPGrammar.isToken(parts[0]), SDPGrammar.isToken(parts[1]), SDPGrammar.isAddress(parts[2]) else {
                throw SDPError(code: .malformedValue, line: line, reason: "expected 'c=<nettype> <addrtype> <address>'")
            }
            return SDPConnection(networkType: String(parts[0]), addressType: String(parts[1]), address: String(parts[2]))
        }

        static func parseBandwidth(_ value: Substring, line: Int) throws(SDPError) -> SDPBandwidth {
            let parts = value.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, SDPGrammar.isToken(parts[0]), let bandwidth = SDPGrammar.parse(parts[1], as: UInt32.self) else {
                throw SDPError(code: .malformedValue, line: line, reason: "expected 'b=<type>:<bandwidth>'")
            }
            return SDPBandwidth(type: String(parts[0]), value: bandwidth)
        }

        static func parseMedia(_ value: Substring, line: Int) throws(SDPError) -> MediaDescription {
            func fail(_ reason: String) -> SDPError { SDPError(code: .malformedValue, line: line, reason: "m=: " + reason) }
            let parts = value.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count >= 4, parts.count <= 257, SDPGrammar.isToken(parts[0]), SDPGrammar.isProtocol(parts[2]),
                parts.dropFirst(3).allSatisfy(SDPGrammar.isToken)
            else {
                throw fail("expected '<media> <port> <proto> <format> …' with at most 254 formats")
            }
            let portParts = parts[1].split(separator: "/", omittingEmptySubsequences: false)
            guard portParts.count <= 2, let port = SDPGrammar.parse(portParts[0], as: UInt16.self) else { throw fail("bad port") }
            var portCount: UInt16?
            if portParts.count == 2 {
                guard let count = SDPGrammar.parse(portParts[1], as: UInt16.self) else { throw fail("bad port count") }
                portCount = count
            }
            var media = MediaDescription(
                kind: SDPMediaKind(rawValue: String(parts[0])),
                port: port,
                portCount: portCount,
                proto: String(parts[2]),
                formats: parts.dropFirst(3).map(String.init),
                connection: nil
            )
            if media.isRTP {
                guard parts.dropFirst(3).allSatisfy({ SDPGrammar.payloadType($0) != nil }) else {
                    throw fail("RTP formats must be payload types 0–127")
                }
                media.formats = media.formats.map { String(SDPGrammar.payloadType(Substring($0)) ?? 0) }
            }
            return media
        }
    }
}

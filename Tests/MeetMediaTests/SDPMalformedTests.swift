import Testing

@testable import MeetMedia

@Suite struct SDPMalformedTests {
    static let head = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
    static let audio = "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\n"

    struct Case: Sendable, CustomTestStringConvertible {
        let text: String
        let code: SDPError.Code
        let line: Int?
        var testDescription: String { "\(code) at \(line.map(String.init) ?? "-")" }
    }

    static let cases: [Case] = [
        Case(text: "", code: .missingLine, line: nil),
        Case(text: "o=- 1 2 IN IP4 127.0.0.1\r\n", code: .missingLine, line: 1),
        Case(text: "v=1\r\n", code: .unsupportedVersion, line: 1),
        Case(text: "v=0\r\ns=-\r\n", code: .misplacedLine, line: 2),
        Case(text: "v=0\r\no=- 1 2 IN IP4\r\n", code: .malformedValue, line: 2),
        Case(text: "v=0\r\no=- x 2 IN IP4 127.0.0.1\r\n", code: .malformedValue, line: 2),
        Case(text: "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n", code: .missingLine, line: 2),
        Case(text: "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=\r\n", code: .malformedValue, line: 3),
        Case(text: "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n", code: .missingLine, line: 3),
        Case(text: head + "\r\n", code: .malformedLine, line: 5),
        Case(text: head + "a\r\n", code: .malformedLine, line: 5),
        Case(text: head + "a:x\r\n", code: .malformedLine, line: 5),
        Case(text: head + "x=1\r\n", code: .unknownLineType, line: 5),
        Case(text: head + "v=0\r\n", code: .misplacedLine, line: 5),
        Case(text: head + "a=mid:a\u{7}\r\n", code: .invalidText, line: 5),
        Case(text: head + "a=mid:a\rb\r\n", code: .invalidText, line: 5),
        Case(text: head + "a=ice-lite:yes\r\n", code: .malformedValue, line: 5),
        Case(text: head + "a=ice-ufrag:abc\r\n", code: .malformedValue, line: 5),
        Case(text: head + "a=ice-pwd:short\r\n", code: .malformedValue, line: 5),
        Case(text: head + "a=fingerprint:sha-256 AB:CD\r\n", code: .malformedValue, line: 5),
        Case(text: head + "a=fingerprint:sha-256 " + String(repeating: "GG:", count: 31) + "GG\r\n", code: .malformedValue, line: 5),
        Case(text: head + "a=setup:sideways\r\n", code: .malformedValue, line: 5),
        Case(text: head + "a=mid:\r\n", code: .malformedValue, line: 5),
        Case(text: head + "a=mid:a b\r\n", code: .malformedValue, line: 5),
        Case(text: head + "a=extmap:0 urn:x\r\n", code: .malformedValue, line: 5),
        Case(text: head + "a=extmap:1/up urn:x\r\n", code: .malformedValue, line: 5),
        Case(text: head + "a=rtpmap:128 opus/48000/2\r\n", code: .malformedValue, line: 5),
        Case(text: head + "a=rtpmap:111 opus/0\r\n", code: .malformedValue, line: 5),
        Case(text: head + "a=rtpmap:111 opus\r\n", code: .malformedValue, line: 5),
        Case(text: head + "a=fmtp:111\r\n", code: .malformedValue, line: 5),
        Case(text: head + "a=rtcp-fb:+1 nack\r\n", code: .malformedValue, line: 5),
        Case(text: head + "a=ssrc:4294967296 cname:x\r\n", code: .malformedValue, line: 5),
        Case(text: head + "a=ssrc-group:FID 1 x\r\n", code: .malformedValue, line: 5),
        Case(text: head + "a=rid:toolongtoolongtoolong send\r\n", code: .malformedValue, line: 5),
        Case(text: head + "a=rid:a sideways\r\n", code: .malformedValue, line: 5),
        Case(text: head + "a=simulcast:send a;;b\r\n", code: .malformedValue, line: 5),
        Case(text: head + "a=simulcast:send a send b\r\n", code: .malformedValue, line: 5),
        Case(text: head + "a=candidate:1 1 udp 1 1.2.3.4 9 host\r\n", code: .malformedValue, line: 5),
        Case(text: head + "a=candidate:1 1 udp 1 1.2.3.4 70000 typ host\r\n", code: .malformedValue, line: 5),
        Case(text: head + "a=candidate:1 1 udp 1 1.2.3.4 9 typ host generation\r\n", code: .malformedValue, line: 5),
        Case(text: head + "c=IN IP4\r\n", code: .malformedValue, line: 5),
        Case(text: head + "b=AS:x\r\n", code: .malformedValue, line: 5),
        Case(text: head + "t=0\r\n", code: .malformedValue, line: 5),
        Case(text: head + "m=audio 9 UDP/TLS/RTP/SAVPF\r\n", code: .malformedValue, line: 5),
        Case(text: head + "m=audio 65536 UDP/TLS/RTP/SAVPF 111\r\n", code: .malformedValue, line: 5),
        Case(text: head + "m=audio 9 UDP/TLS/RTP/SAVPF 200\r\n", code: .malformedValue, line: 5),
        Case(text: head + audio + "t=0 0\r\n", code: .misplacedLine, line: 8),
        Case(text: head + audio + "c=IN IP4 0.0.0.0\r\n", code: .misplacedLine, line: 8),
        Case(text: head + audio + "u=http://x\r\n", code: .misplacedLine, line: 8),
        Case(text: "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n" + audio, code: .missingLine, line: 4),
    ]

    @Test(arguments: cases)
    func refusedWithCodeAndLine(testCase: Case) {
        #expect {
            _ = try SessionDescription(parsing: testCase.text)
        } throws: { error in
            guard let error = error as? SDPError else { return false }
            return error.code == testCase.code && error.line == testCase.line
        }
    }

    @Test func refusesOversizedInputBeforeParsing() {
        let text = Self.head + String(repeating: "a=x\r\n", count: 13_200)
        #expect(throws: SDPError(code: .tooLarge, reason: "description of \(text.utf8.count) bytes is over 65536")) {
            try SessionDescription(parsing: text)
        }
    }

    @Test func refusesLongLines() throws {
        let limit = SessionDescription.Limits.maximumLineBytes
        let fits = Self.head + "a=x:" + String(repeating: "y", count: limit - 4) + "\r\n"
        #expect(throws: Never.self) { try SessionDescription(parsing: fits) }
        let long = Self.head + "a=x:" + String(repeating: "y", count: limit - 3) + "\r\n"
        let error = try #require(throws: SDPError.self) { try SessionDescription(parsing: long) }
        #expect(error.code == .lineTooLong && error.line == 5)
    }

    @Test func limitsSectionsAndLines() throws {
        let sixtyFour = Self.head + String(repeating: Self.audio, count: 64)
        #expect(try SessionDescription(parsing: sixtyFour).media.count == 64)
        let error = try #require(throws: SDPError.self) { try SessionDescription(parsing: sixtyFour + Self.audio) }
        #expect(error.code == .tooManyMediaSections && error.line == 4 + 64 * 3 + 1)

        let manyLines = Self.head + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n" + String(repeating: "a=x\r\n", count: 1024)
        let lines = try #require(throws: SDPError.self) { try SessionDescription(parsing: manyLines) }
        #expect(lines.code == .tooManyLines && lines.line == 4 + 1024 + 1)
    }

    @Test func refusesInvalidUTF8() throws {
        let bytes = Array(Self.head.utf8) + Array("s=".utf8) + [0xC3, 0x28] + [13, 10]
        let error = try #require(throws: SDPError.self) { try SessionDescription(parsing: bytes) }
        #expect(error.code == .invalidText && error.line == 5)
    }

    @Test func acceptsUTF8SessionName() throws {
        let text = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=Réunion\r\nt=0 0\r\n"
        #expect(try SessionDescription(parsing: text).sessionName == "Réunion")
        #expect(try SessionDescription(parsing: text).sdpText == text)
    }

    @Test func errorDescriptionNamesTheLine() {
        #expect(SDPError(code: .malformedLine, line: 12, reason: "not '<type>=<value>'").description == "line 12: not '<type>=<value>'")
    }
}

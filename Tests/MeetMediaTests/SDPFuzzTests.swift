import Testing

@testable import MeetMedia

/// Deterministic mutations of the captured offers. Parsing must return a description or throw an
/// `SDPError` (typed throws rules out anything else; a trap would end the run); whatever parses
/// must serialize to text that parses back to the same value; and answering it must not trap.
@Suite struct SDPFuzzTests {
    typealias Generator = STUNFuzzTests.Generator

    static let seed: UInt64 = 0x5344_5020_4655_5A5A
    static let iterationsPerFixture = 1500

    static func lines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast()
    }

    static func mutate(_ original: [UInt8], using random: inout Generator) -> [UInt8] {
        var bytes = original
        var lines = lines(original)
        func joined() -> [UInt8] { Array(lines.joined(separator: [UInt8(ascii: "\n")])) + [UInt8(ascii: "\n")] }
        switch Int.random(in: 0..<9, using: &random) {
        case 0:
            for _ in 0..<Int.random(in: 1...8, using: &random) {
                bytes[Int.random(in: bytes.indices, using: &random)] ^= 1 << UInt8.random(in: 0..<8, using: &random)
            }
        case 1:
            bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &random)))
        case 2:
            let index = Int.random(in: lines.indices, using: &random)
            lines.insert(contentsOf: Array(repeating: lines[index], count: Int.random(in: 1...40, using: &random)), at: index)
            bytes = joined()
        case 3:
            lines.remove(at: Int.random(in: lines.indices, using: &random))
            bytes = joined()
        case 4:
            lines.swapAt(Int.random(in: lines.indices, using: &random), Int.random(in: lines.indices, using: &random))
            bytes = joined()
        case 5:
            // A huge line: an existing one padded to near or past the line and total limits.
            let index = Int.random(in: lines.indices, using: &random)
            let length = Int.random(in: 4000...70_000, using: &random)
            lines[index] += ArraySlice(repeating: UInt8.random(in: 0x21...0x7E, using: &random), count: length)
            bytes = joined()
        case 6:
            bytes = (0..<Int.random(in: 0...600, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
        case 7:
            // Random printable bytes spliced into a line, keeping the rest well-formed.
            let index = Int.random(in: lines.indices, using: &random)
            let noise = (0..<Int.random(in: 1...12, using: &random)).map { _ in UInt8.random(in: 0x20...0x7E, using: &random) }
            let at = Int.random(in: 0...lines[index].count, using: &random)
            var line = Array(lines[index])
            line.insert(contentsOf: noise, at: at)
            lines[index] = line[...]
            bytes = joined()
        default:
            // A section's lines repeated in place, towards the section and line limits.
            let starts = lines.indices.filter { lines[$0].first == UInt8(ascii: "m") }
            guard let start = starts.randomElement(using: &random) else { break }
            let end = starts.first { $0 > start } ?? lines.count
            for _ in 0..<Int.random(in: 1...70, using: &random) { lines.append(contentsOf: lines[start..<end]) }
            bytes = joined()
        }
        return bytes
    }

    @Test(arguments: SDPFixtures.offerNames)
    func mutationsParseOrThrowAndRoundTrip(name: String) throws {
        let original = Array(SDPFixtures.text(name).utf8)
        try #require(!original.isEmpty)
        var random = Generator(state: Self.seed ^ UInt64(name.utf8.count))
        let answerer = PublishAnswerer(transport: SDPFixtures.transport)
        var parsed = 0
        var answered = 0
        var codes: Set<SDPError.Code> = []
        var slowest = Duration.zero
        for iteration in 0..<Self.iterationsPerFixture {
            let input = Self.mutate(original, using: &random)
            let start = ContinuousClock.now
            do {
                let description = try SessionDescription(parsing: input)
                parsed += 1
                let reparsed = try SessionDescription(parsing: description.sdpText)
                #expect(reparsed == description, "iteration \(iteration)")
                if let negotiation = try? answerer.answer(description) {
                    answered += 1
                    #expect(throws: Never.self, "iteration \(iteration)") { try SessionDescription(parsing: negotiation.answer.sdpText) }
                }
            } catch {
                codes.insert(error.code)
            }
            slowest = max(slowest, ContinuousClock.now - start)
        }
        // Every outcome occurs, and no input comes near a hang, even in a debug build on a busy machine.
        #expect(parsed > 0)
        #expect(answered > 0)
        #expect(codes.count > 3)
        #expect(slowest < .seconds(2))
    }

    @Test func worstCaseInputsAreFast() throws {
        let head = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
        let inputs = [
            head + String(repeating: "a=x\r\n", count: 13_000),
            head + String(repeating: "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\n", count: 64) + String(repeating: "\n", count: 1000),
            head + "a=" + String(repeating: "y", count: 60_000) + "\r\n",
            head + "a=fmtp:96 " + String(repeating: ";", count: 4000) + "\r\n",
            String(repeating: "\n", count: 65_536),
            head + "m=video 9 UDP/TLS/RTP/SAVPF " + Array(repeating: "96", count: 1300).joined(separator: " ") + "\r\n",
        ]
        for input in inputs {
            let start = ContinuousClock.now
            _ = try? SessionDescription(parsing: input)
            #expect(ContinuousClock.now - start < .seconds(2))
        }
    }
}

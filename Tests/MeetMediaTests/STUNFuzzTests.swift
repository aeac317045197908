import Testing

@testable import MeetMedia

/// Deterministic pseudo-random datagrams and mutations of valid ones. The parser must return a
/// message or a `MediaError` (typed throws makes any other error impossible; a trap would end
/// the run), whatever it parses must re-encode to the same attributes, and no mutation of a
/// protected vector may still pass MESSAGE-INTEGRITY and FINGERPRINT together.
@Suite struct STUNFuzzTests {
    /// SplitMix64: tiny, fast and fully determined by its seed, so a failure names its input.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let seed: UInt64 = 0x5354_554E_2024
    static let chunks = 8
    /// 8 chunks of 25,000 make 200,000 inputs, run in parallel.
    static let iterationsPerChunk = 25_000

    static let built: [UInt8] = {
        let message = STUNMessage(
            .request,
            .binding,
            transactionID: STUNTransactionID(high: 1, low: 2),
            attributes: [
                .username("remote:local"), .priority(0x6E00_01FF), .useCandidate, .iceControlling(tieBreaker: 7),
                .xorMappedAddress(STUNMessageTests.v6), .errorCode(code: 487, reason: "Role Conflict"),
                .unknownAttributes([.init(rawValue: 0x0031)]), .other(.init(rawValue: 0x7001), [1, 2][...]),
            ]
        )
        return (try? message.encoded(integrityKey: STUNMessageTests.key)) ?? []
    }()

    /// Each seed input with the key that protects it.
    static let seeds: [(bytes: [UInt8], key: STUNIntegrityKey)] = [
        (RFC5769.sampleRequest, .shortTerm(password: RFC5769.password)),
        (RFC5769.ipv4Response, .shortTerm(password: RFC5769.password)),
        (RFC5769.ipv6Response, .shortTerm(password: RFC5769.password)),
        (RFC5769.longTermRequest, .longTerm(username: RFC5769.longTermUsername, realm: RFC5769.realm, password: RFC5769.longTermPassword)),
        (built, STUNMessageTests.key),
    ]

    /// Offsets of each attribute header in a valid message.
    static func attributeOffsets(_ bytes: [UInt8]) -> [Int] {
        var offsets: [Int] = []
        var offset = 20
        while offset + 4 <= bytes.count {
            offsets.append(offset)
            offset += 4 + (Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3]) + 3) & ~3
        }
        return offsets
    }

    static func setLength(_ length: Int, at index: Int, in bytes: inout [UInt8]) {
        bytes[index] = UInt8(truncatingIfNeeded: length >> 8)
        bytes[index + 1] = UInt8(truncatingIfNeeded: length)
    }

    static func mutate(_ original: [UInt8], using random: inout Generator) -> [UInt8] {
        var bytes = original
        let offsets = attributeOffsets(original)
        switch Int.random(in: 0..<8, using: &random) {
        case 0:
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                bytes[Int.random(in: bytes.indices, using: &random)] ^= 1 << UInt8.random(in: 0..<8, using: &random)
            }
        case 1:
            bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &random)))
        case 2:
            // Truncate at an attribute boundary and say so in the header, so parsing goes deep.
            let cut = offsets.randomElement(using: &random) ?? 20
            bytes = Array(bytes.prefix(cut))
            setLength(cut - 20, at: 2, in: &bytes)
        case 3:
            let length =
                Bool.random(using: &random) ? Int.random(in: 0...0xFFFF, using: &random) : bytes.count - 20 + Int.random(in: -8...8, using: &random)
            setLength(length, at: 2, in: &bytes)
        case 4:
            let at = offsets.randomElement(using: &random) ?? 20
            let length = Bool.random(using: &random) ? Int.random(in: 0...0xFFFF, using: &random) : Int.random(in: 0...40, using: &random)
            setLength(length, at: at + 2, in: &bytes)
        case 5:
            // Duplicate one attribute at another attribute boundary, keeping the header length true.
            guard let from = offsets.randomElement(using: &random), let to = offsets.randomElement(using: &random) else { break }
            let end = offsets.first { $0 > from } ?? bytes.count
            bytes.insert(contentsOf: bytes[from..<end], at: to)
            setLength(bytes.count - 20, at: 2, in: &bytes)
        case 6:
            let at = Int.random(in: 20...bytes.count, using: &random)
            let junk = (0..<(4 * Int.random(in: 1...4, using: &random))).map { _ in UInt8.random(in: 0...255, using: &random) }
            bytes.insert(contentsOf: junk, at: at)
            if Bool.random(using: &random) { setLength(bytes.count - 20, at: 2, in: &bytes) }
        default:
            let at = Int.random(in: 20..<bytes.count, using: &random)
            for index in at..<min(bytes.count, at + Int.random(in: 1...8, using: &random)) {
                bytes[index] = UInt8.random(in: 0...255, using: &random)
            }
        }
        return bytes
    }

    static func randomDatagram(using random: inout Generator) -> [UInt8] {
        var bytes = (0..<Int.random(in: 0...160, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
        // Most random bytes fail at the first checks; give half a valid header so the
        // attribute parser sees random input too.
        if Bool.random(using: &random), bytes.count >= 20 {
            bytes.removeLast(bytes.count % 4)
            bytes[0] &= 0x3F
            bytes.replaceSubrange(4..<8, with: [0x21, 0x12, 0xA4, 0x42])
            setLength(bytes.count - 20, at: 2, in: &bytes)
        }
        return bytes
    }

    struct Tally {
        var parsed = 0
        var refused: Set<MediaError.Code> = []
    }

    /// Parses `bytes`; on success checks that it re-encodes to the same content and that it is
    /// not accepted as authentic unless it is the seed itself.
    static func exercise(_ bytes: [UInt8], seed: (bytes: [UInt8], key: STUNIntegrityKey)?, label: String, tally: inout Tally) {
        let message: STUNMessage
        do {
            message = try STUNMessage(parsing: bytes)
        } catch {
            tally.refused.insert(error.code)
            return
        }
        tally.parsed += 1
        let content = message.attributes.filter { $0.type != .messageIntegrity && $0.type != .fingerprint }
        let rebuilt = STUNMessage(message.messageClass, message.method, transactionID: message.transactionID, attributes: content)
        let again = (try? rebuilt.encoded()).flatMap { try? STUNMessage(parsing: $0) }
        #expect(again.map { Array($0.attributes.dropLast()) } == content, "\(label)")
        #expect(again?.transactionID == message.transactionID, "\(label)")
        guard let seed, bytes != seed.bytes, (try? message.verifyMessageIntegrity(key: seed.key)) != nil else { return }
        // MESSAGE-INTEGRITY passed, so what it covers must be the seed's, save the header length,
        // which the HMAC replaces (RFC 8489 §14.5), and what follows it, which receivers ignore.
        let end = (message.integrityOffset ?? 0) + 24
        #expect(bytes.count >= end && bytes[..<2] == seed.bytes[..<2] && bytes[4..<end] == seed.bytes[4..<end], "\(label)")
        if seed.bytes.count != RFC5769.longTermRequest.count {
            #expect(throws: MediaError.self, "\(label) passed both checks") { try message.verifyFingerprint() }
        }
    }

    @Test(arguments: 0..<chunks)
    func mutationsOfValidMessages(chunk: Int) {
        var random = Generator(state: Self.seed &+ UInt64(chunk))
        var tally = Tally()
        for iteration in 0..<(Self.iterationsPerChunk / 2) {
            let seed = Self.seeds[iteration % Self.seeds.count]
            let bytes = Self.mutate(seed.bytes, using: &random)
            Self.exercise(bytes, seed: seed, label: "mutation chunk \(chunk) iteration \(iteration)", tally: &tally)
        }
        // The mutations must reach both outcomes, and more than the first checks.
        #expect(tally.parsed > 100)
        #expect(tally.refused.isSuperset(of: [.truncated, .badLength, .attributeOverrun, .malformedAttribute, .misplacedAttribute]))
    }

    @Test(arguments: 0..<chunks)
    func randomDatagrams(chunk: Int) {
        var random = Generator(state: ~Self.seed &+ UInt64(chunk))
        var tally = Tally()
        for iteration in 0..<(Self.iterationsPerChunk / 2) {
            let bytes = Self.randomDatagram(using: &random)
            Self.exercise(bytes, seed: nil, label: "random chunk \(chunk) iteration \(iteration)", tally: &tally)
        }
        #expect(tally.parsed > 0)
        #expect(tally.refused.isSuperset(of: [.truncated, .notSTUN, .badMagicCookie, .attributeOverrun]))
    }
}

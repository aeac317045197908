import Testing

@testable import MeetMedia

/// Each way a datagram can be wrong, and the code it must be refused with.
@Suite struct STUNMalformedTests {
    typealias T = STUNMessageTests

    static let valid = T.datagram(body: T.attribute(0x0024, [0, 0, 0, 1]))

    static let cases: [(String, [UInt8], MediaError.Code)] = [
        ("empty", [], .truncated),
        ("shorter than a header", Array(valid.prefix(19)), .truncated),
        ("first bit set", [0x80] + valid.dropFirst(), .notSTUN),
        ("second bit set", [0x40] + valid.dropFirst(), .notSTUN),
        ("RTP-looking", [0x80, 0x60] + valid.dropFirst(2), .notSTUN),
        ("RFC 3489 (no cookie)", Array(valid.prefix(4)) + [0, 0, 0, 0] + valid.dropFirst(8), .badMagicCookie),
        ("cookie off by one bit", Array(valid.prefix(4)) + [0x21, 0x12, 0xA4, 0x43] + valid.dropFirst(8), .badMagicCookie),
        ("length not a multiple of 4", T.datagram(body: [0, 0x24, 0, 1, 0], length: 5), .badLength),
        ("length past the end", T.datagram(body: T.attribute(0x0024, [0, 0, 0, 1]), length: 12), .truncated),
        ("length claims 65532 bytes", T.datagram(body: [], length: 65532), .truncated),
        ("trailing bytes", valid + [0, 0, 0, 0], .badLength),
        ("attribute runs past the end", T.datagram(body: [0x80, 0x22, 0x00, 0x40, 1, 2, 3, 4]), .attributeOverrun),
        ("attribute padding runs past the end", T.datagram(body: [0x80, 0x22, 0x00, 0x05, 1, 2, 3, 4]), .attributeOverrun),
        ("attribute claims 65535 bytes", T.datagram(body: [0x80, 0x22, 0xFF, 0xFF]), .attributeOverrun),
        ("PRIORITY of 3 bytes", T.datagram(body: T.attribute(0x0024, [0, 0, 1])), .malformedAttribute),
        ("USE-CANDIDATE with a value", T.datagram(body: T.attribute(0x0025, [0, 0, 0, 0])), .malformedAttribute),
        ("ICE-CONTROLLING of 4 bytes", T.datagram(body: T.attribute(0x802A, [0, 0, 0, 1])), .malformedAttribute),
        ("ICE-CONTROLLED of 12 bytes", T.datagram(body: T.attribute(0x8029, Array(repeating: 1, count: 12))), .malformedAttribute),
        ("MESSAGE-INTEGRITY of 16 bytes", T.datagram(body: T.attribute(0x0008, Array(repeating: 1, count: 16))), .malformedAttribute),
        ("FINGERPRINT of 8 bytes", T.datagram(body: T.attribute(0x8028, Array(repeating: 1, count: 8))), .malformedAttribute),
        ("address family 3", T.datagram(body: T.attribute(0x0020, [0, 3, 0, 1, 1, 2, 3, 4])), .malformedAttribute),
        ("IPv4 address of IPv6 length", T.datagram(body: T.attribute(0x0001, [0, 1, 0, 1] + Array(repeating: 1, count: 16))), .malformedAttribute),
        ("IPv6 address of IPv4 length", T.datagram(body: T.attribute(0x0020, [0, 2, 0, 1, 1, 2, 3, 4])), .malformedAttribute),
        ("address of 2 bytes", T.datagram(body: T.attribute(0x0001, [0, 1])), .malformedAttribute),
        ("USERNAME not UTF-8", T.datagram(body: T.attribute(0x0006, [0x61, 0xC3, 0x28])), .malformedAttribute),
        ("USERNAME of 509 bytes", T.datagram(body: T.attribute(0x0006, Array(repeating: 0x61, count: 509))), .malformedAttribute),
        ("SOFTWARE not UTF-8", T.datagram(body: T.attribute(0x8022, [0xFF])), .malformedAttribute),
        ("ERROR-CODE class 7", T.datagram(body: T.attribute(0x0009, [0, 0, 7, 0])), .malformedAttribute),
        ("ERROR-CODE class 2", T.datagram(body: T.attribute(0x0009, [0, 0, 2, 0])), .malformedAttribute),
        ("ERROR-CODE number 100", T.datagram(body: T.attribute(0x0009, [0, 0, 4, 100])), .malformedAttribute),
        ("ERROR-CODE of 3 bytes", T.datagram(body: T.attribute(0x0009, [0, 0, 4])), .malformedAttribute),
        ("UNKNOWN-ATTRIBUTES of odd length", T.datagram(body: T.attribute(0x000A, [0, 1, 0])), .malformedAttribute),
        (
            "attribute after FINGERPRINT",
            T.datagram(body: T.attribute(0x8028, [1, 2, 3, 4]) + T.attribute(0x8022, Array("late".utf8))),
            .misplacedAttribute
        ),
        (
            "second FINGERPRINT",
            T.datagram(body: T.attribute(0x8028, [1, 2, 3, 4]) + T.attribute(0x8028, [1, 2, 3, 4])),
            .misplacedAttribute
        ),
    ]

    @Test(arguments: cases)
    func isRefused(name: String, bytes: [UInt8], code: MediaError.Code) {
        let error = #expect(throws: MediaError.self, "\(name)") { try STUNMessage(parsing: bytes) }
        #expect(error?.code == code, "\(name): \(error?.reason ?? "")")
    }

    @Test func theValidBaseIsAccepted() throws {
        #expect(try STUNMessage(parsing: Self.valid).priority == 1)
    }

    /// Reserved bits are ignored on receipt (RFC 8489 §14.1, §14.8).
    @Test func reservedBitsAreIgnored() throws {
        let address = T.datagram(body: T.attribute(0x0001, [0xFF, 1, 0x12, 0x34, 10, 0, 0, 1]))
        #expect(try STUNMessage(parsing: address).mappedAddress == STUNAddress(ip: .v4(0x0A00_0001), port: 0x1234))
        let error = T.datagram(body: T.attribute(0x0009, [0xFF, 0xFF, 0xFC, 1] + Array("x".utf8)))
        #expect(try STUNMessage(parsing: error).errorCode?.code == 401)
    }

    static let unencodable: [([STUNAttribute], MediaError.Code)] = [
        ([.messageIntegrity(Array(repeating: 0, count: 20)[...])], .misplacedAttribute),
        ([.fingerprint(0)], .misplacedAttribute),
        ([.other(.fingerprint, [0, 0, 0, 0][...])], .misplacedAttribute),
        ([.other(.messageIntegrity, Array(repeating: 0, count: 20)[...])], .misplacedAttribute),
        ([.errorCode(code: 299, reason: "")], .malformedAttribute),
        ([.errorCode(code: 700, reason: "")], .malformedAttribute),
        ([.username(String(repeating: "u", count: 509))], .oversize),
        ([.software(String(repeating: "s", count: 510))], .oversize),
    ]

    @Test(arguments: unencodable)
    func isNotEncoded(attributes: [STUNAttribute], code: MediaError.Code) {
        let error = #expect(throws: MediaError.self) {
            try STUNMessage(.request, .binding, attributes: attributes).encoded(integrityKey: T.key)
        }
        #expect(error?.code == code)
    }

    /// Values the 16-bit length fields cannot describe: one too long, or several adding up to
    /// too much once MESSAGE-INTEGRITY and FINGERPRINT are counted. Sizes only, so that the test
    /// log does not print the values.
    @Test(arguments: [(65536, 1), (65000, 2), (16376, 4)])
    func tooLongIsNotEncoded(valueSize: Int, count: Int) {
        let attribute = STUNAttribute.other(.init(rawValue: 0x8000), Array(repeating: 0, count: valueSize)[...])
        let error = #expect(throws: MediaError.self) {
            try STUNMessage(.request, .binding, attributes: Array(repeating: attribute, count: count)).encoded(integrityKey: T.key)
        }
        #expect(error?.code == .oversize)
    }

    /// The largest message the length field allows still encodes and parses.
    @Test func theLargestMessageEncodes() throws {
        let value = Array(repeating: UInt8(0), count: 65532 - 4 - 24 - 8)
        let bytes = try STUNMessage(.request, .binding, attributes: [.other(.init(rawValue: 0x8000), value[...])])
            .encoded(integrityKey: T.key)
        #expect(bytes.count == 20 + 65532)
        let parsed = try STUNMessage(parsing: bytes, maximumSize: .max)
        try parsed.verifyMessageIntegrity(key: T.key)
        try parsed.verifyFingerprint()
    }
}

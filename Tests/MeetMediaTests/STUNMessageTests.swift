import Testing

@testable import MeetMedia

@Suite struct STUNMessageTests {
    static let key = STUNIntegrityKey.shortTerm(password: "pass-word+of/ice-chars1234")
    static let v4 = STUNAddress(ip: .v4(0xCB00_7109), port: 54321)
    static let v6 = STUNAddress(ip: .v6(high: 0x2001_0db8_0000_0000, low: 0x0000_0000_0000_0001), port: 443)

    /// A header (type, length of `body`, cookie, fixed transaction id) followed by `body`.
    static func datagram(type: UInt16 = 0x0001, body: [UInt8], length: Int? = nil) -> [UInt8] {
        let length = length ?? body.count
        return [UInt8(type >> 8), UInt8(type & 0xFF), UInt8(length >> 8), UInt8(length & 0xFF), 0x21, 0x12, 0xA4, 0x42]
            + [UInt8](1...12) + body
    }

    /// A raw attribute: type, length, value, zero padding.
    static func attribute(_ type: UInt16, _ value: [UInt8], length: Int? = nil) -> [UInt8] {
        let length = length ?? value.count
        let padding = [UInt8](repeating: 0, count: (4 - value.count % 4) % 4)
        return [UInt8(type >> 8), UInt8(type & 0xFF), UInt8(length >> 8), UInt8(length & 0xFF)] + value + padding
    }

    static let attributeSets: [[STUNAttribute]] = [
        [],
        [.xorMappedAddress(v4)],
        [.xorMappedAddress(v6), .software("DigitalMeet")],
        [.mappedAddress(v4), .mappedAddress(v6)],
        [.username("remote:local"), .priority(0x6E00_01FF), .useCandidate, .iceControlling(tieBreaker: 0x0123_4567_89AB_CDEF)],
        [.username("a"), .iceControlled(tieBreaker: .max), .software(String(repeating: "x", count: 509))],
        [.errorCode(code: 420, reason: "Unknown Attribute"), .unknownAttributes([.init(rawValue: 0x7777), .init(rawValue: 0x0031)])],
        [.errorCode(code: 699, reason: ""), .unknownAttributes([.init(rawValue: 0x1234)])],
        [.other(.init(rawValue: 0xC0DE), [1, 2, 3][...]), .other(.init(rawValue: 0x8001), [][...]), .username("\u{00E9}t\u{00E9}")],
    ]

    @Test(arguments: attributeSets)
    func buildThenParseGivesTheSameAttributes(attributes: [STUNAttribute]) throws {
        for messageClass in STUNMessageClass.allCases {
            let message = STUNMessage(messageClass, .binding, attributes: attributes)
            let bytes = try message.encoded(integrityKey: Self.key)
            #expect(bytes.count % 4 == 0)
            let parsed = try STUNMessage(parsing: bytes)
            #expect(parsed.messageClass == messageClass)
            #expect(parsed.transactionID == message.transactionID)
            #expect(Array(parsed.attributes.dropLast(2)) == attributes)
            #expect(parsed.attributes.suffix(2).map(\.type) == [.messageIntegrity, .fingerprint])
            try parsed.verifyMessageIntegrity(key: Self.key)
            try parsed.verifyFingerprint()
            #expect(
                STUNMessage(messageClass, .binding, transactionID: message.transactionID, attributes: attributes + parsed.attributes.suffix(2))
                    == parsed
            )
        }
    }

    @Test(arguments: [(true, true), (true, false), (false, true), (false, false)])
    func integrityAndFingerprintAreOptional(integrity: Bool, fingerprint: Bool) throws {
        let message = STUNMessage(.request, .binding, attributes: [.username("u:v")])
        let bytes = try message.encoded(integrityKey: integrity ? Self.key : nil, fingerprint: fingerprint)
        #expect(bytes.count == 20 + 8 + (integrity ? 24 : 0) + (fingerprint ? 8 : 0))
        let parsed = try STUNMessage(parsing: bytes)
        #expect(((try? parsed.verifyMessageIntegrity(key: Self.key)) != nil) == integrity)
        #expect(((try? parsed.verifyFingerprint()) != nil) == fingerprint)
    }

    @Test(arguments: [
        (STUNMessageClass.request, UInt16(0x0001)),
        (.indication, 0x0011),
        (.successResponse, 0x0101),
        (.errorResponse, 0x0111),
    ])
    func bindingMessageTypesAreRFC8489s(messageClass: STUNMessageClass, type: UInt16) throws {
        let bytes = try STUNMessage(messageClass, .binding).encoded(fingerprint: false)
        #expect(UInt16(bytes[0]) << 8 | UInt16(bytes[1]) == type)
    }

    /// Method bits are spread around the class bits; every method and class must survive.
    @Test(arguments: [0x000, 0x001, 0x00F, 0x010, 0x070, 0x080, 0xF80, 0xABC, 0xFFF])
    func everyMethodRoundTrips(method: UInt16) throws {
        let stunMethod = try #require(STUNMethod(rawValue: method))
        for messageClass in STUNMessageClass.allCases {
            let parsed = try STUNMessage(parsing: STUNMessage(messageClass, stunMethod).encoded())
            #expect(parsed.method == stunMethod)
            #expect(parsed.messageClass == messageClass)
        }
        #expect(STUNMethod(rawValue: 0x1000) == nil)
    }

    @Test func integrityFailsWithTheWrongPassword() throws {
        let bytes = try STUNMessage(.request, .binding, attributes: [.username("a:b")]).encoded(integrityKey: Self.key)
        let parsed = try STUNMessage(parsing: bytes)
        for password in ["", "pass-word+of/ice-chars123", "pass-word+of/ice-chars12345", "Pass-word+of/ice-chars1234"] {
            let error = #expect(throws: MediaError.self) { try parsed.verifyMessageIntegrity(key: .shortTerm(password: password)) }
            #expect(error?.code == .authenticationFailed)
        }
    }

    /// Every single-bit change anywhere in a message must make the agent's checks refuse it:
    /// before the end of MESSAGE-INTEGRITY the HMAC catches it, after it FINGERPRINT does.
    @Test(arguments: [RFC5769.sampleRequest, RFC5769.ipv4Response, RFC5769.ipv6Response, RFC5769.longTermRequest])
    func anyBitFlipIsRefused(vector: [UInt8]) throws {
        let original = try STUNMessage(parsing: vector)
        let key: STUNIntegrityKey =
            vector == RFC5769.longTermRequest
            ? .longTerm(username: RFC5769.longTermUsername, realm: RFC5769.realm, password: RFC5769.longTermPassword)
            : .shortTerm(password: RFC5769.password)
        let integrityEnd = try #require(original.integrityOffset) + 24
        let hasFingerprint = original.fingerprintOffset != nil
        for index in vector.indices {
            for bit in 0..<8 {
                var bytes = vector
                bytes[index] ^= 1 << bit
                guard let parsed = try? STUNMessage(parsing: bytes) else { continue }
                if index < integrityEnd {
                    #expect(throws: MediaError.self, "byte \(index) bit \(bit)") { try parsed.verifyMessageIntegrity(key: key) }
                }
                if hasFingerprint {
                    #expect(throws: MediaError.self, "byte \(index) bit \(bit)") { try parsed.verifyFingerprint() }
                }
            }
        }
    }

    @Test func checksNeedAParsedMessage() {
        let built = STUNMessage(.request, .binding)
        #expect((#expect(throws: MediaError.self) { try built.verifyMessageIntegrity(key: Self.key) })?.code == .notReceived)
        #expect((#expect(throws: MediaError.self) { try built.verifyFingerprint() })?.code == .notReceived)
    }

    @Test func parsingASliceKeepsItsIndices() throws {
        let padded = [0xAA, 0xBB, 0xCC] + RFC5769.sampleRequest + [0xDD]
        let slice = padded[3..<(padded.count - 1)]
        let message = try STUNMessage(parsing: slice)
        #expect(message.username == "evtj:h6vY")
        try message.verifyMessageIntegrity(key: .shortTerm(password: RFC5769.password))
        try message.verifyFingerprint()
        #expect(message == (try STUNMessage(parsing: RFC5769.sampleRequest)))
    }

    @Test func bindingSuccessAnswersTheRequest() throws {
        let request = try STUNMessage(parsing: RFC5769.sampleRequest)
        let response = STUNMessage.bindingSuccess(for: request, mappedAddress: Self.v6, software: "DigitalMeet")
        let key = STUNIntegrityKey.shortTerm(password: RFC5769.password)
        let parsed = try STUNMessage(parsing: response.encoded(integrityKey: key))
        #expect(parsed.messageClass == .successResponse)
        #expect(parsed.method == .binding)
        #expect(parsed.transactionID == request.transactionID)
        #expect(parsed.xorMappedAddress == Self.v6)
        #expect(parsed.mappedAddress == nil)
        #expect(parsed.software == "DigitalMeet")
        try parsed.verifyMessageIntegrity(key: key)
        try parsed.verifyFingerprint()
    }

    @Test func unknownComprehensionRequiredAttributesAreReportedForA420() throws {
        let body =
            Self.attribute(0x7FFF, [1, 2, 3]) + Self.attribute(0xC001, [9]) + Self.attribute(0x0031, [])
            + Self.attribute(0x7FFF, [4])
        let request = try STUNMessage(parsing: Self.datagram(body: body))
        #expect(request.attributes.count == 4)
        #expect(request.rawValue(of: .init(rawValue: 0xC001)) == [9][...])
        #expect(request.rawValue(of: .init(rawValue: 0x7FFF)) == [1, 2, 3][...])
        let unknown = request.unknownComprehensionRequiredAttributes
        #expect(unknown == [.init(rawValue: 0x7FFF), .init(rawValue: 0x0031)])

        let response = STUNMessage.errorResponse(for: request, code: 420, reason: "Unknown Attribute", unknownAttributes: unknown)
        let parsed = try STUNMessage(parsing: response.encoded(integrityKey: Self.key))
        #expect(parsed.messageClass == .errorResponse)
        #expect(parsed.errorCode?.code == 420)
        #expect(parsed.errorCode?.reason == "Unknown Attribute")
        #expect(parsed.unknownAttributes == unknown)
    }

    /// RFC 8489 §14.5: after MESSAGE-INTEGRITY only FINGERPRINT counts.
    @Test func attributesAfterIntegrityAreIgnored() throws {
        var bytes = try STUNMessage(.request, .binding, attributes: [.username("a:b")]).encoded(integrityKey: Self.key, fingerprint: false)
        bytes += Self.attribute(0x0006, Array("x:y".utf8)) + Self.attribute(0x7FFF, [1])
        bytes[3] += 16
        let parsed = try STUNMessage(parsing: bytes)
        #expect(parsed.username == "a:b")
        #expect(parsed.attributes.map(\.type) == [.username, .messageIntegrity])
        #expect(parsed.unknownComprehensionRequiredAttributes.isEmpty)
        try parsed.verifyMessageIntegrity(key: Self.key)
    }

    @Test func theFirstOfRepeatedAttributesCounts() throws {
        let body =
            Self.attribute(0x0024, [0, 0, 0, 1]) + Self.attribute(0x0024, [0, 0, 0, 2]) + Self.attribute(0x0006, Array("first".utf8))
            + Self.attribute(0x0006, Array("second".utf8))
        let message = try STUNMessage(parsing: Self.datagram(body: body))
        #expect(message.priority == 1)
        #expect(message.username == "first")
        #expect(message.attributes.count == 4)
    }

    @Test func sizeLimitIsApplied() throws {
        let big = try STUNMessage(.request, .binding, attributes: [.other(.init(rawValue: 0x8123), Array(repeating: 7, count: 1600)[...])])
            .encoded()
        #expect((#expect(throws: MediaError.self) { try STUNMessage(parsing: big) })?.code == .oversize)
        #expect(try STUNMessage(parsing: big, maximumSize: 2000).attributes.count == 2)
    }

    @Test func crc32IsTheISOHDLCOne() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
    }

    @Test(arguments: [
        (STUNAddress.IP.v4(0), "0.0.0.0"),
        (.v4(0xFFFF_FFFF), "255.255.255.255"),
        (.v6(high: 0, low: 0), "::"),
        (.v6(high: 0, low: 1), "::1"),
        (.v6(high: 0x2001_0db8_0000_0000, low: 1), "2001:db8::1"),
        (.v6(high: 0x2001_0db8_0000_0001, low: 0x0000_0000_0000_0001), "2001:db8:0:1::1"),
        (.v6(high: 0x2001_0db8_0000_0000, low: 0x0001_0000_0000_0001), "2001:db8::1:0:0:1"),
        (.v6(high: 0x2001_0000_0000_0001, low: 0x0000_0000_0000_0001), "2001:0:0:1::1"),
        (.v6(high: 0x2001_0db8_0000_0001, low: 0x0001_0001_0001_0001), "2001:db8:0:1:1:1:1:1"),
        (.v6(high: 0xFE80_0000_0000_0000, low: 0), "fe80::"),
    ])
    func addressesPrintAsRFC5952Says(ip: STUNAddress.IP, text: String) {
        #expect(ip.description == text)
        #expect(STUNAddress.IP(bytes: ip.bytes) == ip)
    }

    @Test func transactionIDsAreTwelveBytesAndFresh() {
        let id = STUNTransactionID(high: 0x0102_0304, low: 0x0506_0708_090A_0B0C)
        #expect(id.bytes == [UInt8](1...12))
        #expect(STUNTransactionID(bytes: [UInt8](1...12)) == id)
        #expect(STUNTransactionID(bytes: [UInt8](1...11)) == nil)
        #expect(id.description == "0102030405060708090a0b0c")
        #expect(STUNTransactionID.random() != STUNTransactionID.random())
    }
}

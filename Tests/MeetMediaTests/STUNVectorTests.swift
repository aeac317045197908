import Testing

@testable import MeetMedia

/// The test vectors of RFC 5769, each row as the RFC prints it: four bytes, then the RFC's note.
enum RFC5769 {
    /// The short-term password of §2.1–2.3.
    static let password = "VOkJxbRl1RmTxUk/WvJxBt"
    static let transactionID = STUNTransactionID(high: 0xb7e7_a701, low: 0xbc34_d686_fa87_dfae)

    /// Reads the first four tokens of each row as hex bytes and ignores the note after them. A
    /// mistyped byte is dropped, which the length checks in ``STUNVectorTests`` then catch.
    static func bytes(_ table: String) -> [UInt8] {
        table.split(separator: "\n").flatMap { row in
            row.split(separator: " ").prefix(4).compactMap { UInt8($0, radix: 16) }
        }
    }

    /// §2.1 Sample Request. SOFTWARE "STUN test client", USERNAME "evtj:h6vY" padded with spaces.
    static let sampleRequest = bytes(
        """
        00 01 00 58     Request type and message length
        21 12 a4 42     Magic cookie
        b7 e7 a7 01  }
        bc 34 d6 86  }  Transaction ID
        fa 87 df ae  }
        80 22 00 10     SOFTWARE attribute header
        53 54 55 4e  }
        20 74 65 73  }  User-agent...
        74 20 63 6c  }  ...name
        69 65 6e 74  }
        00 24 00 04     PRIORITY attribute header
        6e 00 01 ff     ICE priority value
        80 29 00 08     ICE-CONTROLLED attribute header
        93 2f f9 b1  }  Pseudo-random tie breaker...
        51 26 3b 36  }   ...for ICE control
        00 06 00 09     USERNAME attribute header
        65 76 74 6a  }
        3a 68 36 76  }  Username (9 bytes) and padding (3 bytes)
        59 20 20 20  }
        00 08 00 14     MESSAGE-INTEGRITY attribute header
        9a ea a7 0c  }
        bf d8 cb 56  }
        78 1e f2 b5  }  HMAC-SHA1 fingerprint
        b2 d3 f2 49  }
        c1 b5 71 a2  }
        80 28 00 04     FINGERPRINT attribute header
        e5 7a 3b cf     CRC32 fingerprint
        """
    )

    /// §2.2 Sample IPv4 Response: 192.0.2.1 port 32853, SOFTWARE "test vector" padded with a space.
    static let ipv4Response = bytes(
        """
        01 01 00 3c     Response type and message length
        21 12 a4 42     Magic cookie
        b7 e7 a7 01  }
        bc 34 d6 86  }  Transaction ID
        fa 87 df ae  }
        80 22 00 0b     SOFTWARE attribute header
        74 65 73 74  }
        20 76 65 63  }  UTF-8 server name
        74 6f 72 20  }
        00 20 00 08     XOR-MAPPED-ADDRESS attribute header
        00 01 a1 47     Address family (IPv4) and xor'd mapped port number
        e1 12 a6 43     Xor'd mapped IPv4 address
        00 08 00 14     MESSAGE-INTEGRITY attribute header
        2b 91 f5 99  }
        fd 9e 90 c3  }
        8c 74 89 f9  }  HMAC-SHA1 fingerprint
        2a f9 ba 53  }
        f0 6b e7 d7  }
        80 28 00 04     FINGERPRINT attribute header
        c0 7d 4c 96     CRC32 fingerprint
        """
    )

    /// §2.3 Sample IPv6 Response: 2001:db8:1234:5678:11:2233:4455:6677 port 32853.
    static let ipv6Response = bytes(
        """
        01 01 00 48     Response type and message length
        21 12 a4 42     Magic cookie
        b7 e7 a7 01  }
        bc 34 d6 86  }  Transaction ID
        fa 87 df ae  }
        80 22 00 0b     SOFTWARE attribute header
        74 65 73 74  }
        20 76 65 63  }  UTF-8 server name
        74 6f 72 20  }
        00 20 00 14     XOR-MAPPED-ADDRESS attribute header
        00 02 a1 47     Address family (IPv6) and xor'd mapped port number
        01 13 a9 fa  }
        a5 d3 f1 79  }  Xor'd mapped IPv6 address
        bc 25 f4 b5  }
        be d2 b9 d9  }
        00 08 00 14     MESSAGE-INTEGRITY attribute header
        a3 82 95 4e  }
        4b e6 7b f1  }
        17 84 c9 7c  }  HMAC-SHA1 fingerprint
        82 92 c2 75  }
        bf e3 ed 41  }
        80 28 00 04     FINGERPRINT attribute header
        c8 fb 0b 4c     CRC32 fingerprint
        """
    )

    /// §2.4 Sample Request with Long-Term Authentication; zero padding and no FINGERPRINT.
    static let longTermRequest = bytes(
        """
        00 01 00 60     Request type and message length
        21 12 a4 42     Magic cookie
        78 ad 34 33  }
        c6 ad 72 c0  }  Transaction ID
        29 da 41 2e  }
        00 06 00 12     USERNAME attribute header
        e3 83 9e e3  }
        83 88 e3 83  }
        aa e3 83 83  }  Username value (18 bytes) and padding (2 bytes)
        e3 82 af e3  }
        82 b9 00 00  }
        00 15 00 1c     NONCE attribute header
        66 2f 2f 34  }
        39 39 6b 39  }
        35 34 64 36  }
        4f 4c 33 34  }  Nonce value
        6f 4c 39 46  }
        53 54 76 79  }
        36 34 73 41  }
        00 14 00 0b     REALM attribute header
        65 78 61 6d  }
        70 6c 65 2e  }  Realm value (11 bytes) and padding (1 byte)
        6f 72 67 00  }
        00 08 00 14     MESSAGE-INTEGRITY attribute header
        f6 70 24 65  }
        6d d6 4a 3e  }
        02 b8 e0 71  }  HMAC-SHA1 fingerprint
        2e 85 c9 a2  }
        8c a8 96 66  }
        """
    )

    /// "マトリックス"; the RFC gives it as code points, unchanged by SASLprep.
    static let longTermUsername = "\u{30DE}\u{30C8}\u{30EA}\u{30C3}\u{30AF}\u{30B9}"
    /// "The\u{00AD}M\u{00AA}tr\u{2168}" after SASLprep, as the RFC states it.
    static let longTermPassword = "TheMatrIX"
    static let nonce = "f//499k954d6OL34oL9FSTvy64sA"
    static let realm = "example.org"

    static let all: [(name: String, bytes: [UInt8])] = [
        ("2.1", sampleRequest), ("2.2", ipv4Response), ("2.3", ipv6Response), ("2.4", longTermRequest),
    ]
}

@Suite struct STUNVectorTests {
    /// Guards the transcription: every row gave four bytes and the totals are the RFC's.
    @Test(arguments: zip(RFC5769.all.map(\.bytes), [108, 80, 92, 116]))
    func vectorsHaveTheRFCsLengths(bytes: [UInt8], total: Int) {
        #expect(bytes.count == total)
        #expect(Int(bytes[2]) << 8 | Int(bytes[3]) == total - 20)
    }

    @Test func sampleRequest() throws {
        let message = try STUNMessage(parsing: RFC5769.sampleRequest)
        #expect(message.messageClass == .request)
        #expect(message.method == .binding)
        #expect(message.transactionID == RFC5769.transactionID)
        #expect(message.software == "STUN test client")
        #expect(message.username == "evtj:h6vY")
        #expect(message.priority == 0x6e00_01ff)
        #expect(message.iceControlled == 0x932f_f9b1_5126_3b36)
        #expect(message.iceControlling == nil)
        #expect(!message.useCandidate)
        #expect(message.unknownComprehensionRequiredAttributes.isEmpty)
        #expect(message.attributes.map(\.type) == [.software, .priority, .iceControlled, .username, .messageIntegrity, .fingerprint])
        #expect(message.attributes.last == .fingerprint(0xe57a_3bcf))
        try message.verifyMessageIntegrity(key: .shortTerm(password: RFC5769.password))
        try message.verifyFingerprint()
        let wrong = #expect(throws: MediaError.self) {
            try message.verifyMessageIntegrity(key: .shortTerm(password: "VOkJxbRl1RmTxUk/WvJxBu"))
        }
        #expect(wrong?.code == .authenticationFailed)
    }

    @Test func ipv4Response() throws {
        let message = try STUNMessage(parsing: RFC5769.ipv4Response)
        #expect(message.messageClass == .successResponse)
        #expect(message.method == .binding)
        #expect(message.transactionID == RFC5769.transactionID)
        #expect(message.software == "test vector")
        let address = STUNAddress(ip: .v4(0xC000_0201), port: 32853)
        #expect(message.xorMappedAddress == address)
        #expect(message.xorMappedAddress?.description == "192.0.2.1:32853")
        try message.verifyMessageIntegrity(key: .shortTerm(password: RFC5769.password))
        try message.verifyFingerprint()
    }

    @Test func ipv6Response() throws {
        let message = try STUNMessage(parsing: RFC5769.ipv6Response)
        #expect(message.messageClass == .successResponse)
        #expect(message.software == "test vector")
        let address = STUNAddress(ip: .v6(high: 0x2001_0db8_1234_5678, low: 0x0011_2233_4455_6677), port: 32853)
        #expect(message.xorMappedAddress == address)
        #expect(message.xorMappedAddress?.description == "[2001:db8:1234:5678:11:2233:4455:6677]:32853")
        try message.verifyMessageIntegrity(key: .shortTerm(password: RFC5769.password))
        try message.verifyFingerprint()
    }

    @Test func longTermRequest() throws {
        let message = try STUNMessage(parsing: RFC5769.longTermRequest)
        #expect(message.messageClass == .request)
        #expect(message.transactionID == STUNTransactionID(high: 0x78ad_3433, low: 0xc6ad_72c0_29da_412e))
        #expect(message.username == RFC5769.longTermUsername)
        #expect(message.rawValue(of: .nonce).map(Array.init) == Array(RFC5769.nonce.utf8))
        #expect(message.rawValue(of: .realm).map(Array.init) == Array(RFC5769.realm.utf8))
        let key = STUNIntegrityKey.longTerm(
            username: RFC5769.longTermUsername,
            realm: RFC5769.realm,
            password: RFC5769.longTermPassword
        )
        try message.verifyMessageIntegrity(key: key)
        // The short-term reading of the same password must not pass.
        #expect(throws: MediaError.self) { try message.verifyMessageIntegrity(key: .shortTerm(password: RFC5769.longTermPassword)) }
        let noFingerprint = #expect(throws: MediaError.self) { try message.verifyFingerprint() }
        #expect(noFingerprint?.code == .missingAttribute)
        // An ICE-only agent does not understand long-term credentials, so it would answer 420.
        #expect(message.unknownComprehensionRequiredAttributes == [.nonce, .realm])
    }

    /// §2.4 pads with zeros, as this encoder does, so building it from its parts must give the
    /// RFC's bytes exactly, MESSAGE-INTEGRITY included.
    @Test func longTermRequestIsReproducedByTheEncoder() throws {
        let message = STUNMessage(
            .request,
            .binding,
            transactionID: STUNTransactionID(high: 0x78ad_3433, low: 0xc6ad_72c0_29da_412e),
            attributes: [
                .username(RFC5769.longTermUsername),
                .other(.nonce, Array(RFC5769.nonce.utf8)[...]),
                .other(.realm, Array(RFC5769.realm.utf8)[...]),
            ]
        )
        let key = STUNIntegrityKey.longTerm(username: RFC5769.longTermUsername, realm: RFC5769.realm, password: RFC5769.longTermPassword)
        #expect(try message.encoded(integrityKey: key, fingerprint: false) == RFC5769.longTermRequest)
    }

    /// §2.2 and §2.3 pad SOFTWARE with a space, so only the XOR-MAPPED-ADDRESS attribute can be
    /// compared byte for byte with what the encoder writes.
    @Test(arguments: [
        (RFC5769.ipv4Response, STUNAddress(ip: .v4(0xC000_0201), port: 32853), 36..<48),
        (RFC5769.ipv6Response, STUNAddress(ip: .v6(high: 0x2001_0db8_1234_5678, low: 0x0011_2233_4455_6677), port: 32853), 36..<60),
    ])
    func xorMappedAddressIsEncodedAsTheRFCShows(vector: [UInt8], address: STUNAddress, range: Range<Int>) throws {
        let message = STUNMessage(.successResponse, .binding, transactionID: RFC5769.transactionID, attributes: [.xorMappedAddress(address)])
        let encoded = try message.encoded(fingerprint: false)
        #expect(Array(encoded[20...]) == Array(vector[range]))
    }
}

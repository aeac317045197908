import Testing

@testable import MeetMedia

/// SRTP and SRTCP for both profiles. Ground truth: RFC 3711 Appendix B, and packets protected by libsrtp
/// 2 (through pylibsrtp 1.0.0, the library aiortc uses) from the same master key and salt: the first
/// packets straddle a sequence-number wrap, so the rollover counter is exercised too.
@Suite struct SRTPTests {
    static func bytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.filter { !$0.isWhitespace })
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
    }

    static let cmMaster = bytes("101112131415161718191a1b1c1d1e1f"), cmSalt = bytes("a0a1a2a3a4a5a6a7a8a9aaabacad")
    static let gcmMaster = bytes("101112131415161718191a1b1c1d1e1f"), gcmSalt = bytes("a0a1a2a3a4a5a6a7a8a9aaab")

    static let libsrtp: [SRTPProfile: (rtp: [(String, String)], rtcp: [(String, String)])] = [
        .aes128CMHMACSHA180: (
            [
                (
                    "8060fffe000003e8cafebabe68656c6c6f207372747020776f726c64",
                    "8060fffe000003e8cafebabe7efefe91eb8bb7e47e6d6e5b010a9832bfc2aa2be0bf60dba1ef"
                ),
                (
                    "80e0ffff00000488cafebabe000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031",
                    "80e0ffff00000488cafebabe660a78bb928a0773466eafa7a7f3078bce6b73b0928f190ce7b0e7b5ee78f4739138ae491a23feb5fef3b6359f3bf4a2c2801b384a63c6fcb41c6f22"
                ),
                (
                    "9060000000000528cafebabebede000110ab00006166746572207468652077726170",
                    "9060000000000528cafebabebede000110ab00004f1dc417e33c2775bba210b80631fd39d7f01e40823b232b"
                ),
                ("82600001000005c8cafebabe1111111122222222", "82600001000005c8cafebabe111111112222222207d4f9b16723a5e35ed3"),
            ],
            [
                (
                    "80c80006cafebabe000102030405060708090a0b0c0d0e0f10111213",
                    "80c80006cafebabe4c17fbad008c91e29cf74ad28ff8108e994ba7d280000001c675354544ab6c7c544f"
                ),
                (
                    "80c80006cafebabe000102030405060708090a0b0c0d0e0f10111213",
                    "80c80006cafebabec21d6040bbc3a9989dd682ba2ceb8defd02106f78000000240cd11eab39bc3e667df"
                ),
            ]
        ),
        .aeadAES128GCM: (
            [
                (
                    "8060fffe000003e8cafebabe68656c6c6f207372747020776f726c64",
                    "8060fffe000003e8cafebabe101c47510582c5057e786894b265c0645c21d3d3172127f90784ee5cec3534df"
                ),
                (
                    "80e0ffff00000488cafebabe000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031",
                    "80e0ffff00000488cafebabe628296ff1f4a9bde66ff66e70e5187e211fac6cc2ecbd393f20c395fb46fa22f80160f2265120e11d13c18e4f6e4f9c38943332c36bde7cb0996d4ce0d7f43d16127"
                ),
                (
                    "9060000000000528cafebabebede000110ab00006166746572207468652077726170",
                    "9060000000000528cafebabebede000110ab0000f0864d1bc18fc40dad739bf3a6999bc814359234c87f3656b7e084b46d89"
                ),
                ("82600001000005c8cafebabe1111111122222222", "82600001000005c8cafebabe11111111222222220f571169838d89c2e1f3386070458e1a"),
            ],
            [
                (
                    "80c80006cafebabe000102030405060708090a0b0c0d0e0f10111213",
                    "80c80006cafebabe7db45017914ade8d124402c4fefe634517480356cefef3592fd3cc2cd7991466c9ad7b7580000001"
                ),
                (
                    "80c80006cafebabe000102030405060708090a0b0c0d0e0f10111213",
                    "80c80006cafebabe52e17a2da525547523c3bc80a4d918f074156c261da064970e2be05f2eea8559d4de867880000002"
                ),
            ]
        ),
    ]

    static func context(_ profile: SRTPProfile) throws -> SRTPContext {
        profile == .aeadAES128GCM
            ? try SRTPContext(profile: profile, masterKey: gcmMaster, masterSalt: gcmSalt)
            : try SRTPContext(profile: profile, masterKey: cmMaster, masterSalt: cmSalt)
    }

    /// RFC 3711 Appendix B.3: session keys from a master key and salt.
    @Test func keyDerivationMatchesRFC3711() throws {
        let keys = try SRTPSessionKeys(
            profile: .aes128CMHMACSHA180,
            masterKey: Self.bytes("E1F97A0D3E018BE0D64FA32C06DE4139"),
            masterSalt: Self.bytes("0EC675AD498AFEEBB6960B3AABE6"),
            rtcp: false
        )
        #expect(keys.encryption.withUnsafeBytes { Array($0) } == Self.bytes("C61E7A93744F39EE10734AFE3FF7A087"))
        #expect(keys.salt == Self.bytes("30CBBC08863D8C85D49DB34A9AE1"))
        #expect(keys.authentication?.withUnsafeBytes { Array($0) } == Self.bytes("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4"))
    }

    @Test(arguments: SRTPProfile.allCases)
    func protectsExactlyLikeLibsrtp(profile: SRTPProfile) throws {
        var sender = try Self.context(profile)
        var receiver = try Self.context(profile)
        let vectors = try #require(Self.libsrtp[profile])
        for (plain, protected) in vectors.rtp {
            #expect(try sender.protectRTP(Self.bytes(plain)) == Self.bytes(protected))
            #expect(try receiver.unprotectRTP(Self.bytes(protected)) == Self.bytes(plain))
        }
        for (plain, protected) in vectors.rtcp {
            #expect(try sender.protectRTCP(Self.bytes(plain)) == Self.bytes(protected))
            #expect(try receiver.unprotectRTCP(Self.bytes(protected)) == Self.bytes(plain))
        }
    }

    @Test(arguments: SRTPProfile.allCases)
    func everyAlteredByteIsRejected(profile: SRTPProfile) throws {
        let vectors = try #require(Self.libsrtp[profile])
        for (_, protected) in vectors.rtp + vectors.rtcp {
            let packet = Self.bytes(protected)
            let isRTCP = packet[1] == 200
            // From byte 1 on: byte 0 holds the RTP version, whose change is rejected as malformed instead.
            for index in 1..<packet.count {
                var context = try Self.context(profile)
                var altered = packet
                altered[index] ^= 0x04
                #expect(throws: MediaError.self, "byte \(index)") {
                    if isRTCP { _ = try context.unprotectRTCP(altered) } else { _ = try context.unprotectRTP(altered) }
                }
            }
        }
    }

    @Test(arguments: SRTPProfile.allCases)
    func replaysAreRejected(profile: SRTPProfile) throws {
        let vectors = try #require(Self.libsrtp[profile])
        var receiver = try Self.context(profile)
        let packet = Self.bytes(vectors.rtp[0].1)
        _ = try receiver.unprotectRTP(packet)
        #expect(throws: MediaError.self) { _ = try receiver.unprotectRTP(packet) }
        let report = Self.bytes(vectors.rtcp[0].1)
        _ = try receiver.unprotectRTCP(report)
        #expect(throws: MediaError.self) { _ = try receiver.unprotectRTCP(report) }
    }

    @Test(arguments: SRTPProfile.allCases)
    func reorderedPacketsWithinTheWindowAreAcceptedAndOldOnesRefused(profile: SRTPProfile) throws {
        var sender = try Self.context(profile)
        var receiver = try Self.context(profile)
        var protected: [[UInt8]] = []
        for sequence in 0..<1_200 {
            let seq = UInt16(truncatingIfNeeded: 65_000 + sequence)
            let packet: [UInt8] = [0x80, 96, UInt8(seq >> 8), UInt8(truncatingIfNeeded: seq), 0, 0, 0, 1, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3]
            protected.append(try sender.protectRTP(packet))
        }
        // Deliver in pairs swapped, across the sequence-number wrap.
        for pair in stride(from: 0, to: 600, by: 2) {
            _ = try receiver.unprotectRTP(protected[pair + 1])
            _ = try receiver.unprotectRTP(protected[pair])
        }
        // Never delivered: 511 behind the newest is still inside the window, 512 behind is not.
        _ = try receiver.unprotectRTP(protected[1_199])
        _ = try receiver.unprotectRTP(protected[1_199 - 511])
        #expect(throws: MediaError.self) { _ = try receiver.unprotectRTP(protected[1_199 - 512]) }
    }

    @Test func rolloverEstimationFollowsRFC3711AppendixA() {
        let low = SRTPContext.ReceiveState(rollover: 5, highestSequence: 100)
        #expect(SRTPContext.estimateRollover(low, sequence: 200) == 5)
        #expect(SRTPContext.estimateRollover(low, sequence: 65_000) == 4)
        let high = SRTPContext.ReceiveState(rollover: 5, highestSequence: 65_000)
        #expect(SRTPContext.estimateRollover(high, sequence: 64_000) == 5)
        #expect(SRTPContext.estimateRollover(high, sequence: 10) == 6)
    }

    @Test func malformedInputIsAnErrorNotACrash() throws {
        var context = try Self.context(.aeadAES128GCM)
        for packet: [UInt8] in [
            [], [0x80], [0x80, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1], [0x40] + [UInt8](repeating: 0, count: 40),
            [0x9f, 96] + [UInt8](repeating: 0, count: 30),
        ] {
            #expect(throws: MediaError.self) { _ = try context.unprotectRTP(packet) }
            #expect(throws: MediaError.self) { _ = try context.unprotectRTCP(packet) }
        }
        #expect(throws: MediaError.self) { _ = try SRTPContext(profile: .aeadAES128GCM, masterKey: Self.cmMaster, masterSalt: Self.cmSalt) }
    }
}

import Crypto
import Testing

@testable import MeetMedia

/// The keyed BoringSSL AES-128-GCM context SRTP uses per session (decision 0008): the RFC 7714
/// vectors through the whole SRTP path, and byte-for-byte agreement with swift-crypto's `AES.GCM`.
@Suite struct SRTPGCMContextTests {
    static let bytes = SRTPTests.bytes

    /// RFC 7714 §16 and §17 give session keys, not a master key: "Quid pro quo" is the salt of both.
    static func rfc7714Context() throws -> SRTPContext {
        let key = bytes("000102030405060708090a0b0c0d0e0f")
        let salt = bytes("517569642070726f2071756f")
        return SRTPContext(
            profile: .aeadAES128GCM,
            rtpKeys: try SRTPSessionKeys(profile: .aeadAES128GCM, encryption: key, authentication: nil, salt: salt, rtcp: false),
            rtcpKeys: try SRTPSessionKeys(profile: .aeadAES128GCM, encryption: key, authentication: nil, salt: salt, rtcp: true)
        )
    }

    /// RFC 7714 §16.1.1: "Gallia est omnis divisa in partes tres", SSRC 0x5501a0b2, sequence 0xf17b, ROC 0.
    @Test func srtpMatchesRFC7714Section16() throws {
        let plain = Self.bytes("8040f17b8041f8d35501a0b2 47616c6c696120657374206f6d6e69732064697669736120696e207061727465732074726573")
        let protected = Self.bytes(
            """
            8040f17b8041f8d35501a0b2 f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a51c7d19b36de3adf8833
            899d7f27beb16a9152cf765ee4390cce
            """
        )
        var sender = try Self.rfc7714Context()
        var receiver = try Self.rfc7714Context()
        #expect(try sender.protectRTP(plain) == protected)
        #expect(try receiver.unprotectRTP(protected) == plain)
        // §16.1's IV, as the context builds it.
        let iv = sender.withGCMNonce(ssrc: 0x5501_a0b2, rollover: 0, sequence: 0xf17b) { Array($0) }
        #expect(iv == Self.bytes("51753c6580c2726f20718414"))
    }

    /// RFC 7714 §17.1: the sender report of SSRC "Mars" with SRTCP index 0x5d4 and the E flag set.
    @Test func srtcpMatchesRFC7714Section17() throws {
        let plain = Self.bytes(
            "81c8000d4d6172734e5450314e545032525450200000042a0000e9304c756e61deadbeefdeadbeefdeadbeefdeadbeefdeadbeef"
        )
        let protected = Self.bytes(
            """
            81c8000d4d617273 63e94885dcdab67ca727d7662f6b7e997ff5c0f76c06f32dc676a5f1730d6fda4ce09b4686303ded0bb9275bc84aa458
            96cf4d2fc5abf87245d9eade 800005d4
            """
        )
        var sender = try Self.rfc7714Context()
        sender.rtcpSenders[0x4d61_7273] = 0x5d3
        #expect(try sender.protectRTCP(plain) == protected)
        var receiver = try Self.rfc7714Context()
        #expect(try receiver.unprotectRTCP(protected) == plain)
    }

    /// Random keys, nonces, headers and payloads (empty ones too): the context seals exactly what
    /// swift-crypto seals, opens what swift-crypto sealed, and refuses every altered tag byte.
    @Test func agreesWithSwiftCryptoAESGCM() throws {
        var generator = SystemRandomNumberGenerator()
        for round in 0..<200 {
            let key = SymmetricKey(size: .bits128)
            let context = try SRTPGCMContext(key: key.withUnsafeBytes { Array($0) })
            let nonce = (0..<12).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let header = (0..<Int.random(in: 12...60, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let payloadLength = round < 4 ? round : Int.random(in: 0...1_400, using: &generator)
            let payload = (0..<payloadLength).map { _ in UInt8.random(in: 0...255, using: &generator) }

            let box = try AES.GCM.seal(payload, using: key, nonce: try AES.GCM.Nonce(data: nonce), authenticating: header)
            let expected = header + Array(box.ciphertext) + Array(box.tag)
            let sealed = try nonce.withUnsafeBufferPointer { try context.seal(header: header[...], payload: payload[...], nonce: $0) }
            #expect(sealed == expected, "round \(round), \(payloadLength) bytes")

            let opened = nonce.withUnsafeBufferPointer { context.open(header: header[...], body: expected[header.count...], nonce: $0) }
            #expect(opened == header + payload, "round \(round)")

            var forged = expected
            forged[forged.count - 1 - Int.random(in: 0..<16, using: &generator)] ^= 0x01
            #expect(nonce.withUnsafeBufferPointer { context.open(header: header[...], body: forged[header.count...], nonce: $0) } == nil)
            var otherHeader = header
            otherHeader[0] ^= 0x80
            #expect(nonce.withUnsafeBufferPointer { context.open(header: otherHeader[...], body: expected[header.count...], nonce: $0) } == nil)
        }
    }

    @Test func shortBodiesAndWrongKeysAreRefused() throws {
        #expect(throws: MediaError.self) { _ = try SRTPGCMContext(key: [UInt8](repeating: 1, count: 15)) }
        #expect(throws: MediaError.self) { _ = try SRTPGCMContext(key: [UInt8](repeating: 1, count: 32)) }
        let context = try SRTPGCMContext(key: [UInt8](repeating: 7, count: 16))
        let nonce = [UInt8](repeating: 0, count: 12)
        let header = [UInt8](repeating: 0x80, count: 12)
        for length in 0..<16 {
            let body = [UInt8](repeating: 0, count: length)
            #expect(nonce.withUnsafeBufferPointer { context.open(header: header[...], body: body[...], nonce: $0) } == nil)
        }
        #expect(throws: MediaError.self) {
            _ = try SRTPSessionKeys(
                profile: .aeadAES128GCM,
                encryption: [1, 2, 3],
                authentication: nil,
                salt: [UInt8](repeating: 0, count: 12),
                rtcp: false
            )
        }
    }
}

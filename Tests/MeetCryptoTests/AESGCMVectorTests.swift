import Crypto
import Testing

@testable import MeetCrypto

/// The AES-256-GCM configuration every envelope uses (256-bit key, 96-bit nonce, 128-bit tag), checked
/// against the AES-256 cases of the GCM specification's test vectors (McGrew & Viega, cases 13–16,
/// as used by NIST's GCM validation), and the envelope layout checked against the primitive.
@Suite struct AESGCMVectorTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        let name: String
        let key: String
        let nonce: String
        let plaintext: String
        let aad: String
        let ciphertext: String
        let tag: String
        var testDescription: String { name }
    }

    static let vectors = [
        Vector(
            name: "case 13",
            key: String(repeating: "00", count: 32),
            nonce: String(repeating: "00", count: 12),
            plaintext: "",
            aad: "",
            ciphertext: "",
            tag: "530f8afbc74536b9a963b4f1c4cb738b"
        ),
        Vector(
            name: "case 14",
            key: String(repeating: "00", count: 32),
            nonce: String(repeating: "00", count: 12),
            plaintext: String(repeating: "00", count: 16),
            aad: "",
            ciphertext: "cea7403d4d606b6e074ec5d3baf39d18",
            tag: "d0d1c8a799996bf0265b98b5d48ab919"
        ),
        Vector(
            name: "case 15",
            key: "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
            nonce: "cafebabefacedbaddecaf888",
            plaintext:
                "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
            aad: "",
            ciphertext:
                "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
            tag: "b094dac5d93471bdec1a502270e3cc6c"
        ),
        Vector(
            name: "case 16",
            key: "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
            nonce: "cafebabefacedbaddecaf888",
            plaintext:
                "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
            aad: "feedfacedeadbeeffeedfacedeadbeefabaddad2",
            ciphertext:
                "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
            tag: "76fc6ece0f4e1768cddf8853bb2d551b"
        ),
    ]

    static func bytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex)
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
    }

    @Test(arguments: vectors)
    func aes256GCMMatchesTheSpecification(vector: Vector) throws {
        let key = SymmetricKey(data: Self.bytes(vector.key))
        let box = try AES.GCM.seal(
            Self.bytes(vector.plaintext),
            using: key,
            nonce: try AES.GCM.Nonce(data: Self.bytes(vector.nonce)),
            authenticating: Self.bytes(vector.aad)
        )
        #expect(Array(box.ciphertext) == Self.bytes(vector.ciphertext))
        #expect(Array(box.tag) == Self.bytes(vector.tag))
        let opened = try AES.GCM.open(box, using: key, authenticating: Self.bytes(vector.aad))
        #expect(Array(opened) == Self.bytes(vector.plaintext))
    }

    /// An envelope is exactly `header | AES-256-GCM(plaintext, nonce from the header, AAD = context) | tag`.
    @Test func envelopeIsTheSpecifiedCompositionOfAESGCM() throws {
        let vector = Self.vectors[3]
        let key = SymmetricKey(data: Self.bytes(vector.key))
        let binding = Envelope.Binding(table: "chat_messages", column: "body", rowID: "row-1")
        let sealed = try Envelope.seal(Self.bytes(vector.plaintext), key: key, keyID: 0x0102_0304, binding: binding)
        #expect(sealed[0] == 1)
        #expect(Array(sealed[1..<5]) == [1, 2, 3, 4])
        let nonce = try AES.GCM.Nonce(data: sealed[5..<17])
        let expected = try AES.GCM.seal(
            Self.bytes(vector.plaintext),
            using: key,
            nonce: nonce,
            authenticating: binding.associatedData(header: sealed[0..<17])
        )
        #expect(Array(sealed[17...]) == Array(expected.ciphertext) + Array(expected.tag))
    }
}

import Testing

@testable import MeetCrypto

/// The CBOR decoder WebAuthn uses: the RFC 8949 Appendix A examples of the types it supports, the
/// malformed and unsupported inputs it must refuse, and seeded random mutations it must survive.
@Suite struct WebAuthnCBORTests {
    static func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    static func letters(_ text: String) -> CBOR { .text(text) }

    /// RFC 8949 Appendix A, integers, strings, arrays, maps and simple values (floats and tags excluded).
    static let vectors: [(String, CBOR)] = [
        ("00", .unsigned(0)), ("01", .unsigned(1)), ("0a", .unsigned(10)), ("17", .unsigned(23)), ("1818", .unsigned(24)),
        ("1819", .unsigned(25)), ("1864", .unsigned(100)), ("1903e8", .unsigned(1000)), ("1a000f4240", .unsigned(1_000_000)),
        ("1b000000e8d4a51000", .unsigned(1_000_000_000_000)), ("1bffffffffffffffff", .unsigned(UInt64.max)),
        ("3bffffffffffffffff", .negative(UInt64.max)), ("20", .negative(0)), ("29", .negative(9)), ("3863", .negative(99)),
        ("3903e7", .negative(999)), ("f4", .bool(false)), ("f5", .bool(true)), ("f6", .null), ("f7", .undefined),
        ("40", .bytes([])), ("4401020304", .bytes([1, 2, 3, 4])), ("60", .text("")), ("6161", .text("a")),
        ("6449455446", .text("IETF")), ("62225c", .text("\"\\")), ("62c3bc", .text("\u{00fc}")), ("63e6b0b4", .text("\u{6c34}")),
        ("64f0908591", .text("\u{10151}")), ("80", .array([])), ("83010203", .array([.unsigned(1), .unsigned(2), .unsigned(3)])),
        (
            "8301820203820405",
            .array([.unsigned(1), .array([.unsigned(2), .unsigned(3)]), .array([.unsigned(4), .unsigned(5)])])
        ),
        ("98190102030405060708090a0b0c0d0e0f101112131415161718181819", .array((1...25).map { .unsigned($0) })),
        ("a0", .map([])), ("a201020304", .map([CBORPair(.unsigned(1), .unsigned(2)), CBORPair(.unsigned(3), .unsigned(4))])),
        (
            "a26161016162820203",
            .map([CBORPair(letters("a"), .unsigned(1)), CBORPair(letters("b"), .array([.unsigned(2), .unsigned(3)]))])
        ),
        ("826161a161626163", .array([letters("a"), .map([CBORPair(letters("b"), letters("c"))])])),
        (
            "a56161614161626142616361436164614461656145",
            .map(["a", "b", "c", "d", "e"].map { CBORPair(letters($0), letters($0.uppercased())) })
        ),
    ]

    @Test func decodesTheRFC8949AppendixAExamples() throws {
        for (encoded, expected) in Self.vectors {
            #expect(try CBORDecoder().decode(Self.hex(encoded)) == expected, "\(encoded)")
            #expect(CBOREncoder.encode(expected) == Self.hex(encoded), "re-encoding \(encoded)")
        }
        #expect(CBOR.negative(999).int == -1000)
        #expect(CBOR.unsigned(UInt64.max).int == nil)
    }

    @Test(arguments: [
        // Floating-point numbers, tags and unassigned simple values are outside the supported subset.
        ("f90000", CBORError.unsupported("floating-point number")), ("fa47c35000", .unsupported("floating-point number")),
        ("fb3ff199999999999a", .unsupported("floating-point number")), ("c074323031332d30332d32315432303a30343a30305a", .unsupported("tag")),
        ("f0", .unsupported("simple value")), ("f8ff", .unsupported("simple value")),
        // Indefinite lengths (RFC 8949 §3.2) are refused.
        ("5f42010243030405ff", .indefiniteLength), ("7f657374726561646d696e67ff", .indefiniteLength), ("9fff", .indefiniteLength),
        ("bf61610161629f0203ffff", .indefiniteLength), ("ff", .indefiniteLength), ("1f", .indefiniteLength),
        // Reserved additional information.
        ("1c", .reservedAdditionalInfo), ("5d", .reservedAdditionalInfo), ("fe", .reservedAdditionalInfo),
        // Truncation anywhere.
        ("", .truncated), ("18", .truncated), ("1a0000", .truncated), ("44010203", .truncated), ("830102", .truncated),
        ("a101", .truncated), ("5bffffffffffffffff", .truncated), ("7a00010000", .truncated), ("8201", .truncated),
        // Lengths beyond the limits, before any allocation.
        ("9bffffffffffffffff", .tooLarge), ("bb0000000100000000", .tooLarge),
        // Content errors.
        ("0000", .trailingBytes), ("62c328", .invalidUTF8), ("a201020103", .duplicateKey), ("a26161016161f6", .duplicateKey),
    ])
    func refusesMalformedAndUnsupportedInput(encoded: String, error: CBORError) {
        #expect(throws: error) { try CBORDecoder().decode(Self.hex(encoded)) }
    }

    @Test func limitsNestingAndSize() throws {
        let deep = [UInt8](repeating: 0x81, count: 17) + [0x00]
        #expect(throws: CBORError.tooDeep) { try CBORDecoder().decode(deep) }
        _ = try CBORDecoder().decode(Array(deep.dropFirst()))
        #expect(throws: CBORError.tooLarge) { try CBORDecoder(maximumBytes: 8).decode(Self.hex("4a00000000000000000000")) }
        #expect(throws: CBORError.tooLarge) { try CBORDecoder(maximumCount: 2).decode(Self.hex("83010203")) }
    }

    @Test func decodePrefixReportsTheLengthUsed() throws {
        let (item, length) = try CBORDecoder().decodePrefix(Self.hex("8201020304")[...])
        #expect(item == .array([.unsigned(1), .unsigned(2)]))
        #expect(length == 3)
    }

    @Test func parsesCOSEKeysAndRefusesOthers() throws {
        // An Ed25519 COSE key with the RFC 8032 §7.1 test 1 public key.
        let edKey = Self.hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        let ed = CBOREncoder.encode(
            .map([
                CBORPair(.unsigned(1), .unsigned(1)), CBORPair(.unsigned(3), .negative(7)), CBORPair(.negative(0), .unsigned(6)),
                CBORPair(.negative(1), .bytes(edKey)),
            ])
        )
        let key = try COSEPublicKey(cbor: ed)
        #expect(key.algorithm == COSEPublicKey.edDSAAlgorithm)
        // RFC 8032 §7.1 test 1: the empty message's signature.
        let signature = Self.hex(
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        )
        #expect(key.isValidSignature(signature, for: []))
        #expect(!key.isValidSignature(signature, for: [0]))
        // An ES256 key whose point is not on the curve, an RSA key, and a key with the wrong curve.
        let offCurve = CBOREncoder.encode(
            .map([
                CBORPair(.unsigned(1), .unsigned(2)), CBORPair(.unsigned(3), .negative(6)), CBORPair(.negative(0), .unsigned(1)),
                CBORPair(.negative(1), .bytes([UInt8](repeating: 1, count: 32))), CBORPair(.negative(2), .bytes([UInt8](repeating: 2, count: 32))),
            ])
        )
        #expect(throws: WebAuthnError.self) { try COSEPublicKey(cbor: offCurve) }
        let rsa = CBOREncoder.encode(.map([CBORPair(.unsigned(1), .unsigned(3)), CBORPair(.unsigned(3), .negative(256))]))
        #expect(throws: WebAuthnError.self) { try COSEPublicKey(cbor: rsa) }
        let wrongCurve = CBOREncoder.encode(
            .map([
                CBORPair(.unsigned(1), .unsigned(1)), CBORPair(.unsigned(3), .negative(7)), CBORPair(.negative(0), .unsigned(5)),
                CBORPair(.negative(1), .bytes(edKey)),
            ])
        )
        #expect(throws: WebAuthnError.self) { try COSEPublicKey(cbor: wrongCurve) }
    }

    @Test func parsesAuthenticatorDataAndRefusesTrailingBytes() throws {
        let rpHash = [UInt8](repeating: 0xaa, count: 32)
        let plain = rpHash + [0x05, 0, 0, 1, 2]
        let data = try AuthenticatorData(plain)
        #expect(data.flags.contains(.userPresent) && data.flags.contains(.userVerified))
        #expect(data.signCount == 258)
        #expect(data.attestedCredential == nil)
        #expect(throws: WebAuthnError.self) { try AuthenticatorData(plain + [0]) }
        #expect(throws: WebAuthnError.self) { try AuthenticatorData(Array(plain.dropLast())) }
        // AT set but nothing follows; ED set with a non-map.
        #expect(throws: WebAuthnError.self) { try AuthenticatorData(rpHash + [0x41, 0, 0, 0, 0]) }
        #expect(throws: WebAuthnError.self) { try AuthenticatorData(rpHash + [0x81, 0, 0, 0, 0, 0x01]) }
        let extended = try AuthenticatorData(rpHash + [0x81, 0, 0, 0, 0, 0xa1, 0x61, 0x61, 0xf5])
        #expect(extended.extensions?["a"] == .bool(true))
    }

    /// SplitMix64: a small seeded generator, so a failing input can be reproduced from the seed.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
    }

    @Test(arguments: [UInt64(1), 2, 3, 0xdead_beef])
    func survivesSeededRandomMutations(seed: UInt64) {
        var random = SeededGenerator(state: seed)
        let credentialKey = CBOREncoder.encode(
            .map([
                CBORPair(.unsigned(1), .unsigned(2)), CBORPair(.unsigned(3), .negative(6)), CBORPair(.negative(0), .unsigned(1)),
                CBORPair(.negative(1), .bytes([UInt8](repeating: 7, count: 32))), CBORPair(.negative(2), .bytes([UInt8](repeating: 9, count: 32))),
            ])
        )
        let authData =
            [UInt8](repeating: 0x11, count: 32) + [0x45, 0, 0, 0, 1] + [UInt8](repeating: 0, count: 16) + [0, 4, 1, 2, 3, 4] + credentialKey
        let attestation = CBOREncoder.encode(
            .map([CBORPair(.text("fmt"), .text("none")), CBORPair(.text("attStmt"), .map([])), CBORPair(.text("authData"), .bytes(authData))])
        )
        let seeds = Self.vectors.map { Self.hex($0.0) } + [credentialKey, authData, attestation]
        for _ in 0..<5_000 {
            var input = seeds[Int.random(in: 0..<seeds.count, using: &random)]
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let position = input.isEmpty ? 0 : Int.random(in: 0..<input.count, using: &random)
                switch Int.random(in: 0..<5, using: &random) {
                case 0 where !input.isEmpty: input[position] = UInt8.random(in: 0...255, using: &random)
                case 1 where !input.isEmpty: input[position] ^= 1 << UInt8.random(in: 0..<8, using: &random)
                case 2: input.insert(UInt8.random(in: 0...255, using: &random), at: position)
                case 3 where !input.isEmpty: input.remove(at: position)
                default: input = Array(input.prefix(position))
                }
            }
            // Any outcome but a crash or a hang is acceptable.
            _ = try? CBORDecoder().decode(input)
            _ = try? CBORDecoder().decodePrefix(input[...])
            _ = try? AuthenticatorData(input)
            _ = try? COSEPublicKey(cbor: input)
            _ = try? WebAuthnRelyingParty(id: "example.com", origin: "https://example.com")
                .verifyRegistration(
                    clientDataJSON: Array(#"{"type":"webauthn.create","challenge":"AA","origin":"https://example.com"}"#.utf8),
                    attestationObject: input,
                    challenge: [0]
                )
        }
    }
}

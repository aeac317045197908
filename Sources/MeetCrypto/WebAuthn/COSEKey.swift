import Crypto

/// A credential public key in COSE_Key form (RFC 9052 §7, RFC 9053 §2): ES256 on P-256 or EdDSA on
/// Ed25519, the two algorithms DigitalMeet asks authenticators for.
public enum COSEPublicKey: Sendable {
    case es256(P256.Signing.PublicKey)
    case ed25519(Curve25519.Signing.PublicKey)

    /// COSE algorithm identifiers (IANA "COSE Algorithms").
    public static let es256Algorithm: Int64 = -7
    public static let edDSAAlgorithm: Int64 = -8

    public var algorithm: Int64 {
        switch self {
        case .es256: Self.es256Algorithm
        case .ed25519: Self.edDSAAlgorithm
        }
    }

    /// Parses the CBOR encoding of a COSE_Key. Anything but the exact key types, algorithms and curves
    /// supported is refused, as is a point that is not on the curve.
    public init(cbor bytes: [UInt8]) throws(WebAuthnError) {
        let item: CBOR
        do { item = try CBORDecoder(maximumDepth: 2, maximumBytes: 1024).decode(bytes) } catch { throw .malformed("credential public key: \(error)") }
        try self.init(item)
    }

    public init(_ item: CBOR) throws(WebAuthnError) {
        guard case .map = item, let kty = item[1]?.int, let alg = item[3]?.int, let crv = item[-1]?.int else {
            throw .unsupportedKey("a COSE key needs kty (1), alg (3) and crv (-1)")
        }
        switch (kty, alg, crv) {
        case (2, Self.es256Algorithm, 1):
            guard let x = item[-2]?.byteString, let y = item[-3]?.byteString, x.count == 32, y.count == 32 else {
                throw .unsupportedKey("an ES256 key needs 32-byte x (-2) and y (-3) coordinates")
            }
            do { self = .es256(try P256.Signing.PublicKey(x963Representation: [0x04] + x + y)) } catch {
                throw .unsupportedKey("the ES256 point is not on P-256")
            }
        case (1, Self.edDSAAlgorithm, 6):
            guard let x = item[-2]?.byteString, x.count == 32 else { throw .unsupportedKey("an EdDSA key needs a 32-byte x (-2)") }
            do { self = .ed25519(try Curve25519.Signing.PublicKey(rawRepresentation: x)) } catch {
                throw .unsupportedKey("the Ed25519 key is not valid")
            }
        default:
            throw .unsupportedKey("only ES256 (kty 2, alg -7, crv 1) and EdDSA (kty 1, alg -8, crv 6) keys are accepted")
        }
    }

    /// Checks a WebAuthn signature: ES256 signatures are ASN.1 DER (WebAuthn §6.5.6), EdDSA ones raw.
    public func isValidSignature(_ signature: [UInt8], for data: [UInt8]) -> Bool {
        switch self {
        case .es256(let key):
            guard let parsed = try? P256.Signing.ECDSASignature(derRepresentation: signature) else { return false }
            return key.isValidSignature(parsed, for: data)
        case .ed25519(let key):
            return signature.count == 64 && key.isValidSignature(signature, for: data)
        }
    }
}

import Crypto
import Foundation

/// Encrypts personal fields for storage and computes their blind indexes, with keys derived from the
/// master key ring. (Per-organisation data keys replace the derived field key with the key-ring work.)
public struct FieldProtection: Sendable {
    let keyRing: MasterKeyRing
    let fieldKeys: [UInt32: SymmetricKey]
    let blindIndexKey: SymmetricKey

    public init(keyRing: MasterKeyRing) {
        self.keyRing = keyRing
        self.fieldKeys = keyRing.keys.mapValues { MasterKeyRing.derive(from: $0, purpose: "field-encryption") }
        // The blind index must not change when the KEK is rotated, so it is tied to the oldest version.
        let oldest = keyRing.keys.min { $0.key < $1.key }?.value ?? keyRing.current
        self.blindIndexKey = MasterKeyRing.derive(from: oldest, purpose: "blind-index")
    }

    /// Encrypts a field value bound to its place.
    public func seal(_ value: String, binding: Envelope.Binding) throws -> [UInt8] {
        guard let key = fieldKeys[keyRing.currentVersion] else { throw EnvelopeError(.unknownKey, "no current field key") }
        return try Envelope.seal(Array(value.utf8), key: key, keyID: keyRing.currentVersion, binding: binding)
    }

    /// Decrypts a field value; throws `EnvelopeError` if it was altered, moved or is under an unknown key.
    public func open(_ envelope: [UInt8], binding: Envelope.Binding) throws -> String {
        let bytes = try Envelope.open(envelope, binding: binding) { fieldKeys[$0] }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw EnvelopeError(.authenticationFailed, "decrypted field is not UTF-8")
        }
        return text
    }

    /// HMAC-SHA256 of a normalised value under a key of its own, so equal values can be found without decrypting.
    public func blindIndex(_ normalizedValue: String, purpose: String) -> [UInt8] {
        var message = Array(purpose.utf8)
        message.append(0)
        message.append(contentsOf: normalizedValue.utf8)
        return Array(HMAC<SHA256>.authenticationCode(for: message, using: blindIndexKey))
    }
}

import Crypto
import Foundation

/// The one at-rest ciphertext format: `version(1) | keyID(4, big-endian) | nonce(12) | ciphertext | tag(16)`,
/// AES-256-GCM, with the header and the record's identity bound as associated data so a ciphertext
/// cannot be replayed into another row, column or table.
public enum Envelope {
    public static let formatVersion: UInt8 = 1
    static let headerCount = 1 + 4 + 12
    static let tagCount = 16

    /// Where a ciphertext belongs: it only opens in the same place.
    public struct Binding: Sendable, Hashable {
        public var table: String
        public var column: String
        public var rowID: String

        public init(table: String, column: String, rowID: String) {
            self.table = table
            self.column = column
            self.rowID = rowID
        }

        func associatedData(header: some Collection<UInt8>) -> [UInt8] {
            var data = Array("digitalmeet.envelope.v1".utf8)
            data.append(0)
            data.append(contentsOf: header)
            for part in [table, column, rowID] {
                let bytes = Array(part.utf8)
                data.append(contentsOf: withUnsafeBytes(of: UInt32(bytes.count).bigEndian, Array.init))
                data.append(contentsOf: bytes)
            }
            return data
        }
    }

    /// Encrypts `plaintext` under `key`, naming `keyID` in the header.
    public static func seal(_ plaintext: some DataProtocol, key: SymmetricKey, keyID: UInt32, binding: Binding) throws -> [UInt8] {
        let nonce = AES.GCM.Nonce()
        var header: [UInt8] = [formatVersion]
        header.append(contentsOf: withUnsafeBytes(of: keyID.bigEndian, Array.init))
        header.append(contentsOf: nonce)
        let box = try AES.GCM.seal(plaintext, using: key, nonce: nonce, authenticating: binding.associatedData(header: header))
        return header + box.ciphertext + box.tag
    }

    /// The key id named by a ciphertext, read before choosing the key to open it with.
    public static func keyID(of envelope: [UInt8]) throws -> UInt32 {
        guard envelope.count >= headerCount + tagCount else { throw EncryptionError(.truncated, "ciphertext is too short") }
        guard envelope[0] == formatVersion else {
            throw EncryptionError(.unsupportedVersion, "ciphertext format \(envelope[0]) is not supported")
        }
        return envelope[1..<5].reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// Decrypts, checking integrity and the binding; `keyForID` returns nil for a key the ring does not hold.
    public static func open(_ envelope: [UInt8], binding: Binding, keyForID: (UInt32) -> SymmetricKey?) throws -> [UInt8] {
        let keyID = try keyID(of: envelope)
        guard let key = keyForID(keyID) else { throw EncryptionError(.unknownKey, "key \(keyID) is not available") }
        do {
            let nonce = try AES.GCM.Nonce(data: envelope[5..<headerCount])
            let box = try AES.GCM.SealedBox(
                nonce: nonce,
                ciphertext: envelope[headerCount..<(envelope.count - tagCount)],
                tag: envelope[(envelope.count - tagCount)...]
            )
            let header = envelope[0..<headerCount]
            return Array(try AES.GCM.open(box, using: key, authenticating: binding.associatedData(header: header)))
        } catch {
            throw EncryptionError(.authenticationFailed, "ciphertext failed authentication (tampered, moved or wrong key)")
        }
    }
}

import Crypto
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The versioned key-encryption keys (KEKs) of a deployment, read from a key file or the environment,
/// never from the database. The highest version is the one new data keys are wrapped with.
public struct MasterKeyRing: Sendable {
    public let keys: [UInt32: SymmetricKey]
    public let currentVersion: UInt32
    public let current: SymmetricKey

    public init(keys: [UInt32: SymmetricKey]) throws {
        guard !keys.isEmpty else { throw EncryptionError(.malformed, "the key ring holds no key") }
        guard keys.values.allSatisfy({ $0.bitCount == 256 }) else { throw EncryptionError(.malformed, "every key must be 256 bits") }
        guard let (version, key) = keys.max(by: { $0.key < $1.key }) else {
            throw EncryptionError(.malformed, "the key ring holds no key")
        }
        self.keys = keys
        self.currentVersion = version
        self.current = key
    }

    private init(validatedKeys keys: [UInt32: SymmetricKey], currentVersion: UInt32) {
        self.keys = keys
        self.currentVersion = currentVersion
        self.current = keys[currentVersion] ?? SymmetricKey(size: .bits256)
    }

    /// Makes a ring with one fresh random key, version 1.
    public static func generate() -> MasterKeyRing {
        MasterKeyRing(validatedKeys: [1: SymmetricKey(size: .bits256)], currentVersion: 1)
    }

    /// This ring plus a fresh random key as the new current version.
    public func addingVersion() -> MasterKeyRing {
        var keys = self.keys
        let version = currentVersion + 1
        keys[version] = SymmetricKey(size: .bits256)
        return MasterKeyRing(validatedKeys: keys, currentVersion: version)
    }

    /// Parses the key file text: lines of `kek <version> <base64 key>`, `#` comments. A bare base64 key
    /// (the short form accepted from an environment variable) is version 1.
    public static func parse(_ text: String) throws -> MasterKeyRing {
        var keys: [UInt32: SymmetricKey] = [:]
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        let meaningful = lines.filter { !$0.isEmpty && !$0.hasPrefix("#") }
        if meaningful.count == 1, !meaningful[0].contains(" ") {
            return try MasterKeyRing(keys: [1: try decodeKey(meaningful[0], line: 1)])
        }
        for (index, line) in lines.enumerated() where !line.isEmpty && !line.hasPrefix("#") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count == 3, fields[0] == "kek", let version = UInt32(fields[1]), version > 0 else {
                throw EncryptionError(.malformed, "line \(index + 1) is not `kek <version> <base64 key>`")
            }
            guard keys[version] == nil else { throw EncryptionError(.malformed, "line \(index + 1) repeats version \(version)") }
            keys[version] = try decodeKey(String(fields[2]), line: index + 1)
        }
        return try MasterKeyRing(keys: keys)
    }

    private static func decodeKey(_ text: String, line: Int) throws -> SymmetricKey {
        guard let data = Data(base64Encoded: text), data.count == 32 else {
            throw EncryptionError(.malformed, "line \(line) does not hold a base64 256-bit key")
        }
        return SymmetricKey(data: data)
    }

    /// The key file text for this ring.
    public func serialized() -> String {
        var text = "# DigitalMeet master key ring (key-encryption keys). Keep it secret, mode 0600, and backed up:\n"
        text += "# without it nothing encrypted at rest can be read. Highest version is current.\n"
        for version in keys.keys.sorted() {
            guard let key = keys[version] else { continue }
            let encoded = key.withUnsafeBytes { Data($0).base64EncodedString() }
            text += "kek \(version) \(encoded)\n"
        }
        return text
    }

    /// Reads a key file, refusing one that group or others could read or write.
    public static func load(path: String) throws -> MasterKeyRing {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw EncryptionError(.unreadable, "cannot read key file \(path): \(String(cString: strerror(errno)))")
        }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw EncryptionError(
                .insecurePermissions,
                "key file \(path) has mode \(String(mode, radix: 8)); it must be readable by its owner only (chmod 600 \(path))"
            )
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw EncryptionError(.unreadable, "cannot read key file \(path)")
        }
        return try parse(text)
    }

    /// A purpose-specific subkey of a KEK (HKDF-SHA256), so no KEK is used directly for two jobs.
    public static func derive(from kek: SymmetricKey, purpose: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: kek,
            salt: Array("digitalmeet.kek-derivation.v1".utf8),
            info: Array(purpose.utf8),
            outputByteCount: 32
        )
    }
}

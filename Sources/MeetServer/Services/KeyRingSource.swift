import Foundation
import Logging
import MeetCrypto

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the master key ring comes from: the environment, an existing key file, or a new file on first start.
enum KeyRingSource {
    static func load(configuration: ServerConfiguration, logger: Logger) throws -> MasterKeyRing {
        if let text = configuration.masterKey {
            do {
                return try MasterKeyRing.parse(text)
            } catch let error as EncryptionError {
                throw ConfigurationError("DIGITALMEET_MASTER_KEY is not a valid key ring: \(error.reason)")
            }
        }
        let path = configuration.masterKeyFile
        if FileManager.default.fileExists(atPath: path) {
            do {
                return try MasterKeyRing.load(path: path)
            } catch let error as EncryptionError {
                throw ConfigurationError(error.reason)
            }
        }
        let ring = MasterKeyRing.generate()
        try DataDirectory.writeSecretFile(path, contents: ring.serialized())
        logger.notice("Generated a new master key; back it up, nothing encrypted at rest can be read without it", metadata: ["path": "\(path)"])
        return ring
    }

    /// Reads the ring again (a running server calls this when it meets a master key version it lacks).
    static func reload(configuration: ServerConfiguration) throws -> MasterKeyRing {
        if let text = configuration.masterKey { return try MasterKeyRing.parse(text) }
        return try MasterKeyRing.load(path: configuration.masterKeyFile)
    }

    /// Adds a new master key version to the key file (atomically, mode 0600) and returns the new ring.
    static func addVersion(configuration: ServerConfiguration) throws -> MasterKeyRing {
        guard configuration.masterKey == nil else {
            throw ConfigurationError(
                "the master key comes from DIGITALMEET_MASTER_KEY; add a line `kek <next version> <base64 key>` in your secret store, restart, then run `digitalmeet keys rewrap`"
            )
        }
        let path = configuration.masterKeyFile
        let ring = try MasterKeyRing.load(path: path).addingVersion()
        let temporary = "\(path).new"
        try? FileManager.default.removeItem(atPath: temporary)
        try DataDirectory.writeSecretFile(temporary, contents: ring.serialized())
        guard rename(temporary, path) == 0 else {
            throw ConfigurationError("cannot replace \(path): \(String(cString: strerror(errno)))")
        }
        return ring
    }
}

import Foundation
import Logging
import MeetCrypto

/// Where the master key ring comes from: the environment, an existing key file, or a new file on first start.
enum KeyRingSource {
    static func load(configuration: ServerConfiguration, logger: Logger) throws -> MasterKeyRing {
        if let text = configuration.masterKey {
            do {
                return try MasterKeyRing.parse(text)
            } catch let error as KeyFileError {
                throw ConfigurationError("DIGITALMEET_MASTER_KEY is not a valid key ring: \(error.reason)")
            }
        }
        let path = configuration.masterKeyFile
        if FileManager.default.fileExists(atPath: path) {
            do {
                return try MasterKeyRing.load(path: path)
            } catch let error as KeyFileError {
                throw ConfigurationError(error.reason)
            }
        }
        let ring = MasterKeyRing.generate()
        try DataDirectory.writeSecretFile(path, contents: ring.serialized())
        logger.notice("Generated a new master key; back it up, nothing encrypted at rest can be read without it", metadata: ["path": "\(path)"])
        return ring
    }
}

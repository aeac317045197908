import Foundation
import Logging
import MeetCore
import MeetCrypto
import MeetStore

/// The state a DigitalMeet deployment runs on: the configuration, the migrated database and the key
/// hierarchy. The server and the CLI's maintenance commands (`keys …`) open it the same way.
public struct Deployment: Sendable {
    public let configuration: ServerConfiguration
    public let store: Store
    public let masterKeys: MasterKeys
    public let dataKeys: DataKeyRing
    let logger: Logger

    /// Opens the data directory, key ring and database (migrating it), refusing unsafe key files.
    public static func open(configuration: ServerConfiguration, logger: Logger) async throws -> Deployment {
        try DataDirectory.ensurePrivateDirectory(configuration.dataDirectory)
        let ring = try KeyRingSource.load(configuration: configuration, logger: logger)
        let masterKeys = MasterKeys(ring) { try KeyRingSource.reload(configuration: configuration) }
        let store = try await Store.openMigrated(backend: configuration.database, logger: logger)
        let dataKeys = DataKeyRing(
            masterKeys: masterKeys,
            repository: FluentDataKeyRepository(store: store),
            events: LoggingKeyEventSink(logger: logger),
            policy: .init(maxKeyAge: configuration.maxDataKeyAge)
        )
        return Deployment(configuration: configuration, store: store, masterKeys: masterKeys, dataKeys: dataKeys, logger: logger)
    }

    public func close() async {
        await store.shutdown()
    }

    /// Re-encrypts the data of every retiring key.
    public func reencryptRetiringKeys() async throws -> [UInt32: Reencryptor.Outcome] {
        try await Reencryptor(store: store, ring: dataKeys, logger: logger).runAll()
    }
}

/// Writes key events to the log. The audit log will take them over through the same `KeyEventSink`.
struct LoggingKeyEventSink: KeyEventSink {
    let logger: Logger

    func record(_ event: KeyEvent) async {
        var metadata: Logger.Metadata = ["event": "\(event.action.rawValue)"]
        if let keyID = event.keyID { metadata["key_id"] = "\(keyID)" }
        if let scope = event.scope { metadata["scope"] = "\(scope)" }
        if !event.detail.isEmpty { metadata["detail"] = "\(event.detail)" }
        logger.notice("Key event", metadata: metadata)
    }
}

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
            events: AuditingKeyEventSink(logger: logger, audit: FluentAuditRepository(store: store)),
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

/// Writes key events to the log and the audit log: an organisation's data key events to its chain,
/// the rest to the system chain.
struct AuditingKeyEventSink: KeyEventSink {
    let logger: Logger
    let audit: any AuditRepository

    func record(_ event: KeyEvent) async {
        var metadata: Logger.Metadata = ["event": "\(event.action.rawValue)"]
        if let keyID = event.keyID { metadata["key_id"] = "\(keyID)" }
        if let scope = event.scope { metadata["scope"] = "\(scope)" }
        if !event.detail.isEmpty { metadata["detail"] = "\(event.detail)" }
        logger.notice("Key event", metadata: metadata)
        var organizationID: UUID?
        if case .organization(let id) = event.scope { organizationID = id }
        var details: [String: String] = [:]
        if let keyID = event.keyID { details["key_id"] = String(keyID) }
        if let scope = event.scope { details["scope"] = scope.kind }
        if !event.detail.isEmpty { details["reason"] = event.detail }
        do {
            try await audit.append([
                .now(
                    AuditAction(rawValue: event.action.rawValue),
                    organizationID: organizationID,
                    actorID: nil,
                    target: event.keyID.map { AuditTarget(type: "data_key", id: String($0)) },
                    details: details,
                    at: Date()
                )
            ])
        } catch {
            // Key operations must not fail because the audit write did; the failure is loud instead.
            logger.critical("Could not write a key event to the audit log", metadata: ["event": "audit.write_failed", "error": "\(error)"])
        }
    }
}

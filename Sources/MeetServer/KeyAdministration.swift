import Foundation
import MeetCore
import MeetCrypto
import MeetStore

/// The operator's key commands (`digitalmeet keys …`), over an open deployment.
public struct KeyAdministration: Sendable {
    let deployment: Deployment

    public init(deployment: Deployment) {
        self.deployment = deployment
    }

    /// Adds a master key version to the key file and re-wraps every data key with it. Data is not touched.
    public func rotateMasterKey() async throws -> (version: UInt32, rewrapped: Int) {
        let ring = try KeyRingSource.addVersion(configuration: deployment.configuration)
        deployment.masterKeys.replace(with: ring)
        await deployment.dataKeys.events.record(KeyEvent(action: .masterKeyRotated, detail: "master key version \(ring.currentVersion) added"))
        return (ring.currentVersion, try await deployment.dataKeys.rewrapAll())
    }

    /// Re-wraps data keys still wrapped by an older master key version.
    public func rewrap() async throws -> Int {
        try await deployment.dataKeys.rewrapAll()
    }

    /// Makes a new data key for the scope; with `reencrypt`, moves its data to the new key before returning.
    public func rotateDataKey(scope: KeyScope, reencrypt: Bool) async throws -> (old: UInt32?, new: UInt32, outcome: Reencryptor.Outcome?) {
        let (old, new) = try await deployment.dataKeys.rotate(scope: scope, reason: "rotation requested by an operator")
        guard reencrypt, let old else { return (old, new, nil) }
        let outcome = try await Reencryptor(store: deployment.store, ring: deployment.dataKeys, logger: deployment.logger).run(oldKeyID: old)
        return (old, new, outcome)
    }

    /// A table of the key hierarchy: master key versions and the data keys each wraps, then every data
    /// key with its scope, state, age, encryptions and the rows still encrypted under it.
    public func statusReport(now: Date = Date()) async throws -> String {
        let ring = deployment.masterKeys.ring
        let keys = try await FluentDataKeyRepository(store: deployment.store).allKeys()
        let rows = try await deployment.store.envelopeCountsByKey()
        let source = deployment.configuration.masterKey != nil ? "DIGITALMEET_MASTER_KEY" : deployment.configuration.masterKeyFile
        var lines = ["Master key ring (\(source)): current version \(ring.currentVersion)"]
        for version in ring.keys.keys.sorted() {
            let wrapped = keys.filter { $0.kekVersion == version && !$0.wrappedKey.isEmpty }.count
            lines.append("  version \(version): wraps \(wrapped) data key\(wrapped == 1 ? "" : "s")")
        }
        lines.append("")
        lines.append("Data keys: \(keys.count)")
        lines.append(
            "  "
                + ["KEY ID", "SCOPE", "PURPOSE", "STATE", "AGE", "ENCRYPTIONS", "ROWS"].enumerated()
                .map { $1.padding(toLength: Self.widths[$0], withPad: " ", startingAt: 0) }.joined(separator: " ")
        )
        for key in keys {
            let age = Int(now.timeIntervalSince(key.createdAt) / 86_400)
            let cells = [
                String(key.keyID), key.scope.description, key.purpose.rawValue, key.state.rawValue, "\(age)d",
                String(key.encryptionCount), String(rows[key.keyID, default: 0]),
            ]
            lines.append("  " + cells.enumerated().map { $1.padding(toLength: Self.widths[$0], withPad: " ", startingAt: 0) }.joined(separator: " "))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static let widths = [10, 50, 12, 9, 6, 12, 6]
}

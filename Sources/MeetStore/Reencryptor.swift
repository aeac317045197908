import FluentKit
import Foundation
import Logging
import MeetCore
import MeetCrypto
import SQLKit

/// Moves the data of a retiring key to its scope's active key, row by row, committing progress after
/// every batch so a crash or restart resumes where it stopped. When a final scan finds nothing left
/// under the old key, the key is retired and its material wiped.
public struct Reencryptor: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// Every row moved; the old key is retired.
        case finished(rowsReencrypted: Int64)
        /// Stopped early at the caller's request; running again resumes.
        case paused(rowsReencrypted: Int64)
    }

    let store: Store
    let ring: DataKeyRing
    let batchSize: Int
    let logger: Logger

    public init(store: Store, ring: DataKeyRing, batchSize: Int = 200, logger: Logger) {
        self.store = store
        self.ring = ring
        self.batchSize = batchSize
        self.logger = logger
    }

    /// Re-encrypts every retiring key's data. Returns the outcome per key.
    public func runAll() async throws -> [UInt32: Outcome] {
        var outcomes: [UInt32: Outcome] = [:]
        for record in try await FluentDataKeyRepository(store: store).allKeys() where record.state == .retiring {
            outcomes[record.keyID] = try await run(oldKeyID: record.keyID)
        }
        return outcomes
    }

    /// Re-encrypts the data of one retiring key. `stopAfterBatches` pauses early (tests use it to
    /// interrupt a rotation halfway).
    public func run(oldKeyID: UInt32, stopAfterBatches: Int? = nil) async throws -> Outcome {
        guard let old = try await FluentDataKeyRepository(store: store).key(id: oldKeyID), old.state == .retiring else {
            throw MeetError(.invalidInput, "data key \(oldKeyID) is not retiring")
        }
        let progress = try await loadProgress(oldKeyID: oldKeyID)
        var batches = 0
        for _ in 0..<3 {
            while progress.columnIndex < EncryptedColumn.all.count {
                let column = EncryptedColumn.all[progress.columnIndex]
                let page = try await store.envelopes(in: column, after: progress.lastRowID, limit: batchSize)
                guard let last = page.last else {
                    progress.columnIndex += 1
                    progress.lastRowID = nil
                    try await save(progress)
                    continue
                }
                for row in page where (try? Envelope.keyID(of: row.envelope)) == oldKeyID {
                    let binding = column.binding(rowID: row.id)
                    let plaintext = try await ring.open(row.envelope, binding: binding)
                    let fresh = try await ring.seal(plaintext, scope: old.scope, binding: binding)
                    // Compare-and-swap: a row changed meanwhile keeps its newer value.
                    try await store.sql.update(column.table)
                        .set(SQLIdentifier(column.column), to: Data(fresh))
                        .where("id", .equal, row.id)
                        .where(SQLIdentifier(column.column), .equal, Data(row.envelope))
                        .run()
                    progress.rowsReencrypted += 1
                }
                progress.lastRowID = last.id
                try await save(progress)
                batches += 1
                if let stopAfterBatches, batches >= stopAfterBatches {
                    return .paused(rowsReencrypted: progress.rowsReencrypted)
                }
            }
            // Every process re-reads its active key within the cache lifetime; only after that can the
            // final check be sure nobody still encrypts under the old key.
            try await waitForCachesToExpire(scope: old.scope)
            // Anything written under the old key while the pass ran is caught by another pass.
            if try await store.envelopeCountsByKey()[oldKeyID, default: 0] == 0 {
                let total = progress.rowsReencrypted
                try await ring.retire(keyID: oldKeyID)
                try await progress.delete(on: store.database)
                logger.notice("Re-encryption finished; old data key retired", metadata: ["key_id": "\(oldKeyID)", "rows": "\(total)"])
                return .finished(rowsReencrypted: total)
            }
            progress.columnIndex = 0
            progress.lastRowID = nil
            try await save(progress)
        }
        throw StoreError("data under key \(oldKeyID) kept appearing during re-encryption; will retry")
    }

    func waitForCachesToExpire(scope: KeyScope) async throws {
        guard let active = try await FluentDataKeyRepository(store: store).activeKey(scope: scope, purpose: .encryption) else { return }
        let safeAfter = active.createdAt.addingTimeInterval(ring.policy.cacheLifetime.timeInterval)
        let wait = safeAfter.timeIntervalSince(Date())
        if wait > 0 { try await Task.sleep(for: .seconds(wait)) }
    }

    func loadProgress(oldKeyID: UInt32) async throws -> ReencryptionProgressModel {
        if let existing = try await ReencryptionProgressModel.query(on: store.database).filter(\.$oldKeyID == Int64(oldKeyID)).first() {
            logger.info("Resuming re-encryption", metadata: ["key_id": "\(oldKeyID)", "rows_done": "\(existing.rowsReencrypted)"])
            return existing
        }
        let progress = ReencryptionProgressModel()
        progress.oldKeyID = Int64(oldKeyID)
        progress.columnIndex = 0
        progress.rowsReencrypted = 0
        try await progress.create(on: store.database)
        return progress
    }

    func save(_ progress: ReencryptionProgressModel) async throws {
        try await progress.save(on: store.database)
    }
}

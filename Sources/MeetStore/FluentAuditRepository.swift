import FluentKit
import Foundation
import MeetCore
import MeetCrypto
import SQLKit

/// `AuditRepository` over the store. Each chain's head row is locked (`FOR UPDATE` on PostgreSQL;
/// SQLite has one writer) while an entry is appended, so concurrent appends queue rather than fork the chain.
public struct FluentAuditRepository: AuditRepository {
    let store: Store

    public init(store: Store) {
        self.store = store
    }

    public func append(_ events: [AuditEvent]) async throws {
        guard !events.isEmpty else { return }
        try await store.write { database in try await Self.append(events, on: database) }
    }

    /// Appends inside the caller's transaction: per chain, the head row is created if needed and
    /// locked, the entries are chained onto it and inserted, and the head moves once.
    static func append(_ events: [AuditEvent], on database: any Database) async throws {
        let sql = try database.sqlDatabase()
        var chains: [String] = []
        var byChain: [String: [AuditEvent]] = [:]
        for event in events {
            let chain = AuditEntry.chain(of: event.organizationID)
            if byChain[chain] == nil { chains.append(chain) }
            byChain[chain, default: []].append(event)
        }
        for chain in chains {
            try await sql.insert(into: "audit_heads")
                .columns("chain", "sequence", "chain_hash")
                .values(SQLBind(chain), SQLBind(Int64(0)), SQLBind(Data(AuditChain.genesis)))
                .ignoringConflicts()
                .run()
            guard
                let row = try await sql.select().columns("sequence", "chain_hash").from("audit_heads")
                    .where("chain", .equal, chain).lockingClause(SQLLockingClause.update).first()
            else { throw StoreError("the audit chain \(chain) has no head row") }
            var head = (
                sequence: try row.decode(column: "sequence", as: Int64.self), chainHash: Array(try row.decode(column: "chain_hash", as: Data.self))
            )
            var entries: [AuditEntry] = []
            for event in byChain[chain] ?? [] {
                let entry = AuditChain.append(event, chain: chain, after: head)
                head = (entry.sequence, entry.chainHash)
                entries.append(entry)
            }
            // 14 values a row; 500 rows stay under SQLite's and PostgreSQL's bind limits.
            for start in stride(from: 0, to: entries.count, by: 500) {
                try await insert(entries[start..<min(start + 500, entries.count)], on: sql)
            }
            try await sql.update("audit_heads")
                .set("sequence", to: head.sequence)
                .set("chain_hash", to: Data(head.chainHash))
                .where("chain", .equal, chain)
                .run()
        }
    }

    static func insert(_ entry: AuditEntry, on sql: any SQLDatabase) async throws {
        try await insert([entry][...], on: sql)
    }

    static func insert(_ entries: ArraySlice<AuditEntry>, on sql: any SQLDatabase) async throws {
        guard !entries.isEmpty else { return }
        var insert = sql.insert(into: "audit_entries")
            .columns(
                "chain",
                "sequence",
                "occurred_at_ms",
                "action",
                "outcome",
                "organization_id",
                "actor_id",
                "target_type",
                "target_id",
                "address",
                "request_id",
                "details",
                "entry_hash",
                "chain_hash"
            )
        for entry in entries {
            let event = entry.event
            let details = String(decoding: try JSONEncoder.sorted.encode(event.details), as: UTF8.self)
            insert = insert.values(
                SQLBind(entry.chain),
                SQLBind(entry.sequence),
                SQLBind(AuditChain.milliseconds(event.occurredAt)),
                SQLBind(event.action.rawValue),
                SQLBind(event.outcome.rawValue),
                SQLBind(event.organizationID.map { $0.uuidString.lowercased() }),
                SQLBind(event.actorID.map { $0.uuidString.lowercased() }),
                SQLBind(event.target?.type),
                SQLBind(event.target?.id),
                SQLBind(event.address),
                SQLBind(event.requestID),
                SQLBind(details),
                SQLBind(Data(entry.entryHash)),
                SQLBind(Data(entry.chainHash))
            )
        }
        try await insert.run()
    }

    public func entries(chain: String, filter: AuditFilter) async throws -> [AuditEntry] {
        var query = try store.sql.select().column("*").from("audit_entries").where("chain", .equal, chain)
        if let action = filter.action {
            if action.hasSuffix(".") {
                // A prefix match without LIKE wildcards: the range [prefix, prefix + U+FFFF).
                query = query.where("action", .greaterThanOrEqual, action).where("action", .lessThan, action + "\u{FFFF}")
            } else {
                query = query.where("action", .equal, action)
            }
        }
        if let outcome = filter.outcome { query = query.where("outcome", .equal, outcome.rawValue) }
        if let actor = filter.actorID { query = query.where("actor_id", .equal, actor.uuidString.lowercased()) }
        if let since = filter.since { query = query.where("occurred_at_ms", .greaterThanOrEqual, AuditChain.milliseconds(since)) }
        if let until = filter.until { query = query.where("occurred_at_ms", .lessThan, AuditChain.milliseconds(until)) }
        if let before = filter.before { query = query.where("sequence", .lessThan, before) }
        return try await query.orderBy("sequence", .descending).limit(filter.limit).all().map(Self.entry)
    }

    public func entries(chain: String, after: Int64, limit: Int) async throws -> [AuditEntry] {
        try await store.sql.select().column("*").from("audit_entries")
            .where("chain", .equal, chain).where("sequence", .greaterThan, after)
            .orderBy("sequence").limit(limit).all().map(Self.entry)
    }

    public func heads() async throws -> [(chain: String, sequence: Int64, chainHash: [UInt8])] {
        try await store.sql.select().columns("chain", "sequence", "chain_hash").from("audit_heads").orderBy("chain").all().map { row in
            (
                try row.decode(column: "chain", as: String.self), try row.decode(column: "sequence", as: Int64.self),
                Array(try row.decode(column: "chain_hash", as: Data.self))
            )
        }
    }

    public func head(chain: String) async throws -> (sequence: Int64, chainHash: [UInt8])? {
        guard let row = try await store.sql.select().columns("sequence", "chain_hash").from("audit_heads").where("chain", .equal, chain).first()
        else {
            return nil
        }
        return (try row.decode(column: "sequence", as: Int64.self), Array(try row.decode(column: "chain_hash", as: Data.self)))
    }

    public func checkpoints(chain: String) async throws -> [AuditCheckpoint] {
        let keys = Dictionary(uniqueKeysWithValues: try await signingKeys().map { ($0.id, $0.publicKey) })
        return try await store.sql.select().column("*").from("audit_checkpoints").where("chain", .equal, chain).orderBy("sequence").all()
            .map { try Self.checkpoint($0, keys: keys) }
    }

    public func latestCheckpoint(chain: String) async throws -> AuditCheckpoint? {
        let keys = Dictionary(uniqueKeysWithValues: try await signingKeys().map { ($0.id, $0.publicKey) })
        return try await store.sql.select().column("*").from("audit_checkpoints").where("chain", .equal, chain)
            .orderBy("sequence", .descending).limit(1).first().map { try Self.checkpoint($0, keys: keys) }
    }

    public func addCheckpoint(_ checkpoint: AuditCheckpoint) async throws {
        try await store.sql.insert(into: "audit_checkpoints")
            .columns("chain", "sequence", "chain_hash", "signed_at_ms", "key_id", "signature")
            .values(
                SQLBind(checkpoint.chain),
                SQLBind(checkpoint.sequence),
                SQLBind(Data(checkpoint.chainHash)),
                SQLBind(AuditChain.milliseconds(checkpoint.signedAt)),
                SQLBind(checkpoint.keyID.uuidString.lowercased()),
                SQLBind(Data(checkpoint.signature))
            )
            .ignoringConflicts()
            .run()
    }

    public func signingKeys() async throws -> [AuditSigningKeyRecord] {
        try await store.sql.select().column("*").from("audit_signing_keys").orderBy("created_at_ms").all().map { row in
            guard let id = UUID(uuidString: try row.decode(column: "id", as: String.self)) else {
                throw StoreError("an audit signing key has a malformed id")
            }
            return AuditSigningKeyRecord(
                id: id,
                publicKey: Array(try row.decode(column: "public_key", as: Data.self)),
                privateKeyCiphertext: Array(try row.decode(column: "private_key_ciphertext", as: Data.self)),
                createdAt: Date(milliseconds: try row.decode(column: "created_at_ms", as: Int64.self)),
                retiredAt: try row.decode(column: "retired_at_ms", as: Int64?.self).map(Date.init(milliseconds:))
            )
        }
    }

    public func addSigningKey(_ key: AuditSigningKeyRecord) async throws {
        try await store.sql.insert(into: "audit_signing_keys")
            .columns("id", "public_key", "private_key_ciphertext", "created_at_ms", "retired_at_ms")
            .values(
                SQLBind(key.id.uuidString.lowercased()),
                SQLBind(Data(key.publicKey)),
                SQLBind(Data(key.privateKeyCiphertext)),
                SQLBind(AuditChain.milliseconds(key.createdAt)),
                SQLBind(key.retiredAt.map(AuditChain.milliseconds))
            )
            .run()
    }

    public func displayNames(of userIDs: Set<UUID>) async throws -> [UUID: String] {
        guard !userIDs.isEmpty else { return [:] }
        let users = try await UserModel.query(on: store.database).filter(\.$id ~~ Array(userIDs)).all()
        return Dictionary(uniqueKeysWithValues: users.compactMap { user in user.id.map { ($0, user.displayName) } })
    }

    static func entry(_ row: any SQLRow) throws -> AuditEntry {
        func uuid(_ column: String) throws -> UUID? {
            guard let text = try row.decode(column: column, as: String?.self) else { return nil }
            guard let id = UUID(uuidString: text) else { throw StoreError("audit column \(column) holds a malformed id") }
            return id
        }
        guard let outcome = AuditOutcome(rawValue: try row.decode(column: "outcome", as: String.self)) else {
            throw StoreError("an audit entry has an unknown outcome")
        }
        let targetType = try row.decode(column: "target_type", as: String?.self)
        let targetID = try row.decode(column: "target_id", as: String?.self)
        let detailsText = try row.decode(column: "details", as: String.self)
        let details = (try? JSONDecoder().decode([String: String].self, from: Data(detailsText.utf8))) ?? ["reason": "unreadable details"]
        var event = AuditEvent(
            action: AuditAction(rawValue: try row.decode(column: "action", as: String.self)),
            outcome: outcome,
            organizationID: try uuid("organization_id"),
            actorID: try uuid("actor_id"),
            target: targetType.flatMap { type in targetID.map { AuditTarget(type: type, id: $0) } },
            address: try row.decode(column: "address", as: String?.self),
            requestID: try row.decode(column: "request_id", as: String?.self),
            details: [:],
            occurredAt: Date(milliseconds: try row.decode(column: "occurred_at_ms", as: Int64.self))
        )
        // Stored details are taken as they are (not re-filtered), so an edited row shows up as a hash mismatch.
        event.restoreStoredDetails(details)
        return AuditEntry(
            chain: try row.decode(column: "chain", as: String.self),
            sequence: try row.decode(column: "sequence", as: Int64.self),
            event: event,
            entryHash: Array(try row.decode(column: "entry_hash", as: Data.self)),
            chainHash: Array(try row.decode(column: "chain_hash", as: Data.self))
        )
    }

    static func checkpoint(_ row: any SQLRow, keys: [UUID: [UInt8]]) throws -> AuditCheckpoint {
        guard let keyID = UUID(uuidString: try row.decode(column: "key_id", as: String.self)) else {
            throw StoreError("an audit checkpoint has a malformed key id")
        }
        return AuditCheckpoint(
            chain: try row.decode(column: "chain", as: String.self),
            sequence: try row.decode(column: "sequence", as: Int64.self),
            chainHash: Array(try row.decode(column: "chain_hash", as: Data.self)),
            signedAt: Date(milliseconds: try row.decode(column: "signed_at_ms", as: Int64.self)),
            keyID: keyID,
            publicKey: keys[keyID] ?? [],
            signature: Array(try row.decode(column: "signature", as: Data.self))
        )
    }
}

extension Date {
    init(milliseconds: Int64) {
        self.init(timeIntervalSince1970: TimeInterval(milliseconds) / 1000)
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

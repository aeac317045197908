import Foundation

/// An audit event as stored: its place in its chain and the hashes that pin it there.
public struct AuditEntry: Sendable, Equatable {
    /// `system` or an organisation id (lowercase): each organisation has its own chain, so it can be
    /// exported and verified without anyone else's records.
    public var chain: String
    /// 1, 2, 3 … without gaps within a chain.
    public var sequence: Int64
    public var event: AuditEvent
    /// SHA-256(0x00 ‖ the entry's canonical bytes).
    public var entryHash: [UInt8]
    /// SHA-256(0x01 ‖ previous chain hash ‖ entry hash); the first entry's previous hash is 32 zero bytes.
    public var chainHash: [UInt8]

    public init(chain: String, sequence: Int64, event: AuditEvent, entryHash: [UInt8], chainHash: [UInt8]) {
        self.chain = chain
        self.sequence = sequence
        self.event = event
        self.entryHash = entryHash
        self.chainHash = chainHash
    }

    public static let systemChain = "system"

    public static func chain(of organizationID: UUID?) -> String {
        organizationID.map { $0.uuidString.lowercased() } ?? systemChain
    }
}

/// A signed statement that a chain had `chainHash` after `sequence` entries.
public struct AuditCheckpoint: Sendable, Equatable {
    public var chain: String
    public var sequence: Int64
    public var chainHash: [UInt8]
    public var signedAt: Date
    public var keyID: UUID
    /// Ed25519 public key (raw, 32 bytes) of the signing key, as recorded with the key.
    public var publicKey: [UInt8]
    public var signature: [UInt8]

    public init(chain: String, sequence: Int64, chainHash: [UInt8], signedAt: Date, keyID: UUID, publicKey: [UInt8], signature: [UInt8]) {
        self.chain = chain
        self.sequence = sequence
        self.chainHash = chainHash
        self.signedAt = signedAt
        self.keyID = keyID
        self.publicKey = publicKey
        self.signature = signature
    }
}

/// What an audit list may be narrowed to.
public struct AuditFilter: Sendable, Equatable {
    /// An exact action, or a prefix when it ends with ".".
    public var action: String?
    public var outcome: AuditOutcome?
    public var actorID: UUID?
    public var since: Date?
    public var until: Date?
    /// Only entries with a smaller sequence (paging, newest first).
    public var before: Int64?
    public var limit: Int

    public init(
        action: String? = nil,
        outcome: AuditOutcome? = nil,
        actorID: UUID? = nil,
        since: Date? = nil,
        until: Date? = nil,
        before: Int64? = nil,
        limit: Int = 50
    ) {
        self.action = action
        self.outcome = outcome
        self.actorID = actorID
        self.since = since
        self.until = until
        self.before = before
        self.limit = min(max(limit, 1), 200)
    }
}

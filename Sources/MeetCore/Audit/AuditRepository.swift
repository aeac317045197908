import Foundation

/// Where audit entries are appended and read. Appends are serialised per chain; an action's own
/// repository call appends its audit entry in the same transaction (the `audit:` parameters).
public protocol AuditRepository: Sendable {
    /// Appends events that accompany no other write (a refused request, a failed sign-in to an unknown account).
    func append(_ events: [AuditEvent]) async throws
    /// Newest first.
    func entries(chain: String, filter: AuditFilter) async throws -> [AuditEntry]
    /// Up to `limit` entries with sequence > `after`, oldest first (verification and export).
    func entries(chain: String, after: Int64, limit: Int) async throws -> [AuditEntry]
    func heads() async throws -> [(chain: String, sequence: Int64, chainHash: [UInt8])]
    func head(chain: String) async throws -> (sequence: Int64, chainHash: [UInt8])?
    func checkpoints(chain: String) async throws -> [AuditCheckpoint]
    func latestCheckpoint(chain: String) async throws -> AuditCheckpoint?
    func addCheckpoint(_ checkpoint: AuditCheckpoint) async throws
    func signingKeys() async throws -> [AuditSigningKeyRecord]
    func addSigningKey(_ key: AuditSigningKeyRecord) async throws
    /// Display names of accounts, for showing actors.
    func displayNames(of userIDs: Set<UUID>) async throws -> [UUID: String]
}

/// An Ed25519 checkpoint-signing key: the private half sealed by the key ring (system scope).
public struct AuditSigningKeyRecord: Sendable, Equatable {
    public var id: UUID
    public var publicKey: [UInt8]
    public var privateKeyCiphertext: [UInt8]
    public var createdAt: Date
    public var retiredAt: Date?

    public init(id: UUID, publicKey: [UInt8], privateKeyCiphertext: [UInt8], createdAt: Date, retiredAt: Date? = nil) {
        self.id = id
        self.publicKey = publicKey
        self.privateKeyCiphertext = privateKeyCiphertext
        self.createdAt = createdAt
        self.retiredAt = retiredAt
    }
}

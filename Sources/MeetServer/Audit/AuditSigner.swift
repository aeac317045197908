import Crypto
import Foundation
import Logging
import MeetCore
import MeetCrypto
import MeetStore

/// Holds the Ed25519 key that signs audit checkpoints. The private key is stored sealed by the key
/// ring (system scope); a key is trusted only if its sealed private half opens with the key ring and
/// matches its recorded public half, so a key inserted by someone with database access alone is refused.
actor AuditSigner {
    let repository: any AuditRepository
    let dataKeys: DataKeyRing
    let logger: Logger
    private var current: (id: UUID, key: Curve25519.Signing.PrivateKey)?

    init(repository: any AuditRepository, dataKeys: DataKeyRing, logger: Logger) {
        self.repository = repository
        self.dataKeys = dataKeys
        self.logger = logger
    }

    static func binding(_ id: UUID) -> Envelope.Binding {
        Envelope.Binding(table: "audit_signing_keys", column: "private_key", rowID: id.uuidString.lowercased())
    }

    /// The signing key, created (and its creation audited) on first use.
    func signingKey() async throws -> (id: UUID, key: Curve25519.Signing.PrivateKey) {
        if let current { return current }
        for record in try await repository.signingKeys().reversed() where record.retiredAt == nil {
            if let key = try? await open(record) {
                current = (record.id, key)
                return (record.id, key)
            }
        }
        let key = Curve25519.Signing.PrivateKey()
        let id = UUID()
        let sealed = try await dataKeys.seal(key.rawRepresentation, scope: .system, binding: Self.binding(id))
        try await repository.addSigningKey(
            AuditSigningKeyRecord(id: id, publicKey: Array(key.publicKey.rawRepresentation), privateKeyCiphertext: sealed, createdAt: Date())
        )
        try await repository.append([
            .now(
                .keyCreated,
                organizationID: nil,
                actorID: nil,
                target: AuditTarget(type: "audit_signing_key", id: id.uuidString.lowercased()),
                details: ["scope": "audit checkpoints"],
                at: Date()
            )
        ])
        logger.notice("Created the audit checkpoint signing key", metadata: ["event": "key.created", "key_id": "\(id)"])
        current = (id, key)
        return (id, key)
    }

    private func open(_ record: AuditSigningKeyRecord) async throws -> Curve25519.Signing.PrivateKey {
        let raw = try await dataKeys.open(record.privateKeyCiphertext, binding: Self.binding(record.id))
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: raw)
        guard Array(key.publicKey.rawRepresentation) == record.publicKey else { throw AuditKeyMismatch() }
        return key
    }

    /// The public keys of every signing key the key ring vouches for.
    func trustedPublicKeys() async throws -> Set<[UInt8]> {
        var keys: Set<[UInt8]> = []
        for record in try await repository.signingKeys() {
            if (try? await open(record)) != nil { keys.insert(record.publicKey) }
        }
        return keys
    }

    /// Signs a checkpoint for every chain that grew since its last one (or only those `due` says).
    @discardableResult
    func checkpoint(now: Date = Date(), due: (_ grownBy: Int64, _ sinceLast: TimeInterval?) -> Bool = { grown, _ in grown > 0 }) async throws -> Int {
        var signed = 0
        for head in try await repository.heads() where head.sequence > 0 {
            let last = try await repository.latestCheckpoint(chain: head.chain)
            let grown = head.sequence - (last?.sequence ?? 0)
            guard grown > 0, due(grown, last.map { now.timeIntervalSince($0.signedAt) }) else { continue }
            let (id, key) = try await signingKey()
            try await repository.addCheckpoint(
                try AuditChain.checkpoint(chain: head.chain, sequence: head.sequence, chainHash: head.chainHash, signedAt: now, key: key, keyID: id)
            )
            signed += 1
        }
        return signed
    }
}

struct AuditKeyMismatch: Error {}

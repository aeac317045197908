import Foundation
import MeetCore
import MeetCrypto

/// The audit log as JSON lines, for a SIEM or a third party: a header naming the format and the
/// signing keys, every entry of the chain with its hashes, then every signed checkpoint. With
/// docs/audit.md, that is all anyone needs to recompute the chain and check the signatures.
struct AuditExport: Sendable {
    let repository: any AuditRepository
    let signer: AuditSigner
    static let pageSize = 1000

    struct Header: Encodable {
        let type = "header"
        let format = "digitalmeet-audit-v1"
        let chain: String
        let exportedAt: Date
        let entries: Int64
        let signingKeys: [Key]
        struct Key: Encodable {
            let id: UUID
            let publicKey: String
        }
    }

    struct Line: Encodable {
        let type = "entry"
        let chain: String
        let sequence: Int64
        /// ISO 8601 form of `occurredAtMs`, the hashed value, built from the integer so the two always agree.
        let occurredAt: String
        let occurredAtMs: Int64
        let action: String
        let outcome: String
        let organizationId: String?
        let actorId: String?
        let target: Target?
        let address: String?
        let requestId: String?
        let details: [String: String]
        let entryHash: String
        let chainHash: String
        struct Target: Encodable {
            let type: String
            let id: String
        }

        static func iso8601(milliseconds: Int64) -> String {
            let (seconds, remainder) = milliseconds.quotientAndRemainder(dividingBy: 1000)
            let whole = Date(timeIntervalSince1970: TimeInterval(seconds)).formatted(Date.ISO8601FormatStyle())  // …T01:36:05Z
            return String(whole.dropLast()) + String(format: ".%03lldZ", remainder)
        }

        init(_ entry: AuditEntry) {
            let event = entry.event
            chain = entry.chain
            sequence = entry.sequence
            occurredAtMs = AuditChain.milliseconds(event.occurredAt)
            occurredAt = Self.iso8601(milliseconds: occurredAtMs)
            action = event.action.rawValue
            outcome = event.outcome.rawValue
            organizationId = event.organizationID?.uuidString.lowercased()
            actorId = event.actorID?.uuidString.lowercased()
            target = event.target.map { Target(type: $0.type, id: $0.id) }
            address = event.address
            requestId = event.requestID
            details = event.details
            entryHash = entry.entryHash.hex
            chainHash = entry.chainHash.hex
        }
    }

    struct CheckpointLine: Encodable {
        let type = "checkpoint"
        let chain: String
        let sequence: Int64
        let chainHash: String
        let signedAtMs: Int64
        let keyId: UUID
        let publicKey: String
        let signature: String
    }

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted)))
        }
        return encoder
    }

    /// Calls `write` with each line (newline included), reading the chain a page at a time.
    func write(chain: String, to write: (String) async throws -> Void) async throws {
        let encoder = Self.encoder
        func line(_ value: some Encodable) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) + "\n" }
        let trusted = try await signer.trustedPublicKeys()
        let keys = try await repository.signingKeys().filter { trusted.contains($0.publicKey) }
        let head = try await repository.head(chain: chain)
        try await write(
            try line(
                Header(
                    chain: chain,
                    exportedAt: Date(),
                    entries: head?.sequence ?? 0,
                    signingKeys: keys.map { Header.Key(id: $0.id, publicKey: Data($0.publicKey).base64EncodedString()) }
                )
            )
        )
        var after: Int64 = 0
        while true {
            let page = try await repository.entries(chain: chain, after: after, limit: Self.pageSize)
            guard let last = page.last else { break }
            var text = ""
            for entry in page { text += try line(Line(entry)) }
            try await write(text)
            after = last.sequence
        }
        for checkpoint in try await repository.checkpoints(chain: chain) {
            try await write(
                try line(
                    CheckpointLine(
                        chain: checkpoint.chain,
                        sequence: checkpoint.sequence,
                        chainHash: checkpoint.chainHash.hex,
                        signedAtMs: AuditChain.milliseconds(checkpoint.signedAt),
                        keyId: checkpoint.keyID,
                        publicKey: Data(checkpoint.publicKey).base64EncodedString(),
                        signature: Data(checkpoint.signature).base64EncodedString()
                    )
                )
            )
        }
    }
}

/// Checks every chain (or one) from its first entry: hashes, sequence, signed checkpoints, head.
struct AuditVerification: Sendable {
    let repository: any AuditRepository
    let signer: AuditSigner

    struct ChainReport: Sendable {
        let chain: String
        let entries: Int64
        let checkpoints: Int
        let failure: AuditVerifier.Failure?
    }

    func verify(chain only: String? = nil, progress: (String, Int64) -> Void = { _, _ in }) async throws -> [ChainReport] {
        let trusted = try await signer.trustedPublicKeys()
        var reports: [ChainReport] = []
        for head in try await repository.heads() where only == nil || head.chain == only {
            var verifier = AuditVerifier(chain: head.chain, checkpoints: try await repository.checkpoints(chain: head.chain), trustedKeys: trusted)
            var after: Int64 = 0
            pages: while verifier.failure == nil {
                let page = try await repository.entries(chain: head.chain, after: after, limit: 5000)
                guard let last = page.last else { break }
                for entry in page where !verifier.add(entry) { break pages }
                after = last.sequence
                progress(head.chain, after)
            }
            let failure = verifier.finish(storedHead: (head.sequence, head.chainHash))
            reports.append(ChainReport(chain: head.chain, entries: verifier.entries, checkpoints: verifier.checkpointsVerified, failure: failure))
        }
        return reports
    }
}

extension [UInt8] {
    var hex: String { map { String(format: "%02x", $0) }.joined() }
}

import Foundation
import MeetCore

/// Walks one chain in sequence order and names the first entry that does not fit: an edited,
/// deleted, inserted or reordered row changes a sequence number or a hash. Checkpoints are checked
/// against the recomputed chain, so rewriting every later hash is caught by the first signed
/// checkpoint the forger cannot re-sign.
public struct AuditVerifier: Sendable {
    public struct Failure: Sendable, Equatable, CustomStringConvertible {
        public let chain: String
        /// The sequence number of the first entry (or checkpoint) that fails.
        public let sequence: Int64
        public let reason: String
        public var description: String { "chain \(chain), entry \(sequence): \(reason)" }
    }

    public let chain: String
    public private(set) var entries: Int64 = 0
    public private(set) var head: [UInt8] = AuditChain.genesis
    public private(set) var failure: Failure?
    /// Chain hashes at checkpointed sequences still to be matched, by sequence.
    private var expected: [Int64: [UInt8]] = [:]
    public private(set) var checkpointsVerified = 0

    /// `checkpoints`: every checkpoint recorded for the chain, and `trustedKeys`: the public keys a
    /// checkpoint may be signed with (the deployment's signing keys, or the ones a third party pinned).
    public init(chain: String, checkpoints: [AuditCheckpoint], trustedKeys: Set<[UInt8]>) {
        self.chain = chain
        for checkpoint in checkpoints.sorted(by: { $0.sequence < $1.sequence }) {
            guard checkpoint.chain == chain else { continue }
            guard trustedKeys.contains(checkpoint.publicKey) else {
                fail(checkpoint.sequence, "the checkpoint is signed by a key that is not one of the deployment's audit keys")
                return
            }
            guard AuditChain.isValid(checkpoint) else {
                fail(checkpoint.sequence, "the checkpoint's signature is not valid")
                return
            }
            expected[checkpoint.sequence] = checkpoint.chainHash
        }
    }

    /// Feeds the next stored entry. Returns false once a failure is found.
    @discardableResult
    public mutating func add(_ entry: AuditEntry) -> Bool {
        guard failure == nil else { return false }
        let sequence = entries + 1
        guard entry.chain == chain else {
            fail(entry.sequence, "the entry belongs to chain \(entry.chain)")
            return false
        }
        guard entry.sequence == sequence else {
            let reason =
                entry.sequence > sequence
                ? "entries \(sequence)…\(entry.sequence - 1) are missing (deleted)"
                : "entry \(entry.sequence) appears again or out of order (inserted or reordered)"
            fail(min(entry.sequence, sequence), reason)
            return false
        }
        let entryHash = AuditChain.entryHash(chain: chain, sequence: sequence, event: entry.event)
        guard entryHash == entry.entryHash else {
            fail(sequence, "the entry's content does not match its hash (edited)")
            return false
        }
        let chainHash = AuditChain.link(previous: head, entryHash: entryHash)
        guard chainHash == entry.chainHash else {
            fail(sequence, "the chain hash does not follow from the previous entry (inserted, deleted or reordered)")
            return false
        }
        if let signed = expected.removeValue(forKey: sequence) {
            guard signed == chainHash else {
                fail(sequence, "the chain differs from what a signed checkpoint recorded (history rewritten)")
                return false
            }
            checkpointsVerified += 1
        }
        head = chainHash
        entries = sequence
        return true
    }

    /// Call after the last entry: checks the stored head and that no checkpoint lies beyond the end.
    public mutating func finish(storedHead: (sequence: Int64, chainHash: [UInt8])?) -> Failure? {
        if failure == nil, let first = expected.keys.min() {
            fail(entries + 1, "a signed checkpoint covers entry \(first), but the chain ends at \(entries) (entries deleted from the end)")
        }
        if failure == nil, let storedHead, storedHead.sequence != entries || storedHead.chainHash != head {
            fail(entries + 1, "the chain's recorded head (entry \(storedHead.sequence)) does not match its last entry (entries deleted from the end)")
        }
        return failure
    }

    private mutating func fail(_ sequence: Int64, _ reason: String) {
        if failure == nil { failure = Failure(chain: chain, sequence: sequence, reason: reason) }
    }
}

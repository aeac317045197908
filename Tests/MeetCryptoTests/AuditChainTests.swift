import Crypto
import Foundation
import MeetCore
import MeetCrypto
import Testing

@Suite struct AuditChainTests {
    static func events(_ count: Int) -> [AuditEvent] {
        (0..<count).map { (index: Int) -> AuditEvent in
            let reason: String = "näive 🔐 " + String(index)
            let time = TimeInterval(1_764_000_000) + TimeInterval(index) * 1.0371
            return AuditEvent(
                action: index % 2 == 0 ? .signInSuccess : .policyUpdated,
                outcome: index % 3 == 0 ? .failure : .success,
                organizationID: UUID(uuidString: "5A3C0F4E-8C1B-4F6A-9D2E-1B7C3A9E0F11"),
                actorID: UUID(),
                target: .user(UUID()),
                address: "192.0.2.\(index % 250)",
                requestID: "req-\(index)",
                details: ["reason": reason, "role": "admin"],
                occurredAt: Date(timeIntervalSince1970: time)
            )
        }
    }

    static let chain = "5a3c0f4e-8c1b-4f6a-9d2e-1b7c3a9e0f11"

    static func build(_ count: Int) -> [AuditEntry] {
        var head: (sequence: Int64, chainHash: [UInt8]) = (0, AuditChain.genesis)
        return events(count).map { event in
            let entry = AuditChain.append(event, chain: chain, after: head)
            head = (entry.sequence, entry.chainHash)
            return entry
        }
    }

    static func verify(
        _ entries: [AuditEntry],
        checkpoints: [AuditCheckpoint] = [],
        keys: Set<[UInt8]> = [],
        head: (Int64, [UInt8])? = nil
    )
        -> AuditVerifier.Failure?
    {
        var verifier = AuditVerifier(chain: chain, checkpoints: checkpoints, trustedKeys: keys)
        for entry in entries where !verifier.add(entry) { break }
        return verifier.finish(storedHead: head ?? entries.last.map { ($0.sequence, $0.chainHash) })
    }

    @Test func theHashesFollowTheDocumentedConstruction() throws {
        let entry = Self.build(1)[0]
        let bytes = AuditChain.canonicalBytes(chain: Self.chain, sequence: 1, event: entry.event)
        #expect(bytes.first == 1)
        #expect(entry.entryHash == Array(SHA256.hash(data: [0] + bytes)))
        #expect(entry.chainHash == Array(SHA256.hash(data: [1] + AuditChain.genesis + entry.entryHash)))
        // Domain separation: the same bytes hashed as a link differ from the entry hash.
        #expect(entry.entryHash != Array(SHA256.hash(data: [1] + bytes)))
    }

    @Test func anIntactChainVerifies() {
        #expect(Self.verify(Self.build(50)) == nil)
    }

    @Test func everyFieldIsCoveredByTheHash() {
        let original = Self.build(1)[0]
        var mutations: [AuditEvent] = []
        var event = original.event
        event.action = .memberDisabled
        mutations.append(event)
        event = original.event
        event.outcome = .denied
        mutations.append(event)
        event = original.event
        event.actorID = UUID()
        mutations.append(event)
        event = original.event
        event.target = nil
        mutations.append(event)
        event = original.event
        event.address = "203.0.113.9"
        mutations.append(event)
        event = original.event
        event.requestID = nil
        mutations.append(event)
        event = original.event
        event.occurredAt = event.occurredAt.addingTimeInterval(0.001)
        mutations.append(event)
        event = original.event
        event.restoreStoredDetails(["reason": "edited"])
        mutations.append(event)
        event = original.event
        event.organizationID = nil
        mutations.append(event)
        for mutation in mutations {
            #expect(AuditChain.entryHash(chain: Self.chain, sequence: 1, event: mutation) != original.entryHash)
        }
        // Field boundaries are unambiguous: moving characters between adjacent strings changes the hash.
        var a = original.event
        a.target = AuditTarget(type: "ab", id: "c")
        var b = original.event
        b.target = AuditTarget(type: "a", id: "bc")
        #expect(AuditChain.entryHash(chain: Self.chain, sequence: 1, event: a) != AuditChain.entryHash(chain: Self.chain, sequence: 1, event: b))
    }

    @Test func anEditedEntryIsNamed() {
        var entries = Self.build(20)
        entries[11].event.action = .memberEnabled
        #expect(Self.verify(entries)?.sequence == 12)
    }

    @Test func aDeletedEntryIsNamed() {
        var entries = Self.build(20)
        entries.remove(at: 6)
        #expect(Self.verify(entries)?.sequence == 7)
    }

    @Test func anInsertedEntryIsNamed() {
        var entries = Self.build(20)
        var forged = entries[4]
        forged.event.action = .memberRoleChanged
        forged.sequence = 6
        forged.entryHash = AuditChain.entryHash(chain: Self.chain, sequence: 6, event: forged.event)
        forged.chainHash = AuditChain.link(previous: entries[4].chainHash, entryHash: forged.entryHash)
        entries.insert(forged, at: 5)
        // The forged entry fits; the next one no longer does.
        #expect(Self.verify(entries)?.sequence == 6)
    }

    @Test func reorderedEntriesAreNamed() {
        var entries = Self.build(20)
        entries.swapAt(8, 9)
        #expect(Self.verify(entries)?.sequence == 9)
        var renumbered = Self.build(20)
        (renumbered[8].sequence, renumbered[9].sequence) = (renumbered[9].sequence, renumbered[8].sequence)
        renumbered.swapAt(8, 9)
        #expect(Self.verify(renumbered)?.sequence == 9)
    }

    @Test func truncationIsCaughtByTheHeadAndByACheckpoint() throws {
        let entries = Self.build(20)
        let head = (entries[19].sequence, entries[19].chainHash)
        #expect(Self.verify(Array(entries.prefix(17)), head: head)?.sequence == 18)
        let key = Curve25519.Signing.PrivateKey()
        let checkpoint = try AuditChain.checkpoint(
            chain: Self.chain,
            sequence: 20,
            chainHash: entries[19].chainHash,
            signedAt: Date(),
            key: key,
            keyID: UUID()
        )
        // Even with the head row rewritten to match, the signed checkpoint beyond the end is noticed.
        let truncated = Array(entries.prefix(17))
        let failure = Self.verify(truncated, checkpoints: [checkpoint], keys: [Array(key.publicKey.rawRepresentation)])
        #expect(failure?.sequence == 18)
    }

    @Test func aRewrittenHistoryIsCaughtByTheFirstSignedCheckpoint() throws {
        let entries = Self.build(30)
        let key = Curve25519.Signing.PrivateKey()
        let keys: Set<[UInt8]> = [Array(key.publicKey.rawRepresentation)]
        let checkpoint = try AuditChain.checkpoint(
            chain: Self.chain,
            sequence: 20,
            chainHash: entries[19].chainHash,
            signedAt: Date(),
            key: key,
            keyID: UUID()
        )
        #expect(Self.verify(entries, checkpoints: [checkpoint], keys: keys) == nil)
        // A forger who knows the algorithm edits entry 5 and recomputes every later hash.
        var forged = entries
        forged[4].event.action = .memberEnabled
        var previous = forged[3].chainHash
        for index in 4..<forged.count {
            forged[index].entryHash = AuditChain.entryHash(chain: Self.chain, sequence: forged[index].sequence, event: forged[index].event)
            forged[index].chainHash = AuditChain.link(previous: previous, entryHash: forged[index].entryHash)
            previous = forged[index].chainHash
        }
        #expect(Self.verify(forged) == nil, "without checkpoints a consistent rewrite is undetectable")
        #expect(Self.verify(forged, checkpoints: [checkpoint], keys: keys)?.sequence == 20)
    }

    @Test func checkpointsFromUnknownKeysOrWithBadSignaturesAreRefused() throws {
        let entries = Self.build(5)
        let key = Curve25519.Signing.PrivateKey()
        var checkpoint = try AuditChain.checkpoint(
            chain: Self.chain,
            sequence: 5,
            chainHash: entries[4].chainHash,
            signedAt: Date(),
            key: key,
            keyID: UUID()
        )
        #expect(Self.verify(entries, checkpoints: [checkpoint], keys: [])?.reason.contains("not one of the deployment's") == true)
        checkpoint.signature[0] ^= 1
        #expect(Self.verify(entries, checkpoints: [checkpoint], keys: [checkpoint.publicKey])?.reason.contains("signature") == true)
    }
}

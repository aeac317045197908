// Throughput of encryption at rest, as the server uses it.
//
//   swift run -c release digitalmeet-crypto-bench
//
// Field: seal + open of a 40-byte value (an email address) through the data key ring, keys cached as
// in a running server (the database reservation every 1,024 encryptions is an in-memory map here, so
// this measures the cryptography, not the database). File: chunked AES-256-GCM over 64 KiB chunks.
import Crypto
import Foundation
import MeetCore
import MeetCrypto
import Synchronization

/// An in-memory key store: enough for the ring to run; the real one is PostgreSQL or SQLite.
final class MemoryKeys: DataKeyRepository {
    let keys = Mutex<[UInt32: DataKeyRecord]>([:])

    func activeKey(scope: KeyScope, purpose: DataKeyPurpose) async throws -> DataKeyRecord? {
        keys.withLock { $0.values.first { $0.scope == scope && $0.purpose == purpose && $0.state == .active } }
    }
    func key(id: UInt32) async throws -> DataKeyRecord? { keys.withLock { $0[id] } }
    func allKeys() async throws -> [DataKeyRecord] { keys.withLock { Array($0.values) } }
    func keys(scope: KeyScope) async throws -> [DataKeyRecord] { keys.withLock { $0.values.filter { $0.scope == scope } } }
    func insertActive(_ record: DataKeyRecord, replacing: UInt32?) async throws -> DataKeyRecord? {
        keys.withLock { keys in
            let previous = keys.values.first { $0.scope == record.scope && $0.purpose == record.purpose && $0.state == .active }
            if let previous { keys[previous.keyID]?.state = .retiring }
            keys[record.keyID] = record
            return previous
        }
    }
    func rewrap(keyID: UInt32, wrappedKey: [UInt8], kekVersion: UInt32) async throws {}
    func reserveEncryptions(keyID: UInt32, count: Int64) async throws -> Int64 {
        keys.withLock { keys in
            keys[keyID]?.encryptionCount += count
            return keys[keyID]?.encryptionCount ?? 0
        }
    }
    func setState(keyID: UInt32, to state: DataKeyState) async throws { keys.withLock { $0[keyID]?.state = state } }
}

struct NoEvents: KeyEventSink {
    func record(_ event: KeyEvent) async {}
}

nonisolated func measure(_ label: String, unit: String, amount: Double, _ body: () async throws -> Void) async throws {
    var samples: [Double] = []
    for _ in 0..<5 {
        let start = ContinuousClock.now
        try await body()
        let elapsed = ContinuousClock.now - start
        samples.append(amount / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
    }
    samples.sort()
    print(String(format: "%-44@ median %10.0f %@  (min %.0f, max %.0f)", label as NSString, samples[2], unit, samples[0], samples[4]))
}

/// Runs off the main actor, as request handlers do, so no await hops back to the main thread.
enum Bench {
    static func run() async throws {
        let ring = DataKeyRing(masterKeys: MasterKeys(.generate()), repository: MemoryKeys(), events: NoEvents())
        let scope = KeyScope.organization(UUID())
        let binding = Envelope.Binding(table: "users", column: "email", rowID: UUID().uuidString)
        let field = Array("ada.lovelace@analytical-engines.example".utf8)
        _ = try await ring.open(try await ring.seal(field, scope: scope, binding: binding), binding: binding)

        let fieldCount = 100_000
        try await measure("field seal+open (DataKeyRing, 40 B)", unit: "ops/s", amount: Double(fieldCount)) {
            for _ in 0..<fieldCount {
                let sealed = try await ring.seal(field, scope: scope, binding: binding)
                _ = try await ring.open(sealed, binding: binding)
            }
        }

        let key = SymmetricKey(size: .bits256)
        try await measure("field seal+open (Envelope only, 40 B)", unit: "ops/s", amount: Double(fieldCount)) {
            for _ in 0..<fieldCount {
                let sealed = try Envelope.seal(field, key: key, keyID: 1, binding: binding)
                _ = try Envelope.open(sealed, binding: binding) { _ in key }
            }
        }

        let piece = [UInt8](repeating: 0x5A, count: 64 * 1024)
        let fileBytes = 256 * 1024 * 1024
        var encrypted: [[UInt8]] = []
        try await measure("file seal (256 MiB in 64 KiB writes)", unit: "MB/s", amount: Double(fileBytes) / 1e6) {
            var sealer = try await ring.fileSealer(scope: scope, binding: binding, expectedBytes: fileBytes)
            encrypted = []
            for _ in 0..<(fileBytes / piece.count) { encrypted.append(try sealer.update(piece)) }
            encrypted.append(try sealer.finish())
        }
        try await measure("file open (256 MiB)", unit: "MB/s", amount: Double(fileBytes) / 1e6) {
            let first = encrypted[0] + encrypted[1]
            var opener = try await ring.fileOpener(header: Array(first.prefix(StreamEnvelope.headerCount)), binding: binding)
            var total = try opener.update(first.dropFirst(StreamEnvelope.headerCount)).count
            for chunk in encrypted.dropFirst(2) { total += try opener.update(chunk).count }
            total += try opener.finish().count
            precondition(total == fileBytes, "decrypted \(total) bytes")
        }
    }
}

try await Bench.run()

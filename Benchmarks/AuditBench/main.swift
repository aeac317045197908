// Audit log throughput: appends as the server makes them, and `audit verify` over a large chain.
//
//   swift run -c release digitalmeet-audit-bench [entries] [postgres-url]
//
// 1. Single appends: one entry per transaction (what a sign-in or an admin action costs), from 1
//    and from 8 concurrent writers on one chain.
// 2. Fill: `entries` (default 1,000,000) entries in transactions of 1,000.
// 3. Verify: read the chain in pages of 5,000 and recompute every hash, as `digitalmeet audit verify` does.
// SQLite in a temporary file by default; PostgreSQL when a URL is given.
import Foundation
import Logging
import MeetCore
import MeetCrypto
import MeetStore

let arguments = CommandLine.arguments
let total = arguments.count > 1 ? Int(arguments[1]) ?? 1_000_000 : 1_000_000
let postgres = arguments.count > 2 ? arguments[2] : nil
var logger = Logger(label: "audit-bench")
logger.logLevel = .error
let path = FileManager.default.temporaryDirectory.appendingPathComponent("audit-bench-\(UUID().uuidString).sqlite").path
let store = try Store(backend: postgres.map { .postgres(url: $0) } ?? .sqlite(path: path), logger: logger)
try await store.migrate()
if let mode = ProcessInfo.processInfo.environment["AUDIT_BENCH_SQLITE_JOURNAL"] {
    // For comparing journal modes (e.g. WAL) against the store's default.
    let sql = try store.sql
    try await sql.raw("PRAGMA journal_mode = \(unsafeRaw: mode)").run().get()
}
let repository = FluentAuditRepository(store: store)
let organization = UUID()
let chain = AuditEntry.chain(of: organization)

func event(_ index: Int) -> AuditEvent {
    AuditEvent(
        action: .signInSuccess,
        organizationID: organization,
        actorID: UUID(),
        target: .user(UUID()),
        address: "198.51.100.\(index % 250)",
        requestID: String(index, radix: 16),
        details: ["method": "totp", "stage": "active"],
        occurredAt: Date()
    )
}

func seconds(_ body: () async throws -> Void) async rethrows -> Double {
    let start = ContinuousClock.now
    try await body()
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

print("Backend: \(store.backend)")
let singles = 2000
let single = try await seconds {
    for index in 0..<singles { try await repository.append([event(index)]) }
}
print(String(format: "single appends, 1 writer:  %6.0f entries/s (%.2f ms each)", Double(singles) / single, single * 1000 / Double(singles)))
let concurrent = try await seconds {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for writer in 0..<8 {
            group.addTask { for index in 0..<(singles / 8) { try await repository.append([event(writer * 10_000 + index)]) } }
        }
        try await group.waitForAll()
    }
}
print(String(format: "single appends, 8 writers: %6.0f entries/s", Double(singles) / concurrent))
let fill = try await seconds {
    var index = 0
    while index < total {
        let batch = (index..<min(index + 1000, total)).map(event)
        try await repository.append(batch)
        index += batch.count
    }
}
print(String(format: "batched appends (1,000 per transaction): %.0f entries/s (%d entries in %.1f s)", Double(total) / fill, total, fill))
var verifier = AuditVerifier(chain: chain, checkpoints: [], trustedKeys: [])
let verify = try await seconds {
    var after: Int64 = 0
    while true {
        let page = try await repository.entries(chain: chain, after: after, limit: 5000)
        guard let last = page.last else { break }
        for entry in page where !verifier.add(entry) { break }
        after = last.sequence
    }
}
let failure = verifier.finish(storedHead: try await repository.head(chain: chain))
print(
    String(
        format: "verify: %lld entries in %.1f s (%.0f entries/s)%@",
        verifier.entries,
        verify,
        Double(verifier.entries) / verify,
        failure.map { " FAILED: \($0)" } ?? ", intact"
    )
)
let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
if size > 0 { print(String(format: "SQLite file: %.0f MB (%.0f bytes per entry)", Double(size) / 1e6, Double(size) / Double(verifier.entries))) }
await store.shutdown()
try? FileManager.default.removeItem(atPath: path)

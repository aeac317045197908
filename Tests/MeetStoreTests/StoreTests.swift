import Foundation
import MeetTestSupport
import Testing

@testable import MeetStore

@Suite struct StoreTests {
    @Test(arguments: TestDatabase.all)
    func migratesOnceAndIsIdempotent(database: TestDatabase) async throws {
        try await database.withStore { store, _ in
            try await store.migrate()
            try await store.migrate()
            #expect(try await store.appliedMigrations() == Store.migrations.map(\.name))
            try await store.ping()
        }
    }

    @Test func secondOpenOfTheSameSQLiteFileKeepsData() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dm-reopen-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let first = try Store(backend: .sqlite(path: path), logger: TestDatabase.logger)
        try await first.migrate()
        let repository = FluentOwnerSetupRepository(store: first)
        try await repository.replaceSetupToken(hash: Array(repeating: 1, count: 32), expiresAt: Date().addingTimeInterval(3600))
        await first.shutdown()

        let second = try Store(backend: .sqlite(path: path), logger: TestDatabase.logger)
        try await second.migrate()
        #expect(try await FluentOwnerSetupRepository(store: second).isSetupTokenRedeemable(hash: Array(repeating: 1, count: 32), now: Date()))
        await second.shutdown()
    }

    @Test func unreachablePostgresFailsPing() async throws {
        // Port 1 on loopback: nothing listens there, so the connection is refused at once.
        let store = try Store(backend: .postgres(url: "postgres://nobody@127.0.0.1:1/none?sslmode=disable"), logger: TestDatabase.logger)
        await #expect(throws: (any Error).self) { try await store.ping() }
        await store.shutdown()
    }

    @Test func malformedPostgresURLIsAClearError() {
        #expect(throws: StoreError.self) { try Store(backend: .postgres(url: "postgres://"), logger: TestDatabase.logger) }
    }
}

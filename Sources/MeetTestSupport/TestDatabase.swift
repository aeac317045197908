import Foundation
import Logging
import MeetStore
import SQLKit
import Testing

/// The databases the store and server tests run against: a fresh SQLite file always, and a fresh database on the
/// throwaway PostgreSQL server that `scripts/test` starts (`DIGITALMEET_TEST_POSTGRES_URL`).
public enum TestDatabase: String, CustomTestStringConvertible, Sendable {
    case sqlite
    case postgres

    public var testDescription: String { rawValue }

    public static var postgresURL: String? { ProcessInfo.processInfo.environment["DIGITALMEET_TEST_POSTGRES_URL"] }

    /// Both kinds where PostgreSQL is available. In CI its absence is a failure, not a skip.
    public static var all: [TestDatabase] {
        if postgresURL != nil { return [.sqlite, .postgres] }
        if ProcessInfo.processInfo.environment["CI"] != nil { return [.sqlite, .postgres] }
        return [.sqlite]
    }

    public static let logger: Logger = {
        var logger = Logger(label: "test.store")
        logger.logLevel = .critical
        return logger
    }()

    /// Runs `body` with a migrated store on a database nobody else uses, then removes it.
    public func withStore<T>(_ body: (Store, Store.Backend) async throws -> T) async throws -> T {
        let backend: Store.Backend
        let cleanup: () async throws -> Void
        switch self {
        case .sqlite:
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("dm-store-\(UUID().uuidString).sqlite").path
            backend = .sqlite(path: path)
            cleanup = { try? FileManager.default.removeItem(atPath: path) }
        case .postgres:
            let base = try #require(Self.postgresURL, "DIGITALMEET_TEST_POSTGRES_URL must be set when CI is set")
            let name = "dm_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())"
            let admin = try Store(backend: .postgres(url: base), logger: Self.logger)
            try await admin.sql.raw("CREATE DATABASE \(unsafeRaw: name)").run()
            await admin.shutdown()
            backend = .postgres(url: Self.replacingDatabase(in: base, with: name))
            cleanup = {
                let admin = try Store(backend: .postgres(url: base), logger: Self.logger)
                try await admin.sql.raw("DROP DATABASE IF EXISTS \(unsafeRaw: name) WITH (FORCE)").run()
                await admin.shutdown()
            }
        }
        let store = try Store(backend: backend, logger: Self.logger)
        do {
            try await store.migrate()
            let result = try await body(store, backend)
            await store.shutdown()
            try await cleanup()
            return result
        } catch {
            await store.shutdown()
            try? await cleanup()
            throw error
        }
    }

    static func replacingDatabase(in url: String, with name: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        components.path = "/\(name)"
        return components.string ?? url
    }
}

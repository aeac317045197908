import FluentKit
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLKit

/// The database behind DigitalMeet: SQLite by default, PostgreSQL in production, one migration list for both.
public final class Store: Sendable {
    /// Which database to use.
    public enum Backend: Sendable, Equatable, CustomStringConvertible {
        case sqlite(path: String)
        case postgres(url: String)

        public var description: String {
            switch self {
            case .sqlite(let path): "SQLite at \(path)"
            case .postgres: "PostgreSQL"
            }
        }
    }

    public let backend: Backend
    let databases: Databases
    let logger: Logger
    private let ownedGroup: MultiThreadedEventLoopGroup?
    private let eventLoopGroup: any EventLoopGroup

    /// Opens (but does not migrate) the database.
    public init(backend: Backend, logger: Logger) throws {
        self.backend = backend
        self.logger = logger
        switch backend {
        case .sqlite(let path):
            // One event loop means one SQLite connection: SQLite has a single writer, and a second
            // connection would only add SQLITE_BUSY failures.
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            ownedGroup = group
            eventLoopGroup = group
            databases = Databases(threadPool: .singleton, on: group)
            // Every query waits for that one connection; under a burst (or a loaded CI machine) the
            // default 10 s wait is too short to be an error worth showing anyone.
            databases.use(.sqlite(.file(path), connectionPoolTimeout: .seconds(60), sqlLogLevel: .trace), as: .sqlite)
        case .postgres(let url):
            ownedGroup = nil
            eventLoopGroup = MultiThreadedEventLoopGroup.singleton
            databases = Databases(threadPool: .singleton, on: eventLoopGroup)
            do {
                // Audited writes of one organisation queue on its audit chain's head row while holding a
                // connection; under a burst that wait can pass the driver's 10 s default.
                databases.use(
                    try .postgres(url: url, maxConnectionsPerEventLoop: 4, connectionPoolTimeout: .seconds(60), sqlLogLevel: .trace),
                    as: .psql
                )
            } catch {
                throw StoreError("the PostgreSQL URL is not valid (expected postgres://user:password@host:port/database)")
            }
        }
    }

    /// A database handle for one unit of work.
    var database: any Database {
        get throws {
            guard let database = databases.database(logger: logger, on: eventLoopGroup.any()) else {
                throw StoreError("the database connection is closed (the server is shutting down)")
            }
            return database
        }
    }

    public var sql: any SQLDatabase {
        get throws {
            guard let sql = try database as? any SQLDatabase else { throw StoreError("the database is not an SQL database") }
            return sql
        }
    }

    /// Runs `body` in a transaction. On SQLite it first turns `secure_delete` on, so deleted and
    /// overwritten content (wiped keys, erased rows) is zeroed in the file rather than left in free pages.
    func write<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        let isSQLite = if case .sqlite = backend { true } else { false }
        return try await database.transaction { database in
            if isSQLite, let sql = database as? any SQLDatabase {
                try await sql.raw("PRAGMA secure_delete = ON").run()
            }
            return try await body(database)
        }
    }

    /// Whether SQLite's `secure_delete` is on for the store's connection (always true for PostgreSQL,
    /// which has no such setting and relies on crypto-shredding alone).
    public func secureDeleteEnabled() async throws -> Bool {
        guard case .sqlite = backend else { return true }
        return try await write { database in
            guard let sql = database as? any SQLDatabase, let row = try await sql.raw("PRAGMA secure_delete").first() else { return false }
            return try row.decode(column: "secure_delete", as: Int.self) == 1
        }
    }

    /// Applies every migration not yet applied. Safe to run on every start.
    public func migrate() async throws {
        let migrations = Migrations()
        for migration in Self.migrations { migrations.add(migration) }
        let migrator = Migrator(databases: databases, migrations: migrations, logger: logger, on: eventLoopGroup.any())
        try await migrator.setupIfNeeded().get()
        try await migrator.prepareBatch().get()
    }

    /// Names of the migrations that have been applied, in order.
    public func appliedMigrations() async throws -> [String] {
        try await sql.select().column("name").from("_fluent_migrations").orderBy("batch").orderBy("created_at").all()
            .map { try $0.decode(column: "name", as: String.self) }
    }

    static let migrations: [any Migration] = [
        CreateFoundationSchema(),
        CreateDataKeys(),
        CreateIdentitySchema(),
        CreateWebAuthnSchema(),
        CreateAuditSchema(),
        CreateMeetingSchema(),
        CreateChatArchive(),
        CreateSecurityReports(),
    ]

    /// Runs a trivial query; throws if the database cannot be reached.
    public func ping() async throws {
        _ = try await sql.raw("SELECT 1 AS ok").first()
    }

    /// Closes every connection.
    public func shutdown() async {
        await databases.shutdownAsync()
        try? await ownedGroup?.shutdownGracefully()
    }
}

/// A storage failure with a reason fit for an operator.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

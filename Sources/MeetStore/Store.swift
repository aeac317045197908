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
            databases.use(.sqlite(.file(path), sqlLogLevel: .trace), as: .sqlite)
        case .postgres(let url):
            ownedGroup = nil
            eventLoopGroup = MultiThreadedEventLoopGroup.singleton
            databases = Databases(threadPool: .singleton, on: eventLoopGroup)
            do {
                databases.use(try .postgres(url: url, maxConnectionsPerEventLoop: 4, sqlLogLevel: .trace), as: .psql)
            } catch {
                throw StoreError("the PostgreSQL URL is not valid (expected postgres://user:password@host:port/database)")
            }
        }
    }

    /// A database handle for one unit of work.
    var database: any Database {
        // `database(...)` is nil only after shutdown, which callers do not race with.
        databases.database(logger: logger, on: eventLoopGroup.any())!
    }

    var sql: any SQLDatabase {
        // Both configured drivers are SQL drivers.
        database as! any SQLDatabase
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
        CreateFoundationSchema()
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

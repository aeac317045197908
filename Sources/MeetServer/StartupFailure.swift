import Foundation
import Logging
import MeetStore
import NIOCore

/// Applies pending migrations without starting the server (`digitalmeet migrate`); returns the applied names.
public func migrateDatabase(configuration: ServerConfiguration, logger: Logger) async throws -> [String] {
    if case .sqlite = configuration.database { try DataDirectory.ensurePrivateDirectory(configuration.dataDirectory) }
    let store = try await Store.openMigrated(backend: configuration.database, logger: logger)
    do {
        let applied = try await store.appliedMigrations()
        await store.shutdown()
        return applied
    } catch {
        await store.shutdown()
        throw error
    }
}

/// An operator-readable sentence for an error that stopped the server from starting.
public func describeStartupFailure(_ error: any Error) -> String {
    switch error {
    case let error as StoreError:
        return error.reason
    case let error as MediaListenError:
        return error.description
    case let error as IOError where error.errnoCode == EADDRINUSE:
        return "cannot listen: the port is already in use by another program (\(error))"
    case let error as IOError where error.errnoCode == EACCES:
        return "cannot listen: permission denied; ports below 1024 need extra privileges (\(error))"
    default:
        return "stopped: \(String(describing: error))"
    }
}

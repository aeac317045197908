import FluentKit
import Foundation
import MeetCore
import SQLKit

/// `DataKeyRepository` over the store.
public struct FluentDataKeyRepository: DataKeyRepository {
    let store: Store

    public init(store: Store) {
        self.store = store
    }

    public func activeKey(scope: KeyScope, purpose: DataKeyPurpose) async throws -> DataKeyRecord? {
        try await DataKeyModel.query(on: store.database)
            .filter(\.$scope == scope.description)
            .filter(\.$purpose == purpose.rawValue)
            .filter(\.$state == DataKeyState.active.rawValue)
            .first()?.record()
    }

    public func key(id: UInt32) async throws -> DataKeyRecord? {
        try await DataKeyModel.query(on: store.database).filter(\.$keyID == Int64(id)).first()?.record()
    }

    public func allKeys() async throws -> [DataKeyRecord] {
        try await DataKeyModel.query(on: store.database).sort(\.$createdAt).all().map { try $0.record() }
    }

    public func keys(scope: KeyScope) async throws -> [DataKeyRecord] {
        try await DataKeyModel.query(on: store.database).filter(\.$scope == scope.description).sort(\.$createdAt).all().map { try $0.record() }
    }

    public func insertActive(_ record: DataKeyRecord, replacing: UInt32?) async throws -> DataKeyRecord? {
        do {
            return try await store.write { database in
                let previous = try await DataKeyModel.query(on: database)
                    .filter(\.$scope == record.scope.description)
                    .filter(\.$purpose == record.purpose.rawValue)
                    .filter(\.$state == DataKeyState.active.rawValue)
                    .first()
                guard previous.flatMap({ UInt32(exactly: $0.keyID) }) == replacing else {
                    throw MeetError(.conflict, "the scope's active key changed meanwhile")
                }
                if let previous {
                    previous.state = DataKeyState.retiring.rawValue
                    try await previous.save(on: database)
                }
                try await DataKeyModel(record).create(on: database)
                return try previous?.record()
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw MeetError(.conflict, "data key id or active key already exists")
        }
    }

    public func rewrap(keyID: UInt32, wrappedKey: [UInt8], kekVersion: UInt32) async throws {
        try await store.write { database in
            try await DataKeyModel.query(on: database)
                .filter(\.$keyID == Int64(keyID))
                .set(\.$wrappedKey, to: Data(wrappedKey))
                .set(\.$kekVersion, to: Int64(kekVersion))
                .update()
        }
    }

    public func reserveEncryptions(keyID: UInt32, count: Int64) async throws -> Int64 {
        try await store.write { database in
            guard let sql = database as? any SQLDatabase else { throw StoreError("the database is not an SQL database") }
            // One atomic increment: concurrent reservations on several nodes never hand out the same range.
            let rows = try await sql.update(DataKeyModel.schema)
                .set(SQLIdentifier("encryption_count"), to: SQLBinaryExpression(SQLIdentifier("encryption_count"), .add, SQLBind(count)))
                .where("key_id", .equal, Int64(keyID))
                .returning("encryption_count")
                .all()
            guard let row = rows.first else { throw StoreError("data key \(keyID) does not exist") }
            return try row.decode(column: "encryption_count", as: Int64.self)
        }
    }

    public func setState(keyID: UInt32, to state: DataKeyState) async throws {
        try await store.write { database in
            let query = DataKeyModel.query(on: database).filter(\.$keyID == Int64(keyID)).set(\.$state, to: state.rawValue)
            if state == .retired || state == .destroyed {
                // The material is gone for good; with SQLite's secure_delete the old bytes are overwritten.
                query.set(\.$wrappedKey, to: Data())
            }
            try await query.update()
        }
    }
}

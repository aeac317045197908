import FluentKit
import Foundation
import MeetCore
import MeetCrypto

/// Erasure by crypto-shredding: the data keys of what is erased are destroyed first, so even copies of
/// the ciphertext (free pages, replicas, backups taken without the key) can no longer be read; then the
/// rows are deleted.
public struct DataErasure: Sendable {
    let store: Store
    let ring: DataKeyRing

    public init(store: Store, ring: DataKeyRing) {
        self.store = store
        self.ring = ring
    }

    /// Erases one person's personal data. Returns the destroyed key ids.
    @discardableResult
    public func eraseUser(_ userID: UUID) async throws -> [UInt32] {
        let destroyed = try await ring.destroyKeys(scope: .user(userID))
        try await store.write { database in
            try await UserModel.query(on: database).filter(\.$id == userID).delete()
        }
        return destroyed
    }

    /// Erases an organisation: its keys, its members' personal keys, and every row.
    @discardableResult
    public func eraseOrganization(_ organizationID: UUID) async throws -> [UInt32] {
        let members = try await UserModel.query(on: store.database).filter(\.$organization.$id == organizationID).all().compactMap(\.id)
        var destroyed = try await ring.destroyKeys(scope: .organization(organizationID))
        for member in members {
            destroyed += try await ring.destroyKeys(scope: .user(member))
        }
        try await store.write { database in
            try await UserModel.query(on: database).filter(\.$organization.$id == organizationID).delete()
            try await database.sqlDatabase().delete(from: "chat_messages").where("organization_id", .equal, organizationID).run()
            try await database.sqlDatabase().delete(from: "security_reports").where("organization_id", .equal, organizationID).run()
            try await OrganizationModel.query(on: database).filter(\.$id == organizationID).delete()
        }
        return destroyed
    }
}

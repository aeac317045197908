import FluentKit
import Foundation
import MeetCore
import SQLKit

/// `OwnerSetupRepository` over the store.
public struct FluentOwnerSetupRepository: OwnerSetupRepository {
    let store: Store

    public init(store: Store) {
        self.store = store
    }

    public func hasOwner() async throws -> Bool {
        try await UserModel.query(on: store.database).filter(\.$role == OrganizationRole.owner.rawValue).count() > 0
    }

    public func replaceSetupToken(hash: [UInt8], expiresAt: Date) async throws {
        try await store.write { database in
            try await SetupTokenModel.query(on: database).filter(\.$usedAt == nil).delete()
            try await SetupTokenModel(tokenHash: Data(hash), expiresAt: expiresAt).create(on: database)
        }
    }

    public func isSetupTokenRedeemable(hash: [UInt8], now: Date) async throws -> Bool {
        try await SetupTokenModel.query(on: store.database)
            .filter(\.$tokenHash == Data(hash))
            .filter(\.$usedAt == nil)
            .filter(\.$expiresAt > now)
            .count() > 0
    }

    public func redeemSetupToken(hash: [UInt8], now: Date, owner: ProtectedOwner) async throws -> SetupRedemption {
        try await store.write { database in
            guard let sql = database as? any SQLDatabase else { throw StoreError("the database is not an SQL database") }
            // The conditional update is the single-use guarantee: of two concurrent redemptions only one
            // sees `used_at IS NULL`, whatever the isolation level.
            let claimed = try await sql.update(SetupTokenModel.schema)
                .set("used_at", to: now)
                .where("token_hash", .equal, Data(hash))
                .where("used_at", .is, SQLLiteral.null)
                .where("expires_at", .greaterThan, now)
                .returning("id")
                .all()
            guard !claimed.isEmpty else { return .invalidToken }
            guard try await UserModel.query(on: database).filter(\.$role == OrganizationRole.owner.rawValue).count() == 0 else {
                return .alreadySetUp
            }
            try await OrganizationModel(id: owner.organizationID, name: owner.organizationName).create(on: database)
            let user = UserModel()
            user.id = owner.userID
            user.$organization.id = owner.organizationID
            user.displayName = owner.displayName
            user.emailCiphertext = Data(owner.emailCiphertext)
            user.emailBlindIndex = Data(owner.emailBlindIndex)
            user.passwordHash = owner.passwordHash
            user.role = OrganizationRole.owner.rawValue
            user.failedLogins = 0
            user.emailVerifiedAt = now
            try await user.create(on: database)
            return .created(userID: owner.userID, organizationID: owner.organizationID)
        }
    }
}

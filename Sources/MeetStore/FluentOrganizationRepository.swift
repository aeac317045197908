import FluentKit
import Foundation
import MeetCore
import SQLKit

/// `OrganizationRepository` over the store.
public struct FluentOrganizationRepository: OrganizationRepository {
    let store: Store

    public init(store: Store) {
        self.store = store
    }

    public func organization(id: UUID) async throws -> OrganizationSecurity? {
        try await OrganizationModel.find(id, on: store.database).map { try $0.security() }
    }

    public func organizations() async throws -> [OrganizationSecurity] {
        try await OrganizationModel.query(on: store.database).sort(\.$createdAt).all().map { try $0.security() }
    }

    public func createOrganization(id: UUID, name: String, at: Date, audit: [AuditEvent]) async throws {
        try await store.write { database in
            try await OrganizationModel(id: id, name: name).create(on: database)
            try await FluentAuditRepository.append(audit, on: database)
        }
    }

    public func members(organizationID: UUID) async throws -> [UserAccount] {
        let database = try store.database
        let users = try await UserModel.query(on: database).filter(\.$organization.$id == organizationID).sort(\.$createdAt).all()
        let passkeys = try await WebAuthnCredentialModel.query(on: database).filter(\.$userID ~~ users.compactMap(\.id)).all()
        let counts = Dictionary(grouping: passkeys, by: \.userID).mapValues(\.count)
        return try users.map { user in
            var account = try user.account()
            account.passkeyCount = counts[account.id] ?? 0
            return account
        }
    }

    public func changeRole(userID: UUID, organizationID: UUID, to role: OrganizationRole, audit: [AuditEvent]) async throws -> Bool {
        try await store.write { database in
            guard let user = try await UserModel.find(userID, on: database), user.$organization.id == organizationID else { return false }
            if user.role == OrganizationRole.owner.rawValue, role != .owner {
                let owners = try await UserModel.query(on: database)
                    .filter(\.$organization.$id == organizationID)
                    .filter(\.$role == OrganizationRole.owner.rawValue)
                    .filter(\.$disabledAt == nil)
                    .count()
                guard owners > 1 else {
                    throw MeetError(.conflict, "An organisation needs at least one owner: make someone else owner first.")
                }
            }
            try await database.sqlDatabase().update(UserModel.schema).set("role", to: role.rawValue).where("id", .equal, userID).run()
            try await FluentAuditRepository.append(audit, on: database)
            return true
        }
    }

    public func updatePolicy(_ policy: OrganizationSecurity, audit: [AuditEvent]) async throws {
        try await store.write { database in
            guard let organization = try await OrganizationModel.find(policy.organizationID, on: database) else {
                throw MeetError(.notFound, "There is no such organisation.")
            }
            organization.requireMFA = policy.requireMFA
            organization.allowSignup = policy.allowSignup
            organization.sessionIdleSeconds = policy.sessionPolicy.idleTimeout.components.seconds
            organization.sessionAbsoluteSeconds = policy.sessionPolicy.absoluteTimeout.components.seconds
            organization.apply(meetings: policy.meetings)
            organization.chatRetentionDays = Int64(policy.retention.chatMessageDays)
            try await organization.update(on: database)
            try await FluentAuditRepository.append(audit, on: database)
        }
    }

    public func deleteInvitation(id: UUID, organizationID: UUID, audit: [AuditEvent]) async throws -> Bool {
        try await store.write { database in
            let removed = try await database.sqlDatabase().delete(from: InvitationModel.schema)
                .where("id", .equal, id)
                .where("organization_id", .equal, organizationID)
                .where("accepted_at", .is, SQLLiteral.null)
                .returning("id")
                .all()
            guard !removed.isEmpty else { return false }
            try await FluentAuditRepository.append(audit, on: database)
            return true
        }
    }
}

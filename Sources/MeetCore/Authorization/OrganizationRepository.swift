import Foundation

/// Storage for what organisation administrators change: organisations, roles, the security policy
/// and invitations. Each change appends its `audit` entries in the same transaction.
public protocol OrganizationRepository: Sendable {
    func organization(id: UUID) async throws -> OrganizationSecurity?
    func organizations() async throws -> [OrganizationSecurity]
    func createOrganization(id: UUID, name: String, at: Date, audit: [AuditEvent]) async throws
    /// Every account of the organisation, oldest first.
    func members(organizationID: UUID) async throws -> [UserAccount]
    /// Changes a member's role. Throws `conflict` rather than leave the organisation without an
    /// owner; false when there is no such member.
    func changeRole(userID: UUID, organizationID: UUID, to role: OrganizationRole, audit: [AuditEvent]) async throws -> Bool
    func updatePolicy(_ policy: OrganizationSecurity, audit: [AuditEvent]) async throws
    /// Deletes an open invitation; false when there is none with this id in the organisation.
    func deleteInvitation(id: UUID, organizationID: UUID, audit: [AuditEvent]) async throws -> Bool
}

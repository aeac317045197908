import Foundation
import Logging
import MeetCore
import MeetCrypto
import Metrics

/// What organisation administrators (and auditors, read-only) do: members and roles, disabling,
/// ending sessions, the security policy, invitations and the audit log. Every method starts with
/// `IdentityService.authorize`, and every change is audited in its own transaction.
struct OrganizationAdminService: Sendable {
    let identity: IdentityService
    let organizations: any OrganizationRepository
    let export: AuditExport
    let lockout: LockoutPolicy
    let logger: Logger
    /// Closes the live meeting connections of an account whose sessions were ended or that was disabled.
    let signOut: @Sendable (UUID) async -> Void
    var audit: any AuditRepository { identity.audit }
    var now: @Sendable () -> Date { identity.now }

    struct Overview: Encodable, Sendable {
        let id: UUID
        let name: String
        let role: OrganizationRole
        let permissions: [String]
    }

    struct Member: Encodable, Sendable {
        let id: UUID
        let displayName: String
        let email: String
        let role: OrganizationRole
        let mfaEnabled: Bool
        let emailVerified: Bool
        let disabled: Bool
        let locked: Bool
        let createdAt: Date
    }

    func overview(_ signedIn: SignedIn, organizationID: UUID) async throws -> Overview {
        try await identity.authorize(signedIn, organizationID: organizationID, .organizationRead)
        guard let organization = try await organizations.organization(id: organizationID) else {
            throw MeetError(.notFound, "There is no such organisation.")
        }
        let permissions = Permission.allCases.filter { PermissionTable.allows(signedIn.user.role, $0) }.map(\.rawValue)
        return Overview(id: organizationID, name: organization.name, role: signedIn.user.role, permissions: permissions)
    }

    func members(_ signedIn: SignedIn, organizationID: UUID) async throws -> [Member] {
        try await identity.authorize(signedIn, organizationID: organizationID, .membersRead)
        var list: [Member] = []
        for account in try await organizations.members(organizationID: organizationID) { list.append(try await member(account)) }
        return list
    }

    func member(_ account: UserAccount) async throws -> Member {
        let locked: Bool =
            switch lockout.state(failures: account.failedLogins, lastFailure: account.lastFailedLoginAt, now: now()) {
            case .open: account.passwordDisabledAt != nil
            default: true
            }
        return Member(
            id: account.id,
            displayName: account.displayName,
            email: try await identity.email(of: account),
            role: account.role,
            mfaEnabled: account.mfaEnabled,
            emailVerified: account.emailVerifiedAt != nil,
            disabled: account.disabledAt != nil,
            locked: locked,
            createdAt: account.createdAt
        )
    }

    func reloaded(_ userID: UUID) async throws -> Member {
        guard let account = try await identity.repository.user(id: userID) else {
            throw MeetError(.notFound, "There is no such member in this organisation.")
        }
        return try await member(account)
    }

    func changeRole(_ signedIn: SignedIn, organizationID: UUID, userID: UUID, to role: OrganizationRole) async throws -> Member {
        let target = try await identity.managedMember(signedIn, organizationID: organizationID, userID: userID, permission: .membersChangeRole)
        guard RoleAssignment.mayAssign(actor: signedIn.user.role, role: role) else {
            try await identity.denied(signedIn.user, .membersChangeRole, target: .user(userID), reason: "may not assign \(role.rawValue)")
            throw MeetError(.forbidden, "Only an owner may make someone an owner.", field: "role")
        }
        guard target.role != role else { return try await member(target) }
        let event = AuditEvent.now(
            .memberRoleChanged,
            organizationID: organizationID,
            actorID: signedIn.user.id,
            target: .user(userID),
            details: ["role": role.rawValue, "previous_role": target.role.rawValue],
            at: now()
        )
        guard try await organizations.changeRole(userID: userID, organizationID: organizationID, to: role, audit: [event]) else {
            throw MeetError(.notFound, "There is no such member in this organisation.")
        }
        logger.notice("Role changed", metadata: ["event": "member.role_changed", "user_id": "\(signedIn.user.id)", "target_user_id": "\(userID)"])
        await identity.notify(
            target,
            subject: "Your role in DigitalMeet changed",
            text: "\(signedIn.user.displayName) changed your role from \(target.role.rawValue) to \(role.rawValue).\n"
        )
        return try await reloaded(userID)
    }

    func setDisabled(_ signedIn: SignedIn, organizationID: UUID, userID: UUID, disabled: Bool) async throws -> Member {
        let target = try await identity.managedMember(signedIn, organizationID: organizationID, userID: userID, permission: .membersDisable)
        if target.role == .owner, disabled {
            let owners = try await organizations.members(organizationID: organizationID).filter { $0.role == .owner && $0.disabledAt == nil }
            guard owners.count > 1 else { throw MeetError(.conflict, "The last owner cannot be disabled.") }
        }
        let now = now()
        // Disabling ends every session of the account in the same transaction.
        try await identity.repository.setDisabled(
            userID: userID,
            at: disabled ? now : nil,
            audit: [
                .now(
                    disabled ? .memberDisabled : .memberEnabled,
                    organizationID: organizationID,
                    actorID: signedIn.user.id,
                    target: .user(userID),
                    at: now
                )
            ]
        )
        if disabled { await signOut(userID) }
        logger.notice(
            disabled ? "Account disabled" : "Account enabled",
            metadata: ["event": disabled ? "member.disabled" : "member.enabled", "user_id": "\(signedIn.user.id)", "target_user_id": "\(userID)"]
        )
        return try await reloaded(userID)
    }

    func endSessions(_ signedIn: SignedIn, organizationID: UUID, userID: UUID) async throws -> Int {
        _ = try await identity.managedMember(signedIn, organizationID: organizationID, userID: userID, permission: .membersEndSessions)
        let (actor, now) = (signedIn.user.id, now())
        let ended = try await identity.repository.deleteSessions(userID: userID, keeping: nil) { count in
            [
                .now(
                    .memberSessionsEnded,
                    organizationID: organizationID,
                    actorID: actor,
                    target: .user(userID),
                    details: ["count": "\(count)"],
                    at: now
                )
            ]
        }
        // Their live meeting sockets close now, once the sessions are gone.
        await signOut(userID)
        return ended
    }

    func policy(_ signedIn: SignedIn, organizationID: UUID) async throws -> OrganizationSecurity {
        try await identity.authorize(signedIn, organizationID: organizationID, .policyRead)
        guard let organization = try await organizations.organization(id: organizationID) else {
            throw MeetError(.notFound, "There is no such organisation.")
        }
        return organization
    }

    func updatePolicy(_ signedIn: SignedIn, organizationID: UUID, to policy: OrganizationSecurity) async throws -> OrganizationSecurity {
        try await identity.authorize(signedIn, organizationID: organizationID, .policyUpdate)
        guard let current = try await organizations.organization(id: organizationID) else {
            throw MeetError(.notFound, "There is no such organisation.")
        }
        var updated = policy
        updated.organizationID = organizationID
        updated.name = current.name
        let changes = Self.changes(from: current, to: updated)
        guard !changes.isEmpty else { return current }
        let event = AuditEvent.now(
            .policyUpdated,
            organizationID: organizationID,
            actorID: signedIn.user.id,
            target: .organization(organizationID),
            details: ["changes": changes.joined(separator: ", ")],
            at: now()
        )
        try await organizations.updatePolicy(updated, audit: [event])
        logger.notice("Security policy changed", metadata: ["event": "policy.updated", "user_id": "\(signedIn.user.id)", "changes": "\(changes)"])
        return updated
    }

    /// `name: old→new` for each setting that differs.
    static func changes(from old: OrganizationSecurity, to new: OrganizationSecurity) -> [String] {
        var changes: [String] = []
        func note<T: Equatable>(_ name: String, _ a: T, _ b: T) { if a != b { changes.append("\(name): \(a)→\(b)") } }
        note("requireMFA", old.requireMFA, new.requireMFA)
        note("allowSignup", old.allowSignup, new.allowSignup)
        note("sessionIdleSeconds", old.sessionPolicy.idleTimeout.components.seconds, new.sessionPolicy.idleTimeout.components.seconds)
        note("sessionAbsoluteSeconds", old.sessionPolicy.absoluteTimeout.components.seconds, new.sessionPolicy.absoluteTimeout.components.seconds)
        note("meetings.passcodeRequired", old.meetings.passcodeRequired, new.meetings.passcodeRequired)
        note("meetings.waitingRoom", old.meetings.waitingRoom.rawValue, new.meetings.waitingRoom.rawValue)
        note("meetings.whoMayRecord", old.meetings.whoMayRecord.rawValue, new.meetings.whoMayRecord.rawValue)
        note("meetings.whoMayShareScreen", old.meetings.whoMayShareScreen.rawValue, new.meetings.whoMayShareScreen.rawValue)
        note("meetings.e2eeRequired", old.meetings.e2eeRequired, new.meetings.e2eeRequired)
        note("retention.chatMessageDays", old.retention.chatMessageDays, new.retention.chatMessageDays)
        return changes
    }

    func invitations(_ signedIn: SignedIn, organizationID: UUID) async throws -> [Invitation] {
        try await identity.authorize(signedIn, organizationID: organizationID, .membersRead)
        return try await identity.repository.invitations(organizationID: organizationID)
    }

    func revokeInvitation(_ signedIn: SignedIn, organizationID: UUID, id: UUID) async throws {
        try await identity.authorize(signedIn, organizationID: organizationID, .membersInvite)
        let event = AuditEvent.now(
            .invitationRevoked,
            organizationID: organizationID,
            actorID: signedIn.user.id,
            target: AuditTarget(type: "invitation", id: id.uuidString.lowercased()),
            at: now()
        )
        guard try await organizations.deleteInvitation(id: id, organizationID: organizationID, audit: [event]) else {
            throw MeetError(.notFound, "There is no open invitation with this id.")
        }
    }

    func auditEntries(_ signedIn: SignedIn, organizationID: UUID, filter: AuditFilter) async throws -> (entries: [AuditEntry], names: [UUID: String])
    {
        try await identity.authorize(signedIn, organizationID: organizationID, .auditRead)
        let entries = try await audit.entries(chain: AuditEntry.chain(of: organizationID), filter: filter)
        let names = try await audit.displayNames(of: Set(entries.compactMap(\.event.actorID)))
        return (entries, names)
    }

    /// Authorises and records an export, then returns the chain to stream.
    func startExport(_ signedIn: SignedIn, organizationID: UUID) async throws -> String {
        try await identity.authorize(signedIn, organizationID: organizationID, .auditExport)
        let chain = AuditEntry.chain(of: organizationID)
        try await audit.append([
            .now(.auditExported, organizationID: organizationID, actorID: signedIn.user.id, target: AuditTarget(type: "audit", id: chain), at: now())
        ])
        Counter(label: "digitalmeet_audit_exports_total").increment()
        return chain
    }
}

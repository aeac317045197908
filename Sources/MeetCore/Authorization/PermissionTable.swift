import Foundation

/// The one permission table: role × permission (SECURITY-REQUIREMENTS.md, Authorisation). Object-level
/// rules (same organisation, who may manage whom) are in `RoleAssignment` and in the callers' scoping.
public enum PermissionTable {
    public static func allows(_ role: Role, _ permission: Permission) -> Bool {
        permissions(of: role).contains(permission)
    }

    public static func allows(_ role: OrganizationRole, _ permission: Permission) -> Bool {
        allows(.organization(role), permission)
    }

    public static func permissions(of role: Role) -> Set<Permission> {
        switch role {
        case .organization(.owner), .organization(.admin):
            administrator
        case .organization(.auditor):
            [.organizationRead, .membersRead, .policyRead, .auditRead, .auditExport, .meetingsCreate, .securityReportsRead]
        case .organization(.member):
            [.organizationRead, .meetingsCreate]
        case .meeting(.host):
            participant.union(moderator).union([.meetingTransferHost, .meetingEnd, .meetingMakeCoHost])
        case .meeting(.coHost):
            participant.union(moderator)
        case .meeting(.participant):
            participant
        case .meeting(.guest):
            [.meetingJoin, .meetingChat, .meetingRaiseHand, .meetingPublishAudio, .meetingPublishVideo, .meetingShareScreen]
        }
    }

    private static let administrator: Set<Permission> = [
        .organizationRead, .membersRead, .membersInvite, .membersChangeRole, .membersDisable, .membersUnlock, .membersEndSessions,
        .policyRead, .policyUpdate, .auditRead, .auditExport, .meetingsCreate, .securityReportsRead, .securityReportsManage,
    ]

    private static let participant: Set<Permission> = [
        .meetingJoin, .meetingChat, .meetingRaiseHand, .meetingRename, .meetingPublishAudio, .meetingPublishVideo, .meetingShareScreen,
    ]

    private static let moderator: Set<Permission> = [
        .meetingAdmit, .meetingRemove, .meetingMuteOthers, .meetingStopVideo, .meetingStopScreenShare, .meetingLock, .meetingRecord,
        .meetingChangeSettings,
    ]
}

/// Who may change whose role or account: the object-level half of role administration.
public enum RoleAssignment {
    /// Whether `actor` may change the role of, disable, unlock or end the sessions of someone who is `target`.
    /// Nobody manages themselves this way; admins do not manage owners.
    public static func mayManage(actor: OrganizationRole, actorID: UUID, target: OrganizationRole, targetID: UUID) -> Bool {
        guard actorID != targetID else { return false }
        switch actor {
        case .owner: return true
        case .admin: return target != .owner
        case .auditor, .member: return false
        }
    }

    /// Whether `actor` may give someone the role `role` (only owners make owners).
    public static func mayAssign(actor: OrganizationRole, role: OrganizationRole) -> Bool {
        switch actor {
        case .owner: true
        case .admin: role != .owner
        case .auditor, .member: false
        }
    }
}

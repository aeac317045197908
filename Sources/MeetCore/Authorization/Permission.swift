/// Something a person may be allowed to do. Every HTTP route and signaling message names the
/// permission it needs and asks `PermissionTable`; nothing else decides.
public enum Permission: String, Codable, Sendable, CaseIterable {
    // Organisation
    case organizationRead = "organization.read"
    case membersRead = "members.read"
    case membersInvite = "members.invite"
    case membersChangeRole = "members.change_role"
    case membersDisable = "members.disable"
    case membersUnlock = "members.unlock"
    case membersEndSessions = "members.end_sessions"
    case policyRead = "policy.read"
    case policyUpdate = "policy.update"
    case auditRead = "audit.read"
    case auditExport = "audit.export"
    case meetingsCreate = "meetings.create"
    /// Vulnerability reports sent to this deployment (they go to the organisation made at setup).
    case securityReportsRead = "security_reports.read"
    case securityReportsManage = "security_reports.manage"

    // Meeting (what the meeting state machine allows on top of the meeting's own settings)
    case meetingJoin = "meeting.join"
    case meetingChat = "meeting.chat"
    case meetingRaiseHand = "meeting.raise_hand"
    case meetingRename = "meeting.rename"
    case meetingPublishAudio = "meeting.publish_audio"
    case meetingPublishVideo = "meeting.publish_video"
    case meetingShareScreen = "meeting.share_screen"
    case meetingAdmit = "meeting.admit"
    case meetingRemove = "meeting.remove"
    case meetingMuteOthers = "meeting.mute_others"
    case meetingStopVideo = "meeting.stop_video"
    case meetingStopScreenShare = "meeting.stop_screen_share"
    case meetingLock = "meeting.lock"
    case meetingRecord = "meeting.record"
    case meetingChangeSettings = "meeting.change_settings"
    case meetingMakeCoHost = "meeting.make_co_host"
    case meetingTransferHost = "meeting.transfer_host"
    case meetingEnd = "meeting.end"

    /// Administrative actions need a step-up (a second factor within the last five minutes) and are audited.
    public var isAdministrative: Bool {
        switch self {
        case .membersInvite, .membersChangeRole, .membersDisable, .membersUnlock, .membersEndSessions, .policyUpdate, .auditExport,
            .securityReportsManage:
            true
        default:
            false
        }
    }
}

/// A person's role in a meeting; the meeting holds it, the permission table reads it.
public enum MeetingRole: String, Codable, Sendable, CaseIterable {
    case host
    case coHost = "co_host"
    case participant
    /// Someone without an account in the meeting's organisation.
    case guest
}

/// Either kind of role, so one table answers for both.
public enum Role: Hashable, Sendable {
    case organization(OrganizationRole)
    case meeting(MeetingRole)

    public static let all: [Role] = OrganizationRole.allCases.map(Role.organization) + MeetingRole.allCases.map(Role.meeting)
}

import Foundation
import MeetCore
import Testing

@Suite struct PermissionTableTests {
    /// The expected table, written out independently of `PermissionTable` so a change to either is noticed.
    static let organization: [OrganizationRole: Set<String>] = [
        .owner: [
            "organization.read", "members.read", "members.invite", "members.change_role", "members.disable", "members.unlock",
            "members.end_sessions", "policy.read", "policy.update", "audit.read", "audit.export", "meetings.create",
            "security_reports.read", "security_reports.manage",
        ],
        .admin: [
            "organization.read", "members.read", "members.invite", "members.change_role", "members.disable", "members.unlock",
            "members.end_sessions", "policy.read", "policy.update", "audit.read", "audit.export", "meetings.create",
            "security_reports.read", "security_reports.manage",
        ],
        .auditor: [
            "organization.read", "members.read", "policy.read", "audit.read", "audit.export", "meetings.create", "security_reports.read",
        ],
        .member: ["organization.read", "meetings.create"],
    ]

    static let meeting: [MeetingRole: Set<String>] = [
        .host: [
            "meeting.join", "meeting.chat", "meeting.raise_hand", "meeting.rename", "meeting.publish_audio", "meeting.publish_video",
            "meeting.share_screen", "meeting.admit", "meeting.remove", "meeting.mute_others", "meeting.stop_video", "meeting.stop_screen_share",
            "meeting.lock", "meeting.record", "meeting.change_settings", "meeting.make_co_host", "meeting.transfer_host", "meeting.end",
        ],
        .coHost: [
            "meeting.join", "meeting.chat", "meeting.raise_hand", "meeting.rename", "meeting.publish_audio", "meeting.publish_video",
            "meeting.share_screen", "meeting.admit", "meeting.remove", "meeting.mute_others", "meeting.stop_video", "meeting.stop_screen_share",
            "meeting.lock", "meeting.record", "meeting.change_settings",
        ],
        .participant: [
            "meeting.join", "meeting.chat", "meeting.raise_hand", "meeting.rename", "meeting.publish_audio", "meeting.publish_video",
            "meeting.share_screen",
        ],
        .guest: ["meeting.join", "meeting.chat", "meeting.raise_hand", "meeting.publish_audio", "meeting.publish_video", "meeting.share_screen"],
    ]

    @Test(arguments: Role.all)
    func everyRoleHasExactlyTheExpectedPermissions(role: Role) {
        let expected: Set<String> =
            switch role {
            case .organization(let role): Self.organization[role] ?? []
            case .meeting(let role): Self.meeting[role] ?? []
            }
        for permission in Permission.allCases {
            #expect(PermissionTable.allows(role, permission) == expected.contains(permission.rawValue), "\(role) × \(permission.rawValue)")
        }
    }

    @Test func organizationRolesNeverHoldMeetingPermissionsAndTheReverse() {
        for permission in Permission.allCases {
            let isMeeting = permission.rawValue.hasPrefix("meeting.")
            for role in OrganizationRole.allCases where isMeeting {
                #expect(!PermissionTable.allows(role, permission))
            }
            for role in MeetingRole.allCases where !isMeeting {
                #expect(!PermissionTable.allows(.meeting(role), permission))
            }
        }
    }

    @Test func everyChangeOfMembersPolicyOrReportsIsAdministrativeAndNoReadIs() {
        for permission in Permission.allCases {
            let name = permission.rawValue
            let change =
                name.hasPrefix("members.") && name != "members.read" || name == "policy.update" || name == "audit.export"
                || name == "security_reports.manage"
            #expect(permission.isAdministrative == change, "\(name)")
        }
    }

    @Test func nobodyManagesThemselvesAndAdminsDoNotManageOwners() {
        let me = UUID()
        let other = UUID()
        for role in OrganizationRole.allCases {
            #expect(!RoleAssignment.mayManage(actor: .owner, actorID: me, target: role, targetID: me))
        }
        #expect(RoleAssignment.mayManage(actor: .owner, actorID: me, target: .owner, targetID: other))
        #expect(!RoleAssignment.mayManage(actor: .admin, actorID: me, target: .owner, targetID: other))
        #expect(RoleAssignment.mayManage(actor: .admin, actorID: me, target: .admin, targetID: other))
        #expect(!RoleAssignment.mayManage(actor: .auditor, actorID: me, target: .member, targetID: other))
        #expect(!RoleAssignment.mayManage(actor: .member, actorID: me, target: .member, targetID: other))
        #expect(RoleAssignment.mayAssign(actor: .owner, role: .owner))
        #expect(!RoleAssignment.mayAssign(actor: .admin, role: .owner))
        #expect(RoleAssignment.mayAssign(actor: .admin, role: .auditor))
        #expect(!RoleAssignment.mayAssign(actor: .auditor, role: .member))
    }

    @Test func auditDetailsKeepOnlyAllowedKeysAndShortValues() {
        let event = AuditEvent(
            action: .passwordChanged,
            organizationID: nil,
            details: ["password": "hunter2", "token": "abc", "reason": String(repeating: "x", count: 500), "role": "admin"],
            occurredAt: Date(timeIntervalSince1970: 1_700_000_000.123_456)
        )
        #expect(event.details.keys.sorted() == ["reason", "role"])
        #expect(event.details["reason"]?.count == 200)
        #expect(event.occurredAt.timeIntervalSince1970 == 1_700_000_000.123)
    }
}

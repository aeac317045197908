import Foundation

/// What an audit record says happened: who, what, to what, when (UTC), from where, with which
/// outcome (SECURITY-REQUIREMENTS.md, Audit). It never carries secrets: `details` keeps only the
/// keys in `AuditEvent.detailKeys`, each value cut to 200 characters.
public struct AuditEvent: Sendable, Equatable {
    public var action: AuditAction
    public var outcome: AuditOutcome
    /// The organisation whose chain records it; nil for deployment-wide events (key rotation, CLI).
    public var organizationID: UUID?
    public var actorID: UUID?
    public var target: AuditTarget?
    /// The client's address as the server saw it.
    public var address: String?
    public var requestID: String?
    public private(set) var details: [String: String]
    public var occurredAt: Date

    public init(
        action: AuditAction,
        outcome: AuditOutcome = .success,
        organizationID: UUID?,
        actorID: UUID? = nil,
        target: AuditTarget? = nil,
        address: String? = nil,
        requestID: String? = nil,
        details: [String: String] = [:],
        occurredAt: Date
    ) {
        self.action = action
        self.outcome = outcome
        self.organizationID = organizationID
        self.actorID = actorID
        self.target = target
        self.address = address.map { String($0.prefix(64)) }
        self.requestID = requestID.map { String($0.prefix(64)) }
        self.details = Self.sanitized(details)
        // Stored with millisecond precision; truncating here keeps the value and its hash identical after a round trip.
        self.occurredAt = Date(timeIntervalSince1970: (occurredAt.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }

    /// Puts back the details exactly as a stored row holds them, unfiltered, so that an edited row
    /// fails its hash check rather than being silently tidied. For reading the store only.
    public mutating func restoreStoredDetails(_ stored: [String: String]) {
        details = stored
    }

    /// The only detail keys an audit record keeps. A key not listed is dropped, so a careless caller
    /// cannot put a password, token or code into the log.
    public static let detailKeys: Set<String> = [
        "reason", "method", "role", "previous_role", "count", "failures", "including_current", "changes", "session_id", "key_id",
        "scope", "entries", "permission", "name", "stage", "new_device", "from_sequence", "to_sequence", "path", "status", "previous_status",
    ]

    static func sanitized(_ details: [String: String]) -> [String: String] {
        details.filter { detailKeys.contains($0.key) }.mapValues { String($0.prefix(200)) }
    }
}

/// What was acted on.
public struct AuditTarget: Sendable, Equatable {
    /// `user`, `session`, `invitation`, `organization`, `key`, `meeting`, `audit` …
    public var type: String
    public var id: String

    public init(type: String, id: String) {
        self.type = type
        self.id = id
    }

    public static func user(_ id: UUID) -> AuditTarget { AuditTarget(type: "user", id: id.uuidString.lowercased()) }
    public static func organization(_ id: UUID) -> AuditTarget { AuditTarget(type: "organization", id: id.uuidString.lowercased()) }
}

public enum AuditOutcome: String, Codable, Sendable, CaseIterable {
    case success
    /// The attempt failed a check (wrong password, bad code).
    case failure
    /// The permission table or an object-level rule refused it.
    case denied
}

/// The name of an audited action, `area.verb`. The known ones are listed so the console can filter by them.
public struct AuditAction: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let signInSuccess = AuditAction(rawValue: "signin.success")
    public static let signInFailure = AuditAction(rawValue: "signin.failure")
    public static let signInLocked = AuditAction(rawValue: "signin.locked")
    public static let signInPasswordDisabled = AuditAction(rawValue: "signin.password_disabled")
    public static let signInThrottled = AuditAction(rawValue: "signin.throttled")
    public static let stepUp = AuditAction(rawValue: "signin.step_up")
    public static let signOut = AuditAction(rawValue: "signin.sign_out")
    public static let mfaEnabled = AuditAction(rawValue: "mfa.enabled")
    public static let mfaDisabled = AuditAction(rawValue: "mfa.disabled")
    public static let mfaRecoveryCodesReplaced = AuditAction(rawValue: "mfa.recovery_codes_replaced")
    public static let mfaRecoveryCodeUsed = AuditAction(rawValue: "mfa.recovery_code_used")
    public static let passkeyAdded = AuditAction(rawValue: "mfa.passkey_added")
    public static let passkeyRemoved = AuditAction(rawValue: "mfa.passkey_removed")
    public static let passwordChanged = AuditAction(rawValue: "password.changed")
    public static let passwordReset = AuditAction(rawValue: "password.reset")
    public static let emailChanged = AuditAction(rawValue: "account.email_changed")
    public static let accountCreated = AuditAction(rawValue: "account.created")
    public static let sessionRevoked = AuditAction(rawValue: "session.revoked")
    public static let sessionsRevoked = AuditAction(rawValue: "session.revoked_all")
    public static let memberInvited = AuditAction(rawValue: "member.invited")
    public static let memberJoined = AuditAction(rawValue: "member.joined")
    public static let memberRoleChanged = AuditAction(rawValue: "member.role_changed")
    public static let memberDisabled = AuditAction(rawValue: "member.disabled")
    public static let memberEnabled = AuditAction(rawValue: "member.enabled")
    public static let memberUnlocked = AuditAction(rawValue: "member.unlocked")
    public static let memberSessionsEnded = AuditAction(rawValue: "member.sessions_ended")
    public static let invitationRevoked = AuditAction(rawValue: "invitation.revoked")
    public static let organizationCreated = AuditAction(rawValue: "organization.created")
    public static let policyUpdated = AuditAction(rawValue: "policy.updated")
    public static let auditExported = AuditAction(rawValue: "audit.exported")
    public static let auditVerified = AuditAction(rawValue: "audit.verified")
    /// The audit checkpoint signing key was created (data and master key events use `KeyEvent.Action` names).
    public static let keyCreated = AuditAction(rawValue: "key.audit.created")
    public static let accessDenied = AuditAction(rawValue: "access.denied")
    public static let meetingCreated = AuditAction(rawValue: "meeting.created")
    public static let meetingSettingsChanged = AuditAction(rawValue: "meeting.settings_changed")
    public static let meetingAdmitted = AuditAction(rawValue: "meeting.admitted")
    public static let meetingDenied = AuditAction(rawValue: "meeting.denied")
    public static let meetingParticipantRemoved = AuditAction(rawValue: "meeting.removed")
    public static let meetingLocked = AuditAction(rawValue: "meeting.locked")
    public static let meetingUnlocked = AuditAction(rawValue: "meeting.unlocked")
    public static let meetingRecordingStarted = AuditAction(rawValue: "meeting.recording_started")
    public static let meetingRecordingStopped = AuditAction(rawValue: "meeting.recording_stopped")
    public static let meetingRolesChanged = AuditAction(rawValue: "meeting.roles_changed")
    public static let meetingEnded = AuditAction(rawValue: "meeting.ended")
    public static let meetingPasscodeFailed = AuditAction(rawValue: "meeting.passcode_failed")
    /// A host read a meeting's chat transcript.
    public static let meetingChatRead = AuditAction(rawValue: "meeting.chat_read")
    /// The retention policy deleted chat messages (`count`).
    public static let chatPurged = AuditAction(rawValue: "retention.chat_purged")
    /// A vulnerability report arrived through the public form.
    public static let securityReportReceived = AuditAction(rawValue: "security_report.received")
    /// A handler acknowledged, fixed or declined a report (`status`, `previous_status`).
    public static let securityReportStatusChanged = AuditAction(rawValue: "security_report.status_changed")

    public static let known: [AuditAction] =
        [
            signInSuccess, signInFailure, signInLocked, signInPasswordDisabled, signInThrottled, stepUp, signOut, mfaEnabled, mfaDisabled,
            mfaRecoveryCodesReplaced, mfaRecoveryCodeUsed, passkeyAdded, passkeyRemoved, passwordChanged, passwordReset, emailChanged,
            accountCreated, sessionRevoked, sessionsRevoked, memberInvited, memberJoined, memberRoleChanged, memberDisabled, memberEnabled,
            memberUnlocked, memberSessionsEnded, invitationRevoked, organizationCreated, policyUpdated, auditExported, auditVerified,
            keyCreated, accessDenied, meetingCreated, meetingSettingsChanged, meetingAdmitted, meetingDenied, meetingParticipantRemoved,
            meetingLocked, meetingUnlocked, meetingRecordingStarted, meetingRecordingStopped, meetingRolesChanged, meetingEnded,
            meetingPasscodeFailed, meetingChatRead, chatPurged, securityReportReceived, securityReportStatusChanged,
        ] + KeyEvent.Action.allCases.map { AuditAction(rawValue: $0.rawValue) }
}

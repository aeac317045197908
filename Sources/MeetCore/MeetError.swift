/// An error of the DigitalMeet domain: a stable code that tests and clients compare, and a reason for people.
public struct MeetError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable, machine-readable error code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let invalidInput = Code("invalid_input")
        public static let weakPassword = Code("weak_password")
        public static let notFound = Code("not_found")
        public static let conflict = Code("conflict")
        public static let expired = Code("expired")
        public static let unauthorized = Code("unauthorized")
        public static let busy = Code("busy")
        /// Sign-in refused: unknown account, wrong password or locked — deliberately indistinguishable.
        public static let invalidCredentials = Code("invalid_credentials")
        /// Too many attempts from this client; try again later.
        public static let throttled = Code("too_many_attempts")
        public static let forbidden = Code("forbidden")
        /// The action needs a fresh password and second factor (step-up) within the last five minutes.
        public static let stepUpRequired = Code("step_up_required")
        /// The action needs two-step verification set up on the account first.
        public static let mfaRequired = Code("mfa_required")
        public static let emailNotVerified = Code("email_not_verified")
        public static let signupDisabled = Code("signup_disabled")
        /// A setting weaker than the organisation's policy allows.
        public static let policyViolation = Code("policy_violation")
        /// The meeting is locked: nobody new may join, whatever they hold.
        public static let meetingLocked = Code("meeting_locked")
        /// A host removed this person; they may not rejoin unless a host allows it.
        public static let removedFromMeeting = Code("removed_from_meeting")
        public static let meetingFull = Code("meeting_full")
        public static let meetingEnded = Code("meeting_ended")
    }

    public let code: Code
    public let reason: String
    /// The input field the error is about, so a form can show it next to that field.
    public let field: String?

    public init(_ code: Code, _ reason: String, field: String? = nil) {
        self.code = code
        self.reason = reason
        self.field = field
    }

    public var description: String { "\(code): \(reason)" }
}

import Foundation

/// A person's account as the identity service sees it. Secrets stay sealed: the email and the TOTP
/// secret are AES-GCM envelopes that only `DataKeyRing` opens.
public struct UserAccount: Sendable, Equatable {
    public var id: UUID
    public var organizationID: UUID
    public var displayName: String
    public var emailCiphertext: [UInt8]
    public var emailBlindIndex: [UInt8]
    public var role: OrganizationRole
    /// The PHC-style scrypt string, parameters included.
    public var passwordHash: String
    public var emailVerifiedAt: Date?
    /// A disabled account cannot sign in and its sessions end at once.
    public var disabledAt: Date?
    /// Consecutive failed sign-in attempts (password or second factor) since the last success.
    public var failedLogins: Int
    public var lastFailedLoginAt: Date?
    /// Set when the hard stop is reached: the password no longer works until it is reset.
    public var passwordDisabledAt: Date?
    /// The confirmed TOTP secret, sealed; nil while MFA is off.
    public var totpSecretCiphertext: [UInt8]?
    /// A secret being enrolled, sealed; it becomes the confirmed one once a code from it is entered.
    public var pendingTOTPCiphertext: [UInt8]?
    /// The last TOTP time step accepted, so a code cannot be replayed.
    public var totpLastStep: Int64?
    /// How many WebAuthn credentials (security keys, passkeys) the account has; filled in on load.
    public var passkeyCount: Int
    public var createdAt: Date

    public init(
        id: UUID,
        organizationID: UUID,
        displayName: String,
        emailCiphertext: [UInt8],
        emailBlindIndex: [UInt8],
        role: OrganizationRole,
        passwordHash: String,
        emailVerifiedAt: Date? = nil,
        disabledAt: Date? = nil,
        failedLogins: Int = 0,
        lastFailedLoginAt: Date? = nil,
        passwordDisabledAt: Date? = nil,
        totpSecretCiphertext: [UInt8]? = nil,
        pendingTOTPCiphertext: [UInt8]? = nil,
        totpLastStep: Int64? = nil,
        passkeyCount: Int = 0,
        createdAt: Date
    ) {
        self.id = id
        self.organizationID = organizationID
        self.displayName = displayName
        self.emailCiphertext = emailCiphertext
        self.emailBlindIndex = emailBlindIndex
        self.role = role
        self.passwordHash = passwordHash
        self.emailVerifiedAt = emailVerifiedAt
        self.disabledAt = disabledAt
        self.failedLogins = failedLogins
        self.lastFailedLoginAt = lastFailedLoginAt
        self.passwordDisabledAt = passwordDisabledAt
        self.totpSecretCiphertext = totpSecretCiphertext
        self.pendingTOTPCiphertext = pendingTOTPCiphertext
        self.totpLastStep = totpLastStep
        self.passkeyCount = passkeyCount
        self.createdAt = createdAt
    }

    /// Whether sign-in asks for a second factor: an authenticator app, or at least one passkey.
    public var mfaEnabled: Bool { hasTOTP || passkeyCount > 0 }
    public var hasTOTP: Bool { totpSecretCiphertext != nil }
}

/// An organisation's security policy, set by its administrators: sign-in rules and the meeting floor.
public struct OrganizationSecurity: Sendable, Equatable {
    public var organizationID: UUID
    public var name: String
    /// Members without MFA are taken through enrolment at their next sign-in.
    public var requireMFA: Bool
    /// Whether people may create their own member accounts (otherwise only invitations add members).
    public var allowSignup: Bool
    public var sessionPolicy: SessionPolicy
    public var meetings: MeetingPolicy
    public var retention: RetentionPolicy

    public init(
        organizationID: UUID,
        name: String,
        requireMFA: Bool,
        allowSignup: Bool,
        sessionPolicy: SessionPolicy,
        meetings: MeetingPolicy = .standard,
        retention: RetentionPolicy = .standard
    ) {
        self.organizationID = organizationID
        self.name = name
        self.requireMFA = requireMFA
        self.allowSignup = allowSignup
        self.sessionPolicy = sessionPolicy
        self.meetings = meetings
        self.retention = retention
    }
}

/// How far a session has got through sign-in.
public enum SessionStage: String, Sendable, Codable, CaseIterable {
    /// The password was right; a second factor is still needed. Lives five minutes.
    case mfa
    /// Signed in, but the organisation requires MFA and the account has none: only enrolment is open.
    case enrol
    /// Fully signed in.
    case active
}

/// A sign-in session. Only the SHA-256 of its token is stored.
public struct SessionRecord: Sendable, Equatable {
    public var id: UUID
    public var userID: UUID
    public var stage: SessionStage
    public var createdAt: Date
    public var lastSeenAt: Date
    /// When the factors were last checked (sign-in or step-up); admin actions need this within 5 minutes.
    public var stepUpAt: Date?
    /// The idle and absolute limits in force when the session was made.
    public var idleTimeout: Duration
    public var expiresAt: Date
    /// `{"userAgent": ..., "ip": ...}` sealed under the user's key: personal data.
    public var deviceCiphertext: [UInt8]

    public init(
        id: UUID,
        userID: UUID,
        stage: SessionStage,
        createdAt: Date,
        lastSeenAt: Date,
        stepUpAt: Date?,
        idleTimeout: Duration,
        expiresAt: Date,
        deviceCiphertext: [UInt8]
    ) {
        self.id = id
        self.userID = userID
        self.stage = stage
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
        self.stepUpAt = stepUpAt
        self.idleTimeout = idleTimeout
        self.expiresAt = expiresAt
        self.deviceCiphertext = deviceCiphertext
    }

    /// Whether the session may still be used at `now`: neither idle too long nor past its absolute end.
    public func isAlive(at now: Date) -> Bool {
        now < expiresAt && now < lastSeenAt.addingTimeInterval(SessionPolicy.interval(idleTimeout))
    }

    /// Step-up (a fresh password and second factor) lasts five minutes.
    public static let stepUpLifetime: TimeInterval = 5 * 60

    public func hasFreshStepUp(at now: Date) -> Bool {
        guard let stepUpAt else { return false }
        // A second of tolerance: the stored time may round up past a `now` taken in the same instant.
        let age = now.timeIntervalSince(stepUpAt)
        return age <= Self.stepUpLifetime && age >= -1
    }
}

/// What an emailed one-time link is for.
public enum AccountTokenPurpose: String, Sendable, CaseIterable {
    case verifyEmail = "verify_email"
    case resetPassword = "reset_password"
    /// Confirms a new address; the token's payload is the new address, sealed.
    case changeEmail = "change_email"
}

/// A single-use emailed token (only its hash is stored).
public struct AccountToken: Sendable, Equatable {
    public var id: UUID
    public var userID: UUID
    public var purpose: AccountTokenPurpose
    public var expiresAt: Date
    public var payloadCiphertext: [UInt8]?

    public init(id: UUID, userID: UUID, purpose: AccountTokenPurpose, expiresAt: Date, payloadCiphertext: [UInt8]? = nil) {
        self.id = id
        self.userID = userID
        self.purpose = purpose
        self.expiresAt = expiresAt
        self.payloadCiphertext = payloadCiphertext
    }
}

/// An invitation to join an organisation, sent by email (only the token's hash is stored).
public struct Invitation: Sendable, Equatable {
    /// The inviter recorded for invitations made by `digitalmeet organizations create`.
    public static let byOperator = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))

    public var id: UUID
    public var organizationID: UUID
    public var emailCiphertext: [UInt8]
    public var emailBlindIndex: [UInt8]
    public var role: OrganizationRole
    /// Who invited; `Invitation.byOperator` when an operator's command did.
    public var invitedBy: UUID
    public var createdAt: Date
    public var expiresAt: Date
    public var acceptedAt: Date?

    public init(
        id: UUID,
        organizationID: UUID,
        emailCiphertext: [UInt8],
        emailBlindIndex: [UInt8],
        role: OrganizationRole,
        invitedBy: UUID,
        createdAt: Date,
        expiresAt: Date,
        acceptedAt: Date? = nil
    ) {
        self.id = id
        self.organizationID = organizationID
        self.emailCiphertext = emailCiphertext
        self.emailBlindIndex = emailBlindIndex
        self.role = role
        self.invitedBy = invitedBy
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.acceptedAt = acceptedAt
    }
}

/// A registered WebAuthn credential (security key or passkey). The credential id and public key are
/// not secrets; the name the person gave it is personal data, sealed.
public struct WebAuthnCredential: Sendable, Equatable {
    public var id: UUID
    public var userID: UUID
    public var credentialID: [UInt8]
    /// The COSE_Key as the authenticator encoded it.
    public var publicKey: [UInt8]
    public var signCount: Int64
    public var nameCiphertext: [UInt8]
    public var createdAt: Date
    public var lastUsedAt: Date?

    public init(
        id: UUID,
        userID: UUID,
        credentialID: [UInt8],
        publicKey: [UInt8],
        signCount: Int64,
        nameCiphertext: [UInt8],
        createdAt: Date,
        lastUsedAt: Date? = nil
    ) {
        self.id = id
        self.userID = userID
        self.credentialID = credentialID
        self.publicKey = publicKey
        self.signCount = signCount
        self.nameCiphertext = nameCiphertext
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
    }
}

/// What a WebAuthn challenge was issued for.
public enum WebAuthnCeremony: String, Sendable, CaseIterable {
    /// `navigator.credentials.create()`: adding a credential.
    case register
    /// `navigator.credentials.get()`: a second factor (sign-in, step-up, confirming a change).
    case authenticate
}

/// Storage for accounts, sessions, second factors and emailed tokens. Every "claim" method is a
/// conditional update, so two concurrent requests cannot both use one token, code or time step.
/// `audit` entries are appended in the same transaction as the change, and only when it happens.
public protocol IdentityRepository: Sendable {
    func user(id: UUID) async throws -> UserAccount?
    func user(emailBlindIndex: [UInt8]) async throws -> UserAccount?
    func organizationSecurity(id: UUID) async throws -> OrganizationSecurity?
    /// The organisation that self sign-up joins (the first one created).
    func defaultOrganization() async throws -> OrganizationSecurity?
    /// Inserts an account; false when the email is already taken.
    func createUser(_ user: UserAccount, audit: [AuditEvent]) async throws -> Bool

    /// Adds one failure and returns the new count (atomic increment).
    func recordFailedLogin(userID: UUID, at: Date, hardStop: Int, audit: @escaping @Sendable (Int) -> [AuditEvent]) async throws -> Int
    func clearFailedLogins(userID: UUID, audit: [AuditEvent]) async throws
    func updatePasswordHash(userID: UUID, hash: String, at: Date, audit: [AuditEvent]) async throws
    func markEmailVerified(userID: UUID, at: Date) async throws
    func updateEmail(userID: UUID, ciphertext: [UInt8], blindIndex: [UInt8], audit: [AuditEvent]) async throws -> Bool
    func setDisabled(userID: UUID, at: Date?, audit: [AuditEvent]) async throws

    func setPendingTOTP(userID: UUID, ciphertext: [UInt8]?) async throws
    /// Makes the pending secret the confirmed one and replaces the recovery codes, atomically.
    /// `recoveryCodeHashes` nil keeps the existing codes (another second factor already issued them).
    func confirmTOTP(userID: UUID, ciphertext: [UInt8], step: Int64, recoveryCodeHashes: [[UInt8]]?, audit: [AuditEvent]) async throws
    /// Removes the TOTP secret; the recovery codes go too unless a passkey remains.
    func disableMFA(userID: UUID, audit: [AuditEvent]) async throws
    /// Records `step` as used; false if it (or a later one) was already used.
    func claimTOTPStep(userID: UUID, step: Int64) async throws -> Bool
    func replaceRecoveryCodes(userID: UUID, hashes: [[UInt8]], audit: [AuditEvent]) async throws
    func unusedRecoveryCodes(userID: UUID) async throws -> [(id: UUID, hash: [UInt8])]
    func claimRecoveryCode(id: UUID, at: Date) async throws -> Bool

    func webAuthnCredentials(userID: UUID) async throws -> [WebAuthnCredential]
    func webAuthnCredential(credentialID: [UInt8]) async throws -> WebAuthnCredential?
    /// Inserts a credential (and, when given, replaces the recovery codes) atomically; false when the
    /// credential id is already registered.
    func addWebAuthnCredential(_ credential: WebAuthnCredential, recoveryCodeHashes: [[UInt8]]?, audit: [AuditEvent]) async throws -> Bool
    /// Deletes one of the user's credentials; when it was the last second factor, the recovery codes
    /// go too. False if there was no such credential.
    func deleteWebAuthnCredential(id: UUID, userID: UUID, audit: [AuditEvent]) async throws -> Bool
    /// Moves the counter from `expected` to `signCount` and records the use; false if the stored
    /// counter is no longer `expected` (a concurrent use won).
    func claimWebAuthnUse(id: UUID, expected: Int64, signCount: Int64, at: Date) async throws -> Bool
    /// Stores a challenge (only its SHA-256) for five minutes, replacing older ones of the same user
    /// and ceremony.
    func createWebAuthnChallenge(userID: UUID, ceremony: WebAuthnCeremony, challengeHash: [UInt8], expiresAt: Date) async throws
    /// Deletes the challenge and says whether it existed, belonged to the user and ceremony, and was
    /// unexpired: a challenge works once.
    func claimWebAuthnChallenge(userID: UUID, ceremony: WebAuthnCeremony, challengeHash: [UInt8], at: Date) async throws -> Bool

    func createSession(_ session: SessionRecord, tokenHash: [UInt8], audit: [AuditEvent]) async throws
    func session(tokenHash: [UInt8]) async throws -> SessionRecord?
    /// Replaces a session by a new one with a new token, atomically (sign-in steps, step-up).
    func replaceSession(id: UUID, with session: SessionRecord, tokenHash: [UInt8], audit: [AuditEvent]) async throws -> Bool
    func touchSession(id: UUID, at: Date) async throws
    func sessions(userID: UUID) async throws -> [SessionRecord]
    /// Deletes a session of this user; false if there was none.
    func deleteSession(id: UUID, userID: UUID, audit: [AuditEvent]) async throws -> Bool
    /// Deletes every session of the user except `keeping`; returns how many ended.
    func deleteSessions(userID: UUID, keeping: UUID?, audit: @escaping @Sendable (Int) -> [AuditEvent]) async throws -> Int

    func isKnownDevice(userID: UUID, deviceHash: [UInt8]) async throws -> Bool
    func rememberDevice(userID: UUID, deviceHash: [UInt8], at: Date) async throws
    func knownDeviceCount(userID: UUID) async throws -> Int

    func createAccountToken(_ token: AccountToken, tokenHash: [UInt8]) async throws
    /// The token, if it exists, has this purpose, is unused and unexpired (without using it).
    func accountToken(tokenHash: [UInt8], purpose: AccountTokenPurpose, at: Date) async throws -> AccountToken?
    /// Marks the token used and returns it, if it exists, has this purpose, is unused and unexpired.
    func claimAccountToken(tokenHash: [UInt8], purpose: AccountTokenPurpose, at: Date) async throws -> AccountToken?

    func createInvitation(_ invitation: Invitation, tokenHash: [UInt8], audit: [AuditEvent]) async throws
    func invitation(tokenHash: [UInt8], at: Date) async throws -> Invitation?
    /// Claims the invitation and creates the account in one transaction; nil if the invitation is no
    /// longer open, false in the tuple if the email is taken.
    func acceptInvitation(tokenHash: [UInt8], user: UserAccount, at: Date, audit: [AuditEvent]) async throws -> Bool?
    func invitations(organizationID: UUID) async throws -> [Invitation]
}

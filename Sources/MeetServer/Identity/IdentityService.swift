import Foundation
import Hummingbird
import Logging
import MeetCore
import MeetCrypto
import MeetStore
import Metrics

/// Where a request comes from, as sign-in records it.
struct ClientInfo: Sendable {
    var address: String?
    var userAgent: String
    /// The long-lived device cookie's value, if the browser sent one.
    var deviceToken: String?

    var throttleKey: String { LoginThrottle.clientKey(address) }
}

/// A new session: the token goes into the cookie and nowhere else.
struct SessionGrant: Sendable {
    let token: SecureToken
    let session: SessionRecord
    /// Set when the browser needs a (new) device cookie.
    let newDeviceToken: SecureToken?
}

/// A signed-in request's identity.
struct SignedIn: Sendable {
    let session: SessionRecord
    let user: UserAccount
    let token: SecureToken
}

/// Sign-in, second factors, sessions, step-up, passwords, emailed links and invitations: every rule
/// of SECURITY-REQUIREMENTS.md "Passwords", "Login protection", "MFA" and "Sessions".
struct IdentityService: Sendable {
    let repository: any IdentityRepository
    let audit: any AuditRepository
    let hasher: PasswordHasher
    let dataKeys: DataKeyRing
    let policy: PasswordPolicy
    let lockout: LockoutPolicy
    let throttle: LoginThrottle
    let mail: any MailTransport
    let publicURL: URL
    let logger: Logger
    /// A hash of a random password with the production parameters: unknown accounts are checked
    /// against it, so they cost the same work as known ones.
    let dummyHash: String
    let now: @Sendable () -> Date

    /// How long the password-checked, second-factor-pending stage lasts.
    static let pendingLifetime: TimeInterval = 5 * 60
    static let resetLinkLifetime: TimeInterval = 60 * 60
    static let verifyLinkLifetime: TimeInterval = 24 * 60 * 60
    static let invitationLifetime: TimeInterval = 7 * 24 * 60 * 60
    /// Longer passwords are refused unexamined (after the same work), so a huge body costs nothing extra.
    static let maximumPasswordBytes = 4096
    static let genericFailure = "The email address or password is not right, or the account is locked for a while. Check them and try again."

    static func make(
        repository: any IdentityRepository,
        audit: any AuditRepository,
        hasher: PasswordHasher,
        dataKeys: DataKeyRing,
        policy: PasswordPolicy,
        lockout: LockoutPolicy = LockoutPolicy(),
        throttle: LoginThrottle = LoginThrottle(),
        mail: any MailTransport,
        publicURL: URL,
        logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) async throws -> IdentityService {
        IdentityService(
            repository: repository,
            audit: audit,
            hasher: hasher,
            dataKeys: dataKeys,
            policy: policy,
            lockout: lockout,
            throttle: throttle,
            mail: mail,
            publicURL: publicURL,
            logger: logger,
            dummyHash: try await hasher.hash(SecureToken().text),
            now: now
        )
    }

    // MARK: Sign-in

    /// Checks an email and password. Unknown account, wrong password, disabled or locked account all
    /// end in the same `invalid_credentials` error after the same scrypt work.
    func signIn(email: String, password: String, client: ClientInfo) async throws -> SessionGrant {
        let now = now()
        if let wait = throttle.retryAfter(client: client.throttleKey, now: now) {
            Counter(label: "digitalmeet_signin_total", dimensions: [("outcome", "throttled")]).increment()
            logger.warning("Sign-in throttled for a client network", metadata: ["event": "signin.throttled", "client": "\(client.throttleKey)"])
            throw APIError(
                .tooManyRequests,
                code: MeetError.Code.throttled.rawValue,
                message: "Too many failed sign-ins from your network. Try again in \(max(1, wait / 60)) minute(s).",
                retryAfter: wait
            )
        }
        let normalized = EmailAddress.normalize(email)
        let account: UserAccount? =
            EmailAddress.isPlausible(normalized)
            ? try await repository.user(emailBlindIndex: dataKeys.blindIndex(normalized, purpose: "users.email")) : nil
        let oversized = password.utf8.count > Self.maximumPasswordBytes
        var refusal: String?
        if account == nil { refusal = "unknown account" }
        if let account {
            if account.disabledAt != nil { refusal = "account disabled" }
            if account.passwordDisabledAt != nil { refusal = "password disabled after too many failures" }
            switch lockout.state(failures: account.failedLogins, lastFailure: account.lastFailedLoginAt, now: now) {
            case .open: break
            case .delayed: refusal = refusal ?? "account locked for a while"
            case .disabled: refusal = "password disabled after too many failures"
            }
        }
        if oversized { refusal = refusal ?? "password too long" }
        let passwordCorrect: Bool
        if let account, refusal == nil {
            passwordCorrect = try await hasher.verify(password, against: account.passwordHash)
        } else {
            _ = try await hasher.verify(oversized ? "" : password, against: dummyHash)
            passwordCorrect = false
        }
        guard let account, passwordCorrect else {
            try await recordFailure(
                account: refusal == nil ? account : nil,
                known: account,
                client: client,
                reason: refusal ?? "wrong password",
                now: now
            )
            throw MeetError(.invalidCredentials, Self.genericFailure)
        }
        guard account.emailVerifiedAt != nil else {
            try await sendVerification(to: account)
            throw MeetError(.emailNotVerified, "Confirm your email address first: we have sent you a new link.")
        }
        if account.failedLogins > 0 { try await repository.clearFailedLogins(userID: account.id, audit: []) }
        if hasher.needsRehash(account.passwordHash) {
            try await repository.updatePasswordHash(userID: account.id, hash: try await hasher.hash(password), at: now, audit: [])
        }
        Counter(label: "digitalmeet_signin_total", dimensions: [("outcome", "password_ok")]).increment()
        if account.mfaEnabled {
            let session = try await makeSession(user: account, stage: .mfa, client: client, stepUp: nil, now: now)
            try await repository.createSession(session.session, tokenHash: session.token.hash, audit: [])
            logger.info("Password accepted; second factor requested", metadata: ["event": "signin.password_ok", "user_id": "\(account.id)"])
            return session
        }
        let organization = try await repository.organizationSecurity(id: account.organizationID)
        let stage: SessionStage = organization?.requireMFA == true ? .enrol : .active
        // A password alone is not a step-up: administrative actions need a fresh second factor.
        let grant = try await makeSession(user: account, stage: stage, client: client, stepUp: nil, now: now)
        try await repository.createSession(
            grant.session,
            tokenHash: grant.token.hash,
            audit: [.own(.signInSuccess, user: account, details: ["method": "password", "stage": stage.rawValue], at: now)]
        )
        return try await completeSignIn(grant: grant, user: account, client: client, now: now)
    }

    /// `account`: the account whose failure count grows (nil when the attempt was refused unexamined);
    /// `known`: the account the attempt named, if any, which the audit record names.
    private func recordFailure(account: UserAccount?, known: UserAccount? = nil, client: ClientInfo, reason: String, now: Date) async throws {
        if throttle.recordFailure(client: client.throttleKey, now: now) {
            Counter(label: "digitalmeet_security_events_total", dimensions: [("kind", "credential_stuffing")]).increment()
            logger.critical(
                "Sign-in failures across the deployment crossed the global guard: credential stuffing suspected",
                metadata: ["event": "security.credential_stuffing"]
            )
        }
        Counter(label: "digitalmeet_signin_total", dimensions: [("outcome", "failed")]).increment()
        var metadata: Logger.Metadata = ["event": "signin.failed", "reason": "\(reason)", "client": "\(client.throttleKey)"]
        if let account {
            metadata["user_id"] = "\(account.id)"
            // The delay runs from when the failure is answered, not from when the attempt arrived: the
            // hash in between takes longer than the first delay.
            let lockout = lockout
            let failure = AuditEvent.own(.signInFailure, .failure, user: account, details: ["reason": reason], at: now)
            let failures = try await repository.recordFailedLogin(userID: account.id, at: self.now(), hardStop: lockout.hardStop) { failures in
                guard lockout.failureLocks(failuresAfter: failures) else { return [failure] }
                let action: AuditAction = failures >= lockout.hardStop ? .signInPasswordDisabled : .signInLocked
                return [failure, .own(action, .failure, user: account, details: ["failures": "\(failures)"], at: now)]
            }
            if lockout.failureLocks(failuresAfter: failures) {
                let hard = failures >= lockout.hardStop
                Counter(label: "digitalmeet_lockouts_total", dimensions: [("kind", hard ? "password_disabled" : "delayed")]).increment()
                logger.warning(
                    hard ? "Password disabled after too many failures" : "Account locked after repeated failures",
                    metadata: ["event": hard ? "signin.password_disabled" : "signin.locked", "user_id": "\(account.id)", "failures": "\(failures)"]
                )
                let text =
                    hard
                    ? "There have been \(failures) failed attempts to sign in to your DigitalMeet account, so its password no longer works.\n\nTo sign in again, reset your password: \(link("/reset-password"))\n"
                    : "There have been \(failures) failed attempts to sign in to your DigitalMeet account. Further attempts must now wait, longer after each failure.\n\nIf this was not you, someone may be guessing your password; you can reset it here: \(link("/reset-password"))\n"
                await notify(
                    account,
                    subject: hard ? "Your DigitalMeet password was disabled" : "Failed sign-ins to your DigitalMeet account",
                    text: text
                )
            }
        }
        if account == nil {
            // No failure count to update: the record stands alone (in the system chain for an unknown address).
            let event: AuditEvent =
                if let known { .own(.signInFailure, .failure, user: known, details: ["reason": reason], at: now) } else {
                    .now(.signInFailure, .failure, organizationID: nil, actorID: nil, details: ["reason": reason], at: now)
                }
            try await audit.append([event])
        }
        logger.notice("Sign-in failed", metadata: metadata)
    }

    /// Verifies the second factor of a pending sign-in and turns it into a full session with a new token.
    func completeSecondFactor(
        pending: SignedIn,
        code: String?,
        recoveryCode: String?,
        passkey: PasskeyAssertion? = nil,
        client: ClientInfo
    ) async throws -> SessionGrant {
        let now = now()
        guard pending.session.stage == .mfa else {
            throw MeetError(.conflict, "This sign-in does not need a code.")
        }
        try await checkSecondFactor(user: pending.user, code: code, recoveryCode: recoveryCode, passkey: passkey, client: client, now: now)
        let grant = try await makeSession(user: pending.user, stage: .active, client: client, stepUp: now, now: now)
        let method = passkey != nil ? "passkey" : code != nil ? "totp" : "recovery_code"
        guard
            try await repository.replaceSession(
                id: pending.session.id,
                with: grant.session,
                tokenHash: grant.token.hash,
                audit: [.own(.signInSuccess, user: pending.user, details: ["method": method, "stage": "active"], at: now)]
            )
        else {
            throw MeetError(.unauthorized, "This sign-in has ended; start again.")
        }
        return try await completeSignIn(grant: grant, user: pending.user, client: client, now: now)
    }

    /// Checks a passkey assertion, a TOTP code (once per time step) or a recovery code (once each). A
    /// failure counts toward the account's lockout like a wrong password.
    func checkSecondFactor(
        user: UserAccount,
        code: String?,
        recoveryCode: String?,
        passkey: PasskeyAssertion? = nil,
        client: ClientInfo,
        now: Date
    ) async throws {
        let fresh = try await repository.user(id: user.id) ?? user
        if case .delayed = lockout.state(failures: fresh.failedLogins, lastFailure: fresh.lastFailedLoginAt, now: now) {
            throw MeetError(.invalidCredentials, "Too many wrong codes; wait a little and try again.")
        }
        if fresh.passwordDisabledAt != nil || fresh.disabledAt != nil {
            throw MeetError(.invalidCredentials, "This account cannot sign in now.")
        }
        var accepted = false
        if let passkey {
            accepted = try await verifyPasskeyAssertion(passkey, user: fresh, now: now)
        } else if let code, let sealed = fresh.totpSecretCiphertext {
            let secret = try await dataKeys.open(sealed, binding: EncryptedColumn.userTOTPSecret.binding(rowID: fresh.id))
            if let step = TOTP(secret: secret).verify(code.filter { !$0.isWhitespace }, at: now, lastUsedStep: fresh.totpLastStep) {
                accepted = try await repository.claimTOTPStep(userID: fresh.id, step: step)
                if !accepted { logger.warning("TOTP code replayed", metadata: ["event": "mfa.replay", "user_id": "\(fresh.id)"]) }
            }
        } else if let recoveryCode, RecoveryCodes.normalize(recoveryCode) != nil {
            let candidate = try await recoveryCodeHash(recoveryCode, userID: fresh.id)
            for stored in try await repository.unusedRecoveryCodes(userID: fresh.id) where ConstantTime.equal(stored.hash, candidate) {
                accepted = try await repository.claimRecoveryCode(id: stored.id, at: now)
                if accepted {
                    logger.notice("Recovery code used", metadata: ["event": "mfa.recovery_code_used", "user_id": "\(fresh.id)"])
                    await notify(
                        fresh,
                        subject: "A DigitalMeet recovery code was used",
                        text:
                            "One of your recovery codes was just used to sign in. If this was not you, reset your password now: \(link("/reset-password"))\n"
                    )
                }
            }
        }
        guard accepted else {
            try await recordFailure(account: fresh, client: client, reason: passkey == nil ? "wrong second factor" : "passkey refused", now: now)
            if passkey != nil {
                throw MeetError(.invalidCredentials, "That security key or passkey was not accepted. Try again, or use another second factor.")
            }
            throw MeetError(.invalidCredentials, "That code is not right. Codes change every 30 seconds and each works once.", field: "code")
        }
        if fresh.failedLogins > 0 { try await repository.clearFailedLogins(userID: fresh.id, audit: []) }
    }

    /// The last step of every sign-in: remember the device, and tell the person about a new one.
    private func completeSignIn(grant: SessionGrant, user: UserAccount, client: ClientInfo, now: Date) async throws -> SessionGrant {
        Counter(label: "digitalmeet_signin_total", dimensions: [("outcome", "success")]).increment()
        logger.notice("Signed in", metadata: ["event": "signin.success", "user_id": "\(user.id)", "client": "\(client.throttleKey)"])
        let deviceToken = client.deviceToken.flatMap(SecureToken.init(text:))
        let device = deviceToken ?? grant.newDeviceToken ?? SecureToken()
        let hadDevices = try await repository.knownDeviceCount(userID: user.id) > 0
        let known = try await repository.isKnownDevice(userID: user.id, deviceHash: device.hash)
        try await repository.rememberDevice(userID: user.id, deviceHash: device.hash, at: now)
        if !known && hadDevices {
            logger.notice("Sign-in from a new device", metadata: ["event": "signin.new_device", "user_id": "\(user.id)"])
            await notify(
                user,
                subject: "New sign-in to DigitalMeet",
                text: """
                    Your DigitalMeet account was just signed in to from a browser it has not seen before:
                      Browser: \(Self.describe(userAgent: client.userAgent))
                      Address: \(client.address ?? "unknown")
                      Time: \(ISO8601DateFormatter().string(from: now))

                    If this was you, there is nothing to do. If not, end that session and change your password: \(link("/account"))

                    """
            )
        }
        return SessionGrant(token: grant.token, session: grant.session, newDeviceToken: deviceToken == nil ? device : nil)
    }

    func makeSession(user: UserAccount, stage: SessionStage, client: ClientInfo, stepUp: Date?, now: Date) async throws -> SessionGrant {
        let token = SecureToken()
        let id = UUID()
        let policy = try await repository.organizationSecurity(id: user.organizationID)?.sessionPolicy ?? .standard
        let device = try JSONEncoder().encode(DeviceInfo(userAgent: String(client.userAgent.prefix(512)), address: client.address))
        let sealed = try await dataKeys.seal(device, scope: .user(user.id), binding: EncryptedColumn.sessionDevice.binding(rowID: id))
        let absolute = stage == .mfa ? Self.pendingLifetime : SessionPolicy.interval(policy.absoluteTimeout)
        let session = SessionRecord(
            id: id,
            userID: user.id,
            stage: stage,
            createdAt: now,
            lastSeenAt: now,
            stepUpAt: stepUp,
            idleTimeout: stage == .mfa ? .seconds(Int64(Self.pendingLifetime)) : policy.idleTimeout,
            expiresAt: now.addingTimeInterval(absolute),
            deviceCiphertext: sealed
        )
        return SessionGrant(token: token, session: session, newDeviceToken: nil)
    }

    // MARK: Sessions

    /// The session a cookie names, if it is alive and its account may still sign in.
    func authenticate(tokenText: String) async throws -> SignedIn? {
        guard let token = SecureToken(text: tokenText), let session = try await repository.session(tokenHash: token.hash) else { return nil }
        let now = now()
        guard session.isAlive(at: now), let user = try await repository.user(id: session.userID), user.disabledAt == nil else {
            _ = try await repository.deleteSession(id: session.id, userID: session.userID, audit: [])
            return nil
        }
        // Writing on every request would turn reads into writes; a minute's precision is enough.
        if now.timeIntervalSince(session.lastSeenAt) > 60 { try await repository.touchSession(id: session.id, at: now) }
        return SignedIn(session: session, user: user, token: token)
    }

    struct SessionSummary: Codable, Sendable {
        let id: UUID
        let current: Bool
        let browser: String
        let address: String?
        let createdAt: Date
        let lastSeenAt: Date
        let expiresAt: Date
    }

    func sessionSummaries(for signedIn: SignedIn) async throws -> [SessionSummary] {
        var summaries: [SessionSummary] = []
        for session in try await repository.sessions(userID: signedIn.user.id) where session.isAlive(at: now()) {
            let json = try await dataKeys.open(session.deviceCiphertext, binding: EncryptedColumn.sessionDevice.binding(rowID: session.id))
            let device = try? JSONDecoder().decode(DeviceInfo.self, from: Data(json))
            summaries.append(
                SessionSummary(
                    id: session.id,
                    current: session.id == signedIn.session.id,
                    browser: Self.describe(userAgent: device?.userAgent ?? ""),
                    address: device?.address,
                    createdAt: session.createdAt,
                    lastSeenAt: session.lastSeenAt,
                    expiresAt: min(session.expiresAt, session.lastSeenAt.addingTimeInterval(SessionPolicy.interval(session.idleTimeout)))
                )
            )
        }
        return summaries
    }

    func endSession(id: UUID, of signedIn: SignedIn) async throws -> Bool {
        let ended = try await repository.deleteSession(
            id: id,
            userID: signedIn.user.id,
            audit: [.own(.sessionRevoked, user: signedIn.user, details: ["session_id": id.uuidString.lowercased()], at: now())]
        )
        if ended { logger.notice("Session ended", metadata: ["event": "session.revoked", "user_id": "\(signedIn.user.id)", "session_id": "\(id)"]) }
        return ended
    }

    func endOtherSessions(of signedIn: SignedIn, includingCurrent: Bool) async throws -> Int {
        let (user, now) = (signedIn.user, now())
        let count = try await repository.deleteSessions(userID: user.id, keeping: includingCurrent ? nil : signedIn.session.id) { count in
            [.own(.sessionsRevoked, user: user, details: ["count": "\(count)", "including_current": "\(includingCurrent)"], at: now)]
        }
        logger.notice(
            "Sessions ended by their owner",
            metadata: [
                "event": "session.revoked_all", "user_id": "\(signedIn.user.id)", "count": "\(count)", "including_current": "\(includingCurrent)",
            ]
        )
        return count
    }

    /// A fresh password and second factor: the session gets a new token and five minutes of step-up.
    func stepUp(
        _ signedIn: SignedIn,
        password: String,
        code: String?,
        passkey: PasskeyAssertion? = nil,
        client: ClientInfo
    ) async throws -> SessionGrant {
        let now = now()
        guard signedIn.user.mfaEnabled else {
            throw MeetError(.mfaRequired, "Set up two-step verification first; administrative actions need it.")
        }
        try await checkCurrentFactors(signedIn.user, password: password, code: code, passkey: passkey, client: client, now: now)
        var session = signedIn.session
        let token = SecureToken()
        session.id = UUID()
        session.stepUpAt = now
        session.lastSeenAt = now
        let device = try await dataKeys.open(
            signedIn.session.deviceCiphertext,
            binding: EncryptedColumn.sessionDevice.binding(rowID: signedIn.session.id)
        )
        session.deviceCiphertext = try await dataKeys.seal(
            device,
            scope: .user(signedIn.user.id),
            binding: EncryptedColumn.sessionDevice.binding(rowID: session.id)
        )
        guard
            try await repository.replaceSession(
                id: signedIn.session.id,
                with: session,
                tokenHash: token.hash,
                audit: [.own(.stepUp, user: signedIn.user, details: ["method": passkey != nil ? "passkey" : "totp"], at: now)]
            )
        else {
            throw MeetError(.unauthorized, "Your session has ended; sign in again.")
        }
        logger.notice("Step-up authentication", metadata: ["event": "signin.step_up", "user_id": "\(signedIn.user.id)"])
        return SessionGrant(token: token, session: session, newDeviceToken: nil)
    }

    /// Requires a step-up within the last five minutes (admin actions and security settings call this).
    func requireStepUp(_ signedIn: SignedIn) throws {
        guard signedIn.session.hasFreshStepUp(at: now()) else {
            throw MeetError(.stepUpRequired, "Confirm it is you: enter your password and a code from your authenticator app.")
        }
    }

    /// The current password and, when MFA is on, a code or a passkey assertion: what changing a security
    /// setting requires.
    func checkCurrentFactors(
        _ user: UserAccount,
        password: String,
        code: String?,
        passkey: PasskeyAssertion? = nil,
        client: ClientInfo,
        now: Date
    ) async throws {
        let fresh = try await repository.user(id: user.id) ?? user
        let locked: Bool =
            switch lockout.state(failures: fresh.failedLogins, lastFailure: fresh.lastFailedLoginAt, now: now) {
            case .open: false
            default: true
            }
        let correct =
            password.utf8.count <= Self.maximumPasswordBytes && !locked
            ? try await hasher.verify(password, against: fresh.passwordHash) : false
        guard correct else {
            if !locked { try await recordFailure(account: fresh, client: client, reason: "wrong current password", now: now) }
            throw MeetError(.invalidCredentials, "Your current password is not right.", field: "currentPassword")
        }
        if fresh.mfaEnabled {
            try await checkSecondFactor(user: fresh, code: code, recoveryCode: nil, passkey: passkey, client: client, now: now)
        }
    }

    // MARK: Passwords

    func changePassword(
        _ signedIn: SignedIn,
        current: String,
        code: String?,
        passkey: PasskeyAssertion? = nil,
        new: String,
        endOtherSessions: Bool,
        client: ClientInfo
    ) async throws
        -> SessionGrant
    {
        let now = now()
        let email = try await email(of: signedIn.user)
        try policy.validate(new, mfaEnforced: signedIn.user.mfaEnabled, contextWords: [signedIn.user.displayName, email])
        try await checkCurrentFactors(signedIn.user, password: current, code: code, passkey: passkey, client: client, now: now)
        try await repository.updatePasswordHash(
            userID: signedIn.user.id,
            hash: try await hasher.hash(new),
            at: now,
            audit: [
                .own(
                    .passwordChanged,
                    user: signedIn.user,
                    details: ["including_current": "false", "reason": endOtherSessions ? "other sessions ended" : "other sessions kept"],
                    at: now
                )
            ]
        )
        if endOtherSessions { _ = try await repository.deleteSessions(userID: signedIn.user.id, keeping: signedIn.session.id) { _ in [] } }
        logger.notice(
            "Password changed",
            metadata: ["event": "password.changed", "user_id": "\(signedIn.user.id)", "ended_other_sessions": "\(endOtherSessions)"]
        )
        await notify(
            signedIn.user,
            subject: "Your DigitalMeet password was changed",
            text: "The password of your DigitalMeet account was just changed. If this was not you, reset it now: \(link("/reset-password"))\n"
        )
        // A new token for the session that made the change; with a second factor checked, it is also a step-up.
        return try await rotate(signedIn, stage: signedIn.session.stage, stepUp: signedIn.user.mfaEnabled ? now : signedIn.session.stepUpAt, now: now)
    }

    func rotate(_ signedIn: SignedIn, stage: SessionStage, stepUp: Date?, now: Date) async throws -> SessionGrant {
        let client = try await clientInfo(of: signedIn.session)
        let grant = try await makeSession(user: signedIn.user, stage: stage, client: client, stepUp: stepUp, now: now)
        guard try await repository.replaceSession(id: signedIn.session.id, with: grant.session, tokenHash: grant.token.hash, audit: []) else {
            throw MeetError(.unauthorized, "Your session has ended; sign in again.")
        }
        return grant
    }

    private func clientInfo(of session: SessionRecord) async throws -> ClientInfo {
        let json = try await dataKeys.open(session.deviceCiphertext, binding: EncryptedColumn.sessionDevice.binding(rowID: session.id))
        let device = try? JSONDecoder().decode(DeviceInfo.self, from: Data(json))
        return ClientInfo(address: device?.address, userAgent: device?.userAgent ?? "", deviceToken: nil)
    }

    /// Always answers the same way; sends a link only when the account exists.
    func requestPasswordReset(email: String) async throws {
        let normalized = EmailAddress.normalize(email)
        guard EmailAddress.isPlausible(normalized),
            let user = try await repository.user(emailBlindIndex: dataKeys.blindIndex(normalized, purpose: "users.email")), user.disabledAt == nil
        else {
            logger.info("Password reset requested for an unknown address", metadata: ["event": "password.reset_requested_unknown"])
            return
        }
        let token = SecureToken()
        try await repository.createAccountToken(
            AccountToken(id: UUID(), userID: user.id, purpose: .resetPassword, expiresAt: now().addingTimeInterval(Self.resetLinkLifetime)),
            tokenHash: token.hash
        )
        logger.notice("Password reset link sent", metadata: ["event": "password.reset_requested", "user_id": "\(user.id)"])
        await notify(
            user,
            subject: "Reset your DigitalMeet password",
            text: """
                Someone asked to reset the password of your DigitalMeet account. To choose a new one, open this link within an hour:

                \(link("/reset-password", fragment: "token=\(token.text)"))

                If this was not you, ignore this email; your password stays as it is.

                """
        )
    }

    /// What the reset page needs to know before asking for a new password: whether a code is needed too.
    func resetRequiresCode(tokenText: String) async throws -> Bool {
        guard let token = SecureToken(text: tokenText),
            let pending = try await repository.accountToken(tokenHash: token.hash, purpose: .resetPassword, at: now()),
            let user = try await repository.user(id: pending.userID)
        else { throw Self.invalidLink }
        return user.mfaEnabled
    }

    /// Sets a new password from an emailed link. A reset never bypasses MFA: an account with MFA must
    /// also give a code (or a recovery code). Every session of the account ends.
    func completePasswordReset(tokenText: String, newPassword: String, code: String?, recoveryCode: String?, client: ClientInfo) async throws {
        let now = now()
        guard let token = SecureToken(text: tokenText),
            let pending = try await repository.accountToken(tokenHash: token.hash, purpose: .resetPassword, at: now),
            let user = try await repository.user(id: pending.userID), user.disabledAt == nil
        else { throw Self.invalidLink }
        try policy.validate(newPassword, mfaEnforced: user.mfaEnabled, contextWords: [user.displayName, try await email(of: user)])
        if user.mfaEnabled {
            try await checkSecondFactor(user: user, code: code, recoveryCode: recoveryCode, client: client, now: now)
        }
        guard try await repository.claimAccountToken(tokenHash: token.hash, purpose: .resetPassword, at: now) != nil else { throw Self.invalidLink }
        try await repository.updatePasswordHash(
            userID: user.id,
            hash: try await hasher.hash(newPassword),
            at: now,
            audit: [.own(.passwordReset, user: user, details: ["method": "email link"], at: now)]
        )
        let ended = try await repository.deleteSessions(userID: user.id, keeping: nil) { _ in [] }
        logger.notice("Password reset", metadata: ["event": "password.reset", "user_id": "\(user.id)", "sessions_ended": "\(ended)"])
        await notify(
            user,
            subject: "Your DigitalMeet password was reset",
            text: "The password of your DigitalMeet account was reset and every session was signed out.\n"
        )
    }

    static let invalidLink = MeetError(.expired, "This link is not valid any more: it was used, it expired, or a newer one replaced it.")

    // MARK: Sign-up and email verification

    /// Self sign-up into the deployment's first organisation, if it allows it. The answer is the same
    /// whether or not the address already has an account (that person gets an email instead).
    func signUp(email: String, displayName: String, password: String) async throws {
        guard let organization = try await repository.defaultOrganization(), organization.allowSignup else {
            throw MeetError(.signupDisabled, "This DigitalMeet does not let people sign up themselves; ask an administrator for an invitation.")
        }
        let normalized = EmailAddress.normalize(email)
        let name = displayName.trimmingCharacters(in: .whitespacesAndNewlines)
        guard EmailAddress.isPlausible(normalized) else {
            throw MeetError(.invalidInput, "Enter an email address such as name@example.com.", field: "email")
        }
        guard (1...100).contains(name.count) else { throw MeetError(.invalidInput, "Give your name in 1 to 100 characters.", field: "displayName") }
        try policy.validate(password, mfaEnforced: false, contextWords: [name, normalized])
        let blindIndex = try await dataKeys.blindIndex(normalized, purpose: "users.email")
        let hash = try await hasher.hash(password)
        if let existing = try await repository.user(emailBlindIndex: blindIndex) {
            await notify(
                existing,
                subject: "Someone tried to sign up with your address",
                text:
                    "Someone tried to create a DigitalMeet account with this address, which already has one. If you forgot your password, reset it here: \(link("/reset-password"))\n"
            )
            return
        }
        let id = UUID()
        let user = UserAccount(
            id: id,
            organizationID: organization.organizationID,
            displayName: name,
            emailCiphertext: try await dataKeys.seal(normalized, scope: .user(id), binding: EncryptedColumn.userEmail.binding(rowID: id)),
            emailBlindIndex: blindIndex,
            role: .member,
            passwordHash: hash,
            createdAt: now()
        )
        guard try await repository.createUser(user, audit: [.own(.accountCreated, user: user, details: ["method": "sign-up"], at: now())]) else {
            return
        }
        logger.notice("Account signed up", metadata: ["event": "account.signed_up", "user_id": "\(id)"])
        try await sendVerification(to: user)
    }

    func sendVerification(to user: UserAccount) async throws {
        let token = SecureToken()
        try await repository.createAccountToken(
            AccountToken(id: UUID(), userID: user.id, purpose: .verifyEmail, expiresAt: now().addingTimeInterval(Self.verifyLinkLifetime)),
            tokenHash: token.hash
        )
        await notify(
            user,
            subject: "Confirm your email address for DigitalMeet",
            text:
                "Open this link within 24 hours to confirm your address and finish creating your account:\n\n\(link("/verify-email", fragment: "token=\(token.text)"))\n"
        )
    }

    func verifyEmail(tokenText: String) async throws {
        let now = now()
        guard let token = SecureToken(text: tokenText),
            let claimed = try await repository.claimAccountToken(tokenHash: token.hash, purpose: .verifyEmail, at: now)
        else { throw Self.invalidLink }
        try await repository.markEmailVerified(userID: claimed.userID, at: now)
        logger.notice("Email address verified", metadata: ["event": "account.email_verified", "user_id": "\(claimed.userID)"])
    }

    // MARK: Email change

    func requestEmailChange(
        _ signedIn: SignedIn,
        newEmail: String,
        password: String,
        code: String?,
        passkey: PasskeyAssertion? = nil,
        client: ClientInfo
    ) async throws {
        let now = now()
        let normalized = EmailAddress.normalize(newEmail)
        guard EmailAddress.isPlausible(normalized) else {
            throw MeetError(.invalidInput, "Enter an email address such as name@example.com.", field: "newEmail")
        }
        try await checkCurrentFactors(signedIn.user, password: password, code: code, passkey: passkey, client: client, now: now)
        let token = SecureToken()
        let id = UUID()
        let payload = try await dataKeys.seal(
            normalized,
            scope: .user(signedIn.user.id),
            binding: EncryptedColumn.accountTokenPayload.binding(rowID: id)
        )
        try await repository.createAccountToken(
            AccountToken(
                id: id,
                userID: signedIn.user.id,
                purpose: .changeEmail,
                expiresAt: now.addingTimeInterval(Self.verifyLinkLifetime),
                payloadCiphertext: payload
            ),
            tokenHash: token.hash
        )
        try await deliver(
            MailMessage(
                to: normalized,
                subject: "Confirm your new email address for DigitalMeet",
                text:
                    "Open this link within 24 hours to make this the address of your DigitalMeet account:\n\n\(link("/verify-email", fragment: "change=\(token.text)"))\n"
            )
        )
        await notify(
            signedIn.user,
            subject: "A change of your DigitalMeet email address was requested",
            text:
                "Someone signed in to your account asked to change its email address. If this was not you, change your password now: \(link("/account"))\n"
        )
        logger.notice("Email change requested", metadata: ["event": "account.email_change_requested", "user_id": "\(signedIn.user.id)"])
    }

    func confirmEmailChange(tokenText: String) async throws {
        let now = now()
        guard let token = SecureToken(text: tokenText),
            let claimed = try await repository.claimAccountToken(tokenHash: token.hash, purpose: .changeEmail, at: now),
            let sealed = claimed.payloadCiphertext, let user = try await repository.user(id: claimed.userID)
        else { throw Self.invalidLink }
        let newEmail = try await dataKeys.openString(sealed, binding: EncryptedColumn.accountTokenPayload.binding(rowID: claimed.id))
        let ciphertext = try await dataKeys.seal(newEmail, scope: .user(user.id), binding: EncryptedColumn.userEmail.binding(rowID: user.id))
        guard
            try await repository.updateEmail(
                userID: user.id,
                ciphertext: ciphertext,
                blindIndex: dataKeys.blindIndex(newEmail, purpose: "users.email"),
                audit: [.own(.emailChanged, user: user, at: now)]
            )
        else {
            throw MeetError(.conflict, "That address already belongs to another account.")
        }
        logger.notice("Email address changed", metadata: ["event": "account.email_changed", "user_id": "\(user.id)"])
    }

    // MARK: TOTP enrolment

    struct Enrolment: Codable, Sendable {
        let secret: String
        let otpauthURI: String
        let qrSVG: String
    }

    /// Starts TOTP enrolment: a new secret (kept pending until a code from it is entered).
    func beginTOTP(_ signedIn: SignedIn, password: String?, passkey: PasskeyAssertion? = nil, client: ClientInfo) async throws -> Enrolment {
        let now = now()
        // During forced enrolment the password was checked moments ago; elsewhere it is asked again
        // (with a passkey, when the account already has one).
        if signedIn.session.stage != .enrol {
            if signedIn.user.hasTOTP { throw MeetError(.conflict, "An authenticator app is already set up; turn it off first to enrol another app.") }
            try await checkCurrentFactors(signedIn.user, password: password ?? "", code: nil, passkey: passkey, client: client, now: now)
        }
        let totp = TOTP.generate()
        let sealed = try await dataKeys.seal(
            totp.secret,
            scope: .user(signedIn.user.id),
            binding: EncryptedColumn.userPendingTOTP.binding(rowID: signedIn.user.id)
        )
        try await repository.setPendingTOTP(userID: signedIn.user.id, ciphertext: sealed)
        let uri = totp.provisioningURI(account: try await email(of: signedIn.user), issuer: "DigitalMeet (\(publicURL.host ?? "localhost"))")
        let qr = try QRCode(encoding: uri)
        return Enrolment(secret: totp.base32Secret, otpauthURI: uri, qrSVG: qr.svg(label: "QR code to scan with your authenticator app"))
    }

    /// Confirms enrolment with a code from the new secret; returns the ten recovery codes (shown once)
    /// and, when enrolment was forced at sign-in, the now full session.
    func confirmTOTP(_ signedIn: SignedIn, code: String) async throws -> (codes: [String], grant: SessionGrant?) {
        let now = now()
        guard let user = try await repository.user(id: signedIn.user.id), let pending = user.pendingTOTPCiphertext else {
            throw MeetError(.conflict, "Start the set-up again: no authenticator app is waiting to be confirmed.")
        }
        let secret = try await dataKeys.open(pending, binding: EncryptedColumn.userPendingTOTP.binding(rowID: user.id))
        guard let step = TOTP(secret: secret).verify(code.filter { !$0.isWhitespace }, at: now, lastUsedStep: nil) else {
            throw MeetError(.invalidInput, "That code is not right. Check the time on your phone and enter the current code.", field: "code")
        }
        // Recovery codes come with the first second factor; a passkey added before already brought them.
        let codes = user.mfaEnabled ? [] : RecoveryCodes.generate()
        var hashes: [[UInt8]] = []
        for code in codes { hashes.append(try await recoveryCodeHash(code, userID: user.id)) }
        let confirmed = try await dataKeys.seal(secret, scope: .user(user.id), binding: EncryptedColumn.userTOTPSecret.binding(rowID: user.id))
        try await repository.confirmTOTP(
            userID: user.id,
            ciphertext: confirmed,
            step: step,
            recoveryCodeHashes: user.mfaEnabled ? nil : hashes,
            audit: [.own(.mfaEnabled, user: user, details: ["method": "totp"], at: now)]
        )
        logger.notice("Two-step verification turned on", metadata: ["event": "mfa.enabled", "user_id": "\(user.id)"])
        await notify(user, subject: "Two-step verification is on", text: "Two-step verification was turned on for your DigitalMeet account.\n")
        var grant: SessionGrant?
        if signedIn.session.stage == .enrol {
            grant = try await rotate(signedIn, stage: .active, stepUp: now, now: now)
        }
        return (codes, grant)
    }

    func disableTOTP(_ signedIn: SignedIn, password: String, code: String?, passkey: PasskeyAssertion? = nil, client: ClientInfo) async throws {
        let now = now()
        guard signedIn.user.hasTOTP else { throw MeetError(.conflict, "No authenticator app is set up.") }
        if signedIn.user.passkeyCount == 0, try await repository.organizationSecurity(id: signedIn.user.organizationID)?.requireMFA == true {
            throw MeetError(.forbidden, "Your organisation requires two-step verification, so it cannot be turned off.")
        }
        try await checkCurrentFactors(signedIn.user, password: password, code: code, passkey: passkey, client: client, now: now)
        try await repository.disableMFA(
            userID: signedIn.user.id,
            audit: [
                .own(
                    .mfaDisabled,
                    user: signedIn.user,
                    details: ["method": "totp", "reason": signedIn.user.passkeyCount > 0 ? "passkeys remain" : "no second factor left"],
                    at: now
                )
            ]
        )
        if signedIn.user.passkeyCount > 0 {
            logger.notice("Authenticator app removed; passkeys remain", metadata: ["event": "mfa.totp_removed", "user_id": "\(signedIn.user.id)"])
            await notify(
                signedIn.user,
                subject: "Your authenticator app was removed",
                text: "Codes from an authenticator app no longer sign in to your DigitalMeet account; your security keys and passkeys still do.\n"
            )
            return
        }
        logger.notice("Two-step verification turned off", metadata: ["event": "mfa.disabled", "user_id": "\(signedIn.user.id)"])
        await notify(
            signedIn.user,
            subject: "Two-step verification was turned off",
            text:
                "Two-step verification was turned off for your DigitalMeet account. If this was not you, change your password now: \(link("/account"))\n"
        )
    }

    func regenerateRecoveryCodes(
        _ signedIn: SignedIn,
        password: String,
        code: String?,
        passkey: PasskeyAssertion? = nil,
        client: ClientInfo
    ) async throws -> [String] {
        guard signedIn.user.mfaEnabled else { throw MeetError(.conflict, "Two-step verification is not on.") }
        try await checkCurrentFactors(signedIn.user, password: password, code: code, passkey: passkey, client: client, now: now())
        let codes = RecoveryCodes.generate()
        var hashes: [[UInt8]] = []
        for code in codes { hashes.append(try await recoveryCodeHash(code, userID: signedIn.user.id)) }
        try await repository.replaceRecoveryCodes(
            userID: signedIn.user.id,
            hashes: hashes,
            audit: [.own(.mfaRecoveryCodesReplaced, user: signedIn.user, at: now())]
        )
        logger.notice("Recovery codes replaced", metadata: ["event": "mfa.recovery_codes_replaced", "user_id": "\(signedIn.user.id)"])
        await notify(
            signedIn.user,
            subject: "New DigitalMeet recovery codes",
            text: "New recovery codes were made for your account; the old ones no longer work.\n"
        )
        return codes
    }

    func remainingRecoveryCodes(userID: UUID) async throws -> Int {
        try await repository.unusedRecoveryCodes(userID: userID).count
    }

    // MARK: Invitations

    func invite(_ signedIn: SignedIn, organizationID: UUID, email: String, role: OrganizationRole) async throws -> Invitation {
        try await authorize(signedIn, organizationID: organizationID, .membersInvite)
        guard role != .owner else {
            throw MeetError(.invalidInput, "Invite as admin, auditor or member; ownership is transferred, not invited.", field: "role")
        }
        let normalized = EmailAddress.normalize(email)
        guard EmailAddress.isPlausible(normalized) else {
            throw MeetError(.invalidInput, "Enter an email address such as name@example.com.", field: "email")
        }
        let blindIndex = try await dataKeys.blindIndex(normalized, purpose: "users.email")
        if try await repository.user(emailBlindIndex: blindIndex) != nil {
            throw MeetError(.conflict, "That address already has an account.", field: "email")
        }
        let token = SecureToken()
        let id = UUID()
        let now = now()
        let invitation = Invitation(
            id: id,
            organizationID: organizationID,
            emailCiphertext: try await dataKeys.seal(
                normalized,
                scope: .organization(organizationID),
                binding: EncryptedColumn.invitationEmail.binding(rowID: id)
            ),
            emailBlindIndex: blindIndex,
            role: role,
            invitedBy: signedIn.user.id,
            createdAt: now,
            expiresAt: now.addingTimeInterval(Self.invitationLifetime)
        )
        try await repository.createInvitation(
            invitation,
            tokenHash: token.hash,
            audit: [
                .now(
                    .memberInvited,
                    organizationID: organizationID,
                    actorID: signedIn.user.id,
                    target: AuditTarget(type: "invitation", id: id.uuidString.lowercased()),
                    details: ["role": role.rawValue],
                    at: now
                )
            ]
        )
        let organization = try await repository.organizationSecurity(id: organizationID)
        try await deliver(
            MailMessage(
                to: normalized,
                subject: "\(signedIn.user.displayName) invited you to \(organization?.name ?? "DigitalMeet")",
                text: """
                    \(signedIn.user.displayName) invited you to join \(organization?.name ?? "their organisation") on DigitalMeet as \(role.rawValue).

                    Open this link within 7 days to create your account:

                    \(link("/invite", fragment: "token=\(token.text)"))

                    """
            )
        )
        logger.notice(
            "Invitation sent",
            metadata: [
                "event": "member.invited", "user_id": "\(signedIn.user.id)", "organization_id": "\(organizationID)", "role": "\(role.rawValue)",
            ]
        )
        return invitation
    }

    struct InvitationDetails: ResponseCodable, Sendable {
        let organizationName: String
        let email: String
        let role: OrganizationRole
        let expiresAt: Date
    }

    func invitationDetails(tokenText: String) async throws -> InvitationDetails {
        guard let token = SecureToken(text: tokenText), let invitation = try await repository.invitation(tokenHash: token.hash, at: now()) else {
            throw Self.invalidLink
        }
        let email = try await dataKeys.openString(invitation.emailCiphertext, binding: EncryptedColumn.invitationEmail.binding(rowID: invitation.id))
        let organization = try await repository.organizationSecurity(id: invitation.organizationID)
        return InvitationDetails(organizationName: organization?.name ?? "", email: email, role: invitation.role, expiresAt: invitation.expiresAt)
    }

    func acceptInvitation(tokenText: String, displayName: String, password: String) async throws -> UUID {
        guard let token = SecureToken(text: tokenText), let invitation = try await repository.invitation(tokenHash: token.hash, at: now()) else {
            throw Self.invalidLink
        }
        let name = displayName.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...100).contains(name.count) else { throw MeetError(.invalidInput, "Give your name in 1 to 100 characters.", field: "displayName") }
        let organization = try await repository.organizationSecurity(id: invitation.organizationID)
        let email = try await dataKeys.openString(invitation.emailCiphertext, binding: EncryptedColumn.invitationEmail.binding(rowID: invitation.id))
        try policy.validate(password, mfaEnforced: organization?.requireMFA == true, contextWords: [name, email])
        let id = UUID()
        let now = now()
        let user = UserAccount(
            id: id,
            organizationID: invitation.organizationID,
            displayName: name,
            emailCiphertext: try await dataKeys.seal(email, scope: .user(id), binding: EncryptedColumn.userEmail.binding(rowID: id)),
            emailBlindIndex: invitation.emailBlindIndex,
            role: invitation.role,
            passwordHash: try await hasher.hash(password),
            // The invitation reached this mailbox: the address is proven.
            emailVerifiedAt: now,
            createdAt: now
        )
        let accepted: Bool?
        do {
            accepted = try await repository.acceptInvitation(
                tokenHash: token.hash,
                user: user,
                at: now,
                audit: [
                    .own(.memberJoined, user: user, details: ["role": invitation.role.rawValue], at: now)
                ]
            )
        } catch is InvitationEmailTaken {
            throw MeetError(.conflict, "That address already has an account; sign in instead.")
        }
        guard accepted == true else { throw Self.invalidLink }
        logger.notice(
            "Invitation accepted",
            metadata: [
                "event": "member.joined", "user_id": "\(id)", "organization_id": "\(invitation.organizationID)",
                "role": "\(invitation.role.rawValue)",
            ]
        )
        return id
    }

    /// Clears a member's failed sign-ins (and a disabled password) — an administrator's action.
    func unlock(_ signedIn: SignedIn, organizationID: UUID, userID: UUID) async throws {
        let target = try await managedMember(signedIn, organizationID: organizationID, userID: userID, permission: .membersUnlock)
        try await repository.clearFailedLogins(
            userID: userID,
            audit: [.now(.memberUnlocked, organizationID: organizationID, actorID: signedIn.user.id, target: .user(userID), at: now())]
        )
        logger.notice(
            "Account unlocked by an administrator",
            metadata: [
                "event": "admin.unlock", "user_id": "\(signedIn.user.id)", "target_user_id": "\(userID)", "organization_id": "\(organizationID)",
            ]
        )
        await notify(
            target,
            subject: "Your DigitalMeet account was unlocked",
            text: "An administrator unlocked your account; you can sign in again.\n"
        )
    }

    // MARK: Authorisation

    /// The one check in front of every organisation route: the organisation must be the caller's own
    /// (another one answers 404, as if it did not exist), the role must hold the permission
    /// (`PermissionTable`), and an administrative permission needs two-step verification and a
    /// step-up within five minutes. Refusals are audited.
    func authorize(_ signedIn: SignedIn, organizationID: UUID, _ permission: Permission) async throws {
        let user = signedIn.user
        guard user.organizationID == organizationID else {
            try await denied(user, permission, target: .organization(organizationID), reason: "another organisation")
            throw MeetError(.notFound, "There is no such organisation.")
        }
        guard PermissionTable.allows(user.role, permission) else {
            try await denied(user, permission, target: nil, reason: "role \(user.role.rawValue)")
            throw MeetError(.forbidden, "Your role (\(user.role.rawValue)) does not allow this.")
        }
        guard permission.isAdministrative else { return }
        guard user.mfaEnabled else {
            throw MeetError(.mfaRequired, "Set up two-step verification first; administrative actions need it.")
        }
        try requireStepUp(signedIn)
    }

    /// `authorize`, then the member must exist in the organisation and be someone the caller may manage
    /// (not themselves; admins do not manage owners).
    func managedMember(_ signedIn: SignedIn, organizationID: UUID, userID: UUID, permission: Permission) async throws -> UserAccount {
        try await authorize(signedIn, organizationID: organizationID, permission)
        guard let target = try await repository.user(id: userID), target.organizationID == organizationID else {
            throw MeetError(.notFound, "There is no such member in this organisation.")
        }
        guard RoleAssignment.mayManage(actor: signedIn.user.role, actorID: signedIn.user.id, target: target.role, targetID: target.id) else {
            try await denied(signedIn.user, permission, target: .user(userID), reason: "may not manage this member")
            throw MeetError(
                .forbidden,
                target.id == signedIn.user.id ? "You cannot do this to your own account." : "Only an owner may do this to an owner."
            )
        }
        return target
    }

    func denied(_ user: UserAccount, _ permission: Permission, target: AuditTarget?, reason: String) async throws {
        try await audit.append([
            .now(
                .accessDenied,
                .denied,
                organizationID: user.organizationID,
                actorID: user.id,
                target: target,
                details: ["permission": permission.rawValue, "reason": reason],
                at: now()
            )
        ])
        Counter(label: "digitalmeet_access_denied_total", dimensions: [("permission", permission.rawValue)]).increment()
    }

    // MARK: Helpers

    func email(of user: UserAccount) async throws -> String {
        try await dataKeys.openString(user.emailCiphertext, binding: EncryptedColumn.userEmail.binding(rowID: user.id))
    }

    func recoveryCodeHash(_ code: String, userID: UUID) async throws -> [UInt8] {
        try await dataKeys.blindIndex("\(userID.uuidString)|\(RecoveryCodes.normalize(code) ?? "")", purpose: "recovery_codes")
    }

    func link(_ path: String, fragment: String? = nil) -> String {
        var components = URLComponents(url: publicURL, resolvingAgainstBaseURL: false)
        components?.path = path
        components?.fragment = fragment
        return components?.url?.absoluteString ?? publicURL.absoluteString
    }

    /// Sends a notice to the account's address; a mail failure is logged, never shown to the requester
    /// (its timing or outcome would reveal whether an account exists).
    func notify(_ user: UserAccount, subject: String, text: String) async {
        do {
            let address = try await email(of: user)
            try await deliver(MailMessage(to: address, subject: subject, text: "Hello \(user.displayName),\n\n" + text))
        } catch {
            logger.error("Could not send an account email", metadata: ["event": "mail.failed", "user_id": "\(user.id)", "error": "\(error)"])
        }
    }

    func deliver(_ message: MailMessage) async throws {
        let mail = mail
        let logger = logger
        // Delivery happens off the request, so its duration reveals nothing.
        Task {
            do {
                try await mail.send(message)
            } catch {
                logger.error("Could not deliver an email", metadata: ["event": "mail.failed", "error": "\(error)"])
            }
        }
    }

    /// A short, human description of a User-Agent ("Chrome on Linux").
    static func describe(userAgent: String) -> String {
        let browser =
            userAgent.contains("Firefox/")
            ? "Firefox"
            : userAgent.contains("Edg/")
                ? "Edge"
                : userAgent.contains("Chrome/")
                    ? (userAgent.contains("HeadlessChrome") ? "Headless Chrome" : "Chrome")
                    : userAgent.contains("Safari/")
                        ? "Safari"
                        : userAgent.isEmpty ? "Unknown browser" : String(userAgent.prefix(40))
        let system =
            userAgent.contains("Android")
            ? "Android"
            : userAgent.contains("iPhone") || userAgent.contains("iPad")
                ? "iOS"
                : userAgent.contains("Windows")
                    ? "Windows"
                    : userAgent.contains("Mac OS X")
                        ? "macOS"
                        : userAgent.contains("Linux") ? "Linux" : nil
        return system.map { "\(browser) on \($0)" } ?? browser
    }
}

struct DeviceInfo: Codable, Sendable {
    let userAgent: String
    let address: String?
}

import FluentKit
import Foundation
import MeetCore
import SQLKit

/// `IdentityRepository` over the store. Single-use things (TOTP steps, recovery codes, emailed tokens,
/// invitations) are claimed with conditional updates, which are race-free on SQLite and PostgreSQL alike.
public struct FluentIdentityRepository: IdentityRepository {
    let store: Store

    public init(store: Store) {
        self.store = store
    }

    // MARK: Accounts

    public func user(id: UUID) async throws -> UserAccount? {
        try await withPasskeyCount(try await UserModel.find(id, on: store.database).map { try $0.account() })
    }

    public func user(emailBlindIndex: [UInt8]) async throws -> UserAccount? {
        try await withPasskeyCount(
            try await UserModel.query(on: store.database).filter(\.$emailBlindIndex == Data(emailBlindIndex)).first().map { try $0.account() }
        )
    }

    func withPasskeyCount(_ account: UserAccount?) async throws -> UserAccount? {
        guard var account else { return nil }
        account.passkeyCount = try await WebAuthnCredentialModel.query(on: store.database).filter(\.$userID == account.id).count()
        return account
    }

    public func organizationSecurity(id: UUID) async throws -> OrganizationSecurity? {
        try await OrganizationModel.find(id, on: store.database).map { try $0.security() }
    }

    public func defaultOrganization() async throws -> OrganizationSecurity? {
        try await OrganizationModel.query(on: store.database).sort(\.$createdAt).first().map { try $0.security() }
    }

    public func createUser(_ user: UserAccount, audit: [AuditEvent]) async throws -> Bool {
        try await store.write { database in
            guard try await UserModel.query(on: database).filter(\.$emailBlindIndex == Data(user.emailBlindIndex)).count() == 0 else {
                return false
            }
            try await UserModel(user).create(on: database)
            try await FluentAuditRepository.append(audit, on: database)
            return true
        }
    }

    public func recordFailedLogin(userID: UUID, at: Date, hardStop: Int, audit: @escaping @Sendable (Int) -> [AuditEvent]) async throws -> Int {
        try await store.write { database in
            let sql = try database.sqlDatabase()
            let rows = try await sql.update(UserModel.schema)
                .set("failed_logins", to: SQLBinaryExpression(SQLColumn("failed_logins"), .add, SQLLiteral.numeric("1")))
                .set("last_failed_login_at", to: at)
                .where("id", .equal, userID)
                .returning("failed_logins")
                .all()
            guard let count = try rows.first?.decode(column: "failed_logins", as: Int.self) else { return 0 }
            if count >= hardStop {
                try await sql.update(UserModel.schema)
                    .set("password_disabled_at", to: at)
                    .where("id", .equal, userID)
                    .where("password_disabled_at", .is, SQLLiteral.null)
                    .run()
            }
            try await FluentAuditRepository.append(audit(count), on: database)
            return count
        }
    }

    public func clearFailedLogins(userID: UUID, audit: [AuditEvent]) async throws {
        try await store.write { database in
            try await database.sqlDatabase().update(UserModel.schema)
                .set("failed_logins", to: 0)
                .set("last_failed_login_at", to: SQLLiteral.null)
                .set("password_disabled_at", to: SQLLiteral.null)
                .where("id", .equal, userID)
                .run()
            try await FluentAuditRepository.append(audit, on: database)
        }
    }

    public func updatePasswordHash(userID: UUID, hash: String, at: Date, audit: [AuditEvent]) async throws {
        try await store.write { database in
            try await database.sqlDatabase().update(UserModel.schema)
                .set("password_hash", to: hash)
                .set("password_changed_at", to: at)
                .set("failed_logins", to: 0)
                .set("last_failed_login_at", to: SQLLiteral.null)
                .set("password_disabled_at", to: SQLLiteral.null)
                .where("id", .equal, userID)
                .run()
            try await FluentAuditRepository.append(audit, on: database)
        }
    }

    public func markEmailVerified(userID: UUID, at: Date) async throws {
        try await store.write { database in
            try await database.sqlDatabase().update(UserModel.schema)
                .set("email_verified_at", to: at)
                .where("id", .equal, userID)
                .where("email_verified_at", .is, SQLLiteral.null)
                .run()
        }
    }

    public func updateEmail(userID: UUID, ciphertext: [UInt8], blindIndex: [UInt8], audit: [AuditEvent]) async throws -> Bool {
        try await store.write { database in
            let taken = try await UserModel.query(on: database)
                .filter(\.$emailBlindIndex == Data(blindIndex))
                .filter(\.$id != userID)
                .count()
            guard taken == 0 else { return false }
            try await database.sqlDatabase().update(UserModel.schema)
                .set("email_ciphertext", to: Data(ciphertext))
                .set("email_blind_index", to: Data(blindIndex))
                .where("id", .equal, userID)
                .run()
            try await FluentAuditRepository.append(audit, on: database)
            return true
        }
    }

    public func setDisabled(userID: UUID, at: Date?, audit: [AuditEvent]) async throws {
        try await store.write { database in
            let sql = try database.sqlDatabase()
            try await sql.update(UserModel.schema).set("disabled_at", to: at.map { SQLBind($0) as any SQLExpression } ?? SQLLiteral.null)
                .where("id", .equal, userID).run()
            // A disabled account keeps no session, in the same transaction.
            if at != nil { try await sql.delete(from: SessionModel.schema).where("user_id", .equal, userID).run() }
            try await FluentAuditRepository.append(audit, on: database)
        }
    }

    // MARK: Second factors

    public func setPendingTOTP(userID: UUID, ciphertext: [UInt8]?) async throws {
        try await store.write { database in
            try await database.sqlDatabase().update(UserModel.schema)
                .set("totp_pending_ciphertext", to: ciphertext.map { SQLBind(Data($0)) as any SQLExpression } ?? SQLLiteral.null)
                .where("id", .equal, userID)
                .run()
        }
    }

    public func confirmTOTP(userID: UUID, ciphertext: [UInt8], step: Int64, recoveryCodeHashes: [[UInt8]]?, audit: [AuditEvent]) async throws {
        try await store.write { database in
            try await database.sqlDatabase().update(UserModel.schema)
                .set("totp_secret_ciphertext", to: Data(ciphertext))
                .set("totp_pending_ciphertext", to: SQLLiteral.null)
                .set("totp_last_step", to: step)
                .where("id", .equal, userID)
                .run()
            if let recoveryCodeHashes { try await Self.replaceRecoveryCodes(userID: userID, hashes: recoveryCodeHashes, on: database) }
            try await FluentAuditRepository.append(audit, on: database)
        }
    }

    public func disableMFA(userID: UUID, audit: [AuditEvent]) async throws {
        try await store.write { database in
            try await database.sqlDatabase().update(UserModel.schema)
                .set("totp_secret_ciphertext", to: SQLLiteral.null)
                .set("totp_pending_ciphertext", to: SQLLiteral.null)
                .set("totp_last_step", to: SQLLiteral.null)
                .where("id", .equal, userID)
                .run()
            // Recovery codes stand in for any second factor: they stay while a passkey does.
            if try await WebAuthnCredentialModel.query(on: database).filter(\.$userID == userID).count() == 0 {
                try await RecoveryCodeModel.query(on: database).filter(\.$userID == userID).delete()
            }
            try await FluentAuditRepository.append(audit, on: database)
        }
    }

    public func claimTOTPStep(userID: UUID, step: Int64) async throws -> Bool {
        try await store.write { database in
            let sql = try database.sqlDatabase()
            let claimed = try await sql.update(UserModel.schema)
                .set("totp_last_step", to: step)
                .where("id", .equal, userID)
                .where {
                    $0.where("totp_last_step", .is, SQLLiteral.null).orWhere("totp_last_step", .lessThan, step)
                }
                .returning("id")
                .all()
            return !claimed.isEmpty
        }
    }

    public func replaceRecoveryCodes(userID: UUID, hashes: [[UInt8]], audit: [AuditEvent]) async throws {
        try await store.write { database in
            try await Self.replaceRecoveryCodes(userID: userID, hashes: hashes, on: database)
            try await FluentAuditRepository.append(audit, on: database)
        }
    }

    static func replaceRecoveryCodes(userID: UUID, hashes: [[UInt8]], on database: any Database) async throws {
        try await RecoveryCodeModel.query(on: database).filter(\.$userID == userID).delete()
        for hash in hashes {
            let code = RecoveryCodeModel()
            code.id = UUID()
            code.userID = userID
            code.codeHash = Data(hash)
            try await code.create(on: database)
        }
    }

    public func unusedRecoveryCodes(userID: UUID) async throws -> [(id: UUID, hash: [UInt8])] {
        try await RecoveryCodeModel.query(on: store.database)
            .filter(\.$userID == userID)
            .filter(\.$usedAt == nil)
            .all()
            .map { (try $0.requireID(), Array($0.codeHash)) }
    }

    public func claimRecoveryCode(id: UUID, at: Date) async throws -> Bool {
        try await store.write { database in
            try await !database.sqlDatabase().update(RecoveryCodeModel.schema)
                .set("used_at", to: at)
                .where("id", .equal, id)
                .where("used_at", .is, SQLLiteral.null)
                .returning("id")
                .all()
                .isEmpty
        }
    }

    // MARK: WebAuthn

    public func webAuthnCredentials(userID: UUID) async throws -> [WebAuthnCredential] {
        try await WebAuthnCredentialModel.query(on: store.database).filter(\.$userID == userID).sort(\.$createdAt).all().map { try $0.credential() }
    }

    public func webAuthnCredential(credentialID: [UInt8]) async throws -> WebAuthnCredential? {
        try await WebAuthnCredentialModel.query(on: store.database).filter(\.$credentialID == Data(credentialID)).first().map { try $0.credential() }
    }

    public func addWebAuthnCredential(_ credential: WebAuthnCredential, recoveryCodeHashes: [[UInt8]]?, audit: [AuditEvent]) async throws -> Bool {
        try await store.write { database in
            guard try await WebAuthnCredentialModel.query(on: database).filter(\.$credentialID == Data(credential.credentialID)).count() == 0 else {
                return false
            }
            let model = WebAuthnCredentialModel()
            model.id = credential.id
            model.userID = credential.userID
            model.credentialID = Data(credential.credentialID)
            model.publicKey = Data(credential.publicKey)
            model.signCount = credential.signCount
            model.nameCiphertext = Data(credential.nameCiphertext)
            model.createdAt = credential.createdAt
            model.lastUsedAt = credential.lastUsedAt
            try await model.create(on: database)
            if let recoveryCodeHashes { try await Self.replaceRecoveryCodes(userID: credential.userID, hashes: recoveryCodeHashes, on: database) }
            try await FluentAuditRepository.append(audit, on: database)
            return true
        }
    }

    public func deleteWebAuthnCredential(id: UUID, userID: UUID, audit: [AuditEvent]) async throws -> Bool {
        try await store.write { database in
            let sql = try database.sqlDatabase()
            let removed = try await sql.delete(from: WebAuthnCredentialModel.schema)
                .where("id", .equal, id)
                .where("user_id", .equal, userID)
                .returning("id")
                .all()
            guard !removed.isEmpty else { return false }
            let remaining = try await WebAuthnCredentialModel.query(on: database).filter(\.$userID == userID).count()
            let hasTOTP = try await UserModel.find(userID, on: database)?.totpSecretCiphertext != nil
            if remaining == 0 && !hasTOTP { try await RecoveryCodeModel.query(on: database).filter(\.$userID == userID).delete() }
            try await FluentAuditRepository.append(audit, on: database)
            return true
        }
    }

    public func claimWebAuthnUse(id: UUID, expected: Int64, signCount: Int64, at: Date) async throws -> Bool {
        try await store.write { database in
            try await !database.sqlDatabase().update(WebAuthnCredentialModel.schema)
                .set("sign_count", to: signCount)
                .set("last_used_at", to: at)
                .where("id", .equal, id)
                .where("sign_count", .equal, expected)
                .returning("id")
                .all()
                .isEmpty
        }
    }

    public func createWebAuthnChallenge(userID: UUID, ceremony: WebAuthnCeremony, challengeHash: [UInt8], expiresAt: Date) async throws {
        try await store.write { database in
            try await WebAuthnChallengeModel.query(on: database)
                .filter(\.$userID == userID)
                .filter(\.$ceremony == ceremony.rawValue)
                .delete()
            let model = WebAuthnChallengeModel()
            model.id = UUID()
            model.userID = userID
            model.ceremony = ceremony.rawValue
            model.challengeHash = Data(challengeHash)
            model.expiresAt = expiresAt
            try await model.create(on: database)
        }
    }

    public func claimWebAuthnChallenge(userID: UUID, ceremony: WebAuthnCeremony, challengeHash: [UInt8], at: Date) async throws -> Bool {
        try await store.write { database in
            try await !database.sqlDatabase().delete(from: WebAuthnChallengeModel.schema)
                .where("challenge_hash", .equal, Data(challengeHash))
                .where("user_id", .equal, userID)
                .where("ceremony", .equal, ceremony.rawValue)
                .where("expires_at", .greaterThan, at)
                .returning("id")
                .all()
                .isEmpty
        }
    }

    // MARK: Sessions

    public func createSession(_ session: SessionRecord, tokenHash: [UInt8], audit: [AuditEvent]) async throws {
        try await store.write { database in
            try await SessionModel(session, tokenHash: tokenHash).create(on: database)
            try await FluentAuditRepository.append(audit, on: database)
        }
    }

    public func session(tokenHash: [UInt8]) async throws -> SessionRecord? {
        try await SessionModel.query(on: store.database).filter(\.$tokenHash == Data(tokenHash)).first().map { try $0.record() }
    }

    public func replaceSession(id: UUID, with session: SessionRecord, tokenHash: [UInt8], audit: [AuditEvent]) async throws -> Bool {
        try await store.write { database in
            let removed = try await database.sqlDatabase().delete(from: SessionModel.schema).where("id", .equal, id).returning("id").all()
            guard !removed.isEmpty else { return false }
            try await SessionModel(session, tokenHash: tokenHash).create(on: database)
            try await FluentAuditRepository.append(audit, on: database)
            return true
        }
    }

    public func touchSession(id: UUID, at: Date) async throws {
        try await store.write { database in
            try await database.sqlDatabase().update(SessionModel.schema)
                .set("last_seen_at", to: at)
                .where("id", .equal, id)
                .where("last_seen_at", .lessThan, at)
                .run()
        }
    }

    public func sessions(userID: UUID) async throws -> [SessionRecord] {
        try await SessionModel.query(on: store.database).filter(\.$userID == userID).sort(\.$lastSeenAt, .descending).all().map { try $0.record() }
    }

    public func deleteSession(id: UUID, userID: UUID, audit: [AuditEvent]) async throws -> Bool {
        try await store.write { database in
            let removed = try await database.sqlDatabase().delete(from: SessionModel.schema)
                .where("id", .equal, id)
                .where("user_id", .equal, userID)
                .returning("id")
                .all()
            guard !removed.isEmpty else { return false }
            try await FluentAuditRepository.append(audit, on: database)
            return true
        }
    }

    public func deleteSessions(userID: UUID, keeping: UUID?, audit: @escaping @Sendable (Int) -> [AuditEvent]) async throws -> Int {
        try await store.write { database in
            var query = try database.sqlDatabase().delete(from: SessionModel.schema).where("user_id", .equal, userID)
            if let keeping { query = query.where("id", .notEqual, keeping) }
            let count = try await query.returning("id").all().count
            if count > 0 { try await FluentAuditRepository.append(audit(count), on: database) }
            return count
        }
    }

    /// Deletes sessions past their absolute end, and emailed links and invitations spent or expired a
    /// day ago; returns how many rows went.
    public func purgeExpired(at now: Date) async throws -> Int {
        try await store.write { database in
            let sql = try database.sqlDatabase()
            let dayAgo = now.addingTimeInterval(-86_400)
            var removed = try await sql.delete(from: SessionModel.schema).where("expires_at", .lessThan, now).returning("id").all().count
            removed += try await sql.delete(from: WebAuthnChallengeModel.schema).where("expires_at", .lessThan, now).returning("id").all().count
            removed += try await sql.delete(from: AccountTokenModel.schema)
                .where { $0.where("expires_at", .lessThan, dayAgo).orWhere("used_at", .lessThan, dayAgo) }
                .returning("id").all().count
            removed += try await sql.delete(from: InvitationModel.schema)
                .where("accepted_at", .is, SQLLiteral.null)
                .where("expires_at", .lessThan, dayAgo)
                .returning("id").all().count
            return removed
        }
    }

    // MARK: Devices

    public func isKnownDevice(userID: UUID, deviceHash: [UInt8]) async throws -> Bool {
        try await KnownDeviceModel.query(on: store.database)
            .filter(\.$userID == userID)
            .filter(\.$deviceHash == Data(deviceHash))
            .count() > 0
    }

    public func rememberDevice(userID: UUID, deviceHash: [UInt8], at: Date) async throws {
        try await store.write { database in
            let sql = try database.sqlDatabase()
            let updated = try await sql.update(KnownDeviceModel.schema)
                .set("last_seen_at", to: at)
                .where("user_id", .equal, userID)
                .where("device_hash", .equal, Data(deviceHash))
                .returning("id")
                .all()
            guard updated.isEmpty else { return }
            let device = KnownDeviceModel()
            device.id = UUID()
            device.userID = userID
            device.deviceHash = Data(deviceHash)
            device.firstSeenAt = at
            device.lastSeenAt = at
            try await device.create(on: database)
        }
    }

    public func knownDeviceCount(userID: UUID) async throws -> Int {
        try await KnownDeviceModel.query(on: store.database).filter(\.$userID == userID).count()
    }

    // MARK: Emailed tokens and invitations

    public func accountToken(tokenHash: [UInt8], purpose: AccountTokenPurpose, at: Date) async throws -> AccountToken? {
        guard
            let model = try await AccountTokenModel.query(on: store.database)
                .filter(\.$tokenHash == Data(tokenHash))
                .filter(\.$purpose == purpose.rawValue)
                .filter(\.$usedAt == nil)
                .filter(\.$expiresAt > at)
                .first()
        else { return nil }
        return AccountToken(
            id: try model.requireID(),
            userID: model.userID,
            purpose: purpose,
            expiresAt: model.expiresAt,
            payloadCiphertext: model.payloadCiphertext.map { Array($0) }
        )
    }

    public func createAccountToken(_ token: AccountToken, tokenHash: [UInt8]) async throws {
        try await store.write { database in
            // A new link of a purpose replaces the unused older ones.
            try await AccountTokenModel.query(on: database)
                .filter(\.$userID == token.userID)
                .filter(\.$purpose == token.purpose.rawValue)
                .filter(\.$usedAt == nil)
                .delete()
            let model = AccountTokenModel()
            model.id = token.id
            model.userID = token.userID
            model.purpose = token.purpose.rawValue
            model.tokenHash = Data(tokenHash)
            model.payloadCiphertext = token.payloadCiphertext.map { Data($0) }
            model.expiresAt = token.expiresAt
            model.createdAt = Date()
            try await model.create(on: database)
        }
    }

    public func claimAccountToken(tokenHash: [UInt8], purpose: AccountTokenPurpose, at: Date) async throws -> AccountToken? {
        try await store.write { database in
            let claimed = try await database.sqlDatabase().update(AccountTokenModel.schema)
                .set("used_at", to: at)
                .where("token_hash", .equal, Data(tokenHash))
                .where("purpose", .equal, purpose.rawValue)
                .where("used_at", .is, SQLLiteral.null)
                .where("expires_at", .greaterThan, at)
                .returning("id")
                .all()
            guard let row = claimed.first else { return nil }
            let id = try row.decode(column: "id", as: UUID.self)
            guard let model = try await AccountTokenModel.find(id, on: database) else { return nil }
            return AccountToken(
                id: id,
                userID: model.userID,
                purpose: purpose,
                expiresAt: model.expiresAt,
                payloadCiphertext: model.payloadCiphertext.map { Array($0) }
            )
        }
    }

    public func createInvitation(_ invitation: Invitation, tokenHash: [UInt8], audit: [AuditEvent]) async throws {
        try await store.write { database in
            // Inviting an address again replaces its open invitation.
            try await InvitationModel.query(on: database)
                .filter(\.$organizationID == invitation.organizationID)
                .filter(\.$emailBlindIndex == Data(invitation.emailBlindIndex))
                .filter(\.$acceptedAt == nil)
                .delete()
            try await InvitationModel(invitation, tokenHash: tokenHash).create(on: database)
            try await FluentAuditRepository.append(audit, on: database)
        }
    }

    public func invitation(tokenHash: [UInt8], at: Date) async throws -> Invitation? {
        try await InvitationModel.query(on: store.database)
            .filter(\.$tokenHash == Data(tokenHash))
            .filter(\.$acceptedAt == nil)
            .filter(\.$expiresAt > at)
            .first()
            .map { try $0.invitation() }
    }

    public func acceptInvitation(tokenHash: [UInt8], user: UserAccount, at: Date, audit: [AuditEvent]) async throws -> Bool? {
        try await store.write { database in
            let sql = try database.sqlDatabase()
            let claimed = try await sql.update(InvitationModel.schema)
                .set("accepted_at", to: at)
                .where("token_hash", .equal, Data(tokenHash))
                .where("accepted_at", .is, SQLLiteral.null)
                .where("expires_at", .greaterThan, at)
                .returning("id")
                .all()
            guard !claimed.isEmpty else { return nil }
            guard try await UserModel.query(on: database).filter(\.$emailBlindIndex == Data(user.emailBlindIndex)).count() == 0 else {
                throw InvitationEmailTaken()
            }
            try await UserModel(user).create(on: database)
            try await FluentAuditRepository.append(audit, on: database)
            return true
        }
    }

    public func invitations(organizationID: UUID) async throws -> [Invitation] {
        try await InvitationModel.query(on: store.database)
            .filter(\.$organizationID == organizationID)
            .sort(\.$createdAt, .descending)
            .all()
            .map { try $0.invitation() }
    }
}

/// Rolls back an invitation claim when its address already has an account.
public struct InvitationEmailTaken: Error {}

extension Database {
    func sqlDatabase() throws -> any SQLDatabase {
        guard let sql = self as? any SQLDatabase else { throw StoreError("the database is not an SQL database") }
        return sql
    }
}

extension UserModel {
    convenience init(_ account: UserAccount) {
        self.init()
        id = account.id
        $organization.id = account.organizationID
        displayName = account.displayName
        emailCiphertext = Data(account.emailCiphertext)
        emailBlindIndex = Data(account.emailBlindIndex)
        passwordHash = account.passwordHash
        role = account.role.rawValue
        emailVerifiedAt = account.emailVerifiedAt
        disabledAt = account.disabledAt
        failedLogins = Int64(account.failedLogins)
        totpSecretCiphertext = account.totpSecretCiphertext.map { Data($0) }
        totpPendingCiphertext = account.pendingTOTPCiphertext.map { Data($0) }
        totpLastStep = account.totpLastStep
    }

    func account() throws -> UserAccount {
        guard let role = OrganizationRole(rawValue: role) else { throw StoreError("user \(id?.uuidString ?? "?") has an unknown role") }
        return UserAccount(
            id: try requireID(),
            organizationID: $organization.id,
            displayName: displayName,
            emailCiphertext: Array(emailCiphertext),
            emailBlindIndex: Array(emailBlindIndex),
            role: role,
            passwordHash: passwordHash,
            emailVerifiedAt: emailVerifiedAt,
            disabledAt: disabledAt,
            failedLogins: Int(failedLogins),
            lastFailedLoginAt: lastFailedLoginAt,
            passwordDisabledAt: passwordDisabledAt,
            totpSecretCiphertext: totpSecretCiphertext.map { Array($0) },
            pendingTOTPCiphertext: totpPendingCiphertext.map { Array($0) },
            totpLastStep: totpLastStep,
            createdAt: createdAt ?? Date(timeIntervalSince1970: 0)
        )
    }
}

extension WebAuthnCredentialModel {
    func credential() throws -> WebAuthnCredential {
        WebAuthnCredential(
            id: try requireID(),
            userID: userID,
            credentialID: Array(credentialID),
            publicKey: Array(publicKey),
            signCount: signCount,
            nameCiphertext: Array(nameCiphertext),
            createdAt: createdAt,
            lastUsedAt: lastUsedAt
        )
    }
}

extension OrganizationModel {
    func security() throws -> OrganizationSecurity {
        let policy = try SessionPolicy(idleTimeout: .seconds(sessionIdleSeconds), absoluteTimeout: .seconds(sessionAbsoluteSeconds))
        return OrganizationSecurity(
            organizationID: try requireID(),
            name: name,
            requireMFA: requireMFA,
            allowSignup: allowSignup,
            sessionPolicy: policy,
            meetings: try meetings(),
            retention: try RetentionPolicy(chatMessageDays: Int(chatRetentionDays))
        )
    }
}

extension SessionModel {
    convenience init(_ session: SessionRecord, tokenHash: [UInt8]) {
        self.init()
        id = session.id
        self.tokenHash = Data(tokenHash)
        userID = session.userID
        stage = session.stage.rawValue
        createdAt = session.createdAt
        lastSeenAt = session.lastSeenAt
        stepUpAt = session.stepUpAt
        idleTimeoutSeconds = session.idleTimeout.components.seconds
        expiresAt = session.expiresAt
        deviceCiphertext = Data(session.deviceCiphertext)
    }

    func record() throws -> SessionRecord {
        guard let stage = SessionStage(rawValue: stage) else { throw StoreError("session has an unknown stage") }
        return SessionRecord(
            id: try requireID(),
            userID: userID,
            stage: stage,
            createdAt: createdAt,
            lastSeenAt: lastSeenAt,
            stepUpAt: stepUpAt,
            idleTimeout: .seconds(idleTimeoutSeconds),
            expiresAt: expiresAt,
            deviceCiphertext: Array(deviceCiphertext)
        )
    }
}

extension InvitationModel {
    convenience init(_ invitation: Invitation, tokenHash: [UInt8]) {
        self.init()
        id = invitation.id
        organizationID = invitation.organizationID
        emailCiphertext = Data(invitation.emailCiphertext)
        emailBlindIndex = Data(invitation.emailBlindIndex)
        role = invitation.role.rawValue
        self.tokenHash = Data(tokenHash)
        invitedBy = invitation.invitedBy
        expiresAt = invitation.expiresAt
        acceptedAt = invitation.acceptedAt
        createdAt = invitation.createdAt
    }

    func invitation() throws -> Invitation {
        guard let role = OrganizationRole(rawValue: role) else { throw StoreError("invitation has an unknown role") }
        return Invitation(
            id: try requireID(),
            organizationID: organizationID,
            emailCiphertext: Array(emailCiphertext),
            emailBlindIndex: Array(emailBlindIndex),
            role: role,
            invitedBy: invitedBy,
            createdAt: createdAt,
            expiresAt: expiresAt,
            acceptedAt: acceptedAt
        )
    }
}

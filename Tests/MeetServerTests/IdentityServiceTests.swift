import Foundation
import Logging
import MeetCore
import MeetCrypto
import MeetStore
import MeetTestSupport
import Synchronization
import Testing

@testable import MeetServer

/// Collects account emails in memory. The e2e suite reads the real file outbox; here only the content
/// matters, so this stands in for delivery.
final class RecordingMail: MailTransport {
    let messages = Mutex<[MailMessage]>([])
    func send(_ message: MailMessage) async throws { messages.withLock { $0.append(message) } }
    func subjects(to address: String) -> [String] { messages.withLock { $0.filter { $0.to == address }.map(\.subject) } }
}

/// The identity service over a real database (SQLite and PostgreSQL) with a clock the test moves, so
/// timeouts of minutes and hours and a hundred throttled failures run in milliseconds. scrypt runs with
/// a cheap cost (N=2^10); the production parameters are checked in PasswordHasherTests and the e2e suite.
struct IdentityHarness {
    let service: IdentityService
    let repository: FluentIdentityRepository
    let clock: TestClock
    let mail: RecordingMail
    let owner: UserAccount
    let client = ClientInfo(address: "192.0.2.10", userAgent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0", deviceToken: nil)

    static let email = "ada@example.com"
    static let password = "violet tractor umbrella 42 quietly"

    static func with(_ database: TestDatabase, _ body: (IdentityHarness) async throws -> Void) async throws {
        try await database.withStore { store, _ in
            let clock = TestClock()
            let ring = store.keyRing(MasterKeys(.generate()), clock: clock)
            let hasher = PasswordHasher(parameters: .init(logN: 10, r: 8, p: 1))
            let setup = FluentOwnerSetupRepository(store: store)
            let token = SecureToken()
            try await setup.replaceSetupToken(hash: token.hash, expiresAt: clock.now().addingTimeInterval(600))
            let userID = UUID()
            let owner = ProtectedOwner(
                userID: userID,
                organizationID: UUID(),
                organizationName: "Acme",
                displayName: "Ada Lovelace",
                emailCiphertext: try await ring.seal(email, scope: .user(userID), binding: EncryptedColumn.userEmail.binding(rowID: userID)),
                emailBlindIndex: try await ring.blindIndex(email, purpose: "users.email"),
                passwordHash: try await hasher.hash(password)
            )
            _ = try await setup.redeemSetupToken(hash: token.hash, now: clock.now(), owner: owner)
            let repository = FluentIdentityRepository(store: store)
            let mail = RecordingMail()
            let service = try await IdentityService.make(
                repository: repository,
                audit: FluentAuditRepository(store: store),
                hasher: hasher,
                dataKeys: ring,
                policy: PasswordPolicy(),
                mail: mail,
                publicURL: URL(string: "https://meet.example.com")!,
                logger: quietLogger,
                now: { clock.now() }
            )
            let account = try #require(try await repository.user(id: userID))
            try await body(IdentityHarness(service: service, repository: repository, clock: clock, mail: mail, owner: account))
        }
    }

    func signIn(_ password: String = Self.password) async throws -> SessionGrant {
        try await service.signIn(email: Self.email, password: password, client: client)
    }

    func signedIn(_ grant: SessionGrant) async throws -> SignedIn {
        try #require(try await service.authenticate(tokenText: grant.token.text))
    }

    /// Enrols TOTP for the owner; returns the app's secret.
    func enrolTOTP(_ grant: SessionGrant) async throws -> TOTP {
        let enrolment = try await service.beginTOTP(try await signedIn(grant), password: Self.password, client: client)
        let totp = TOTP(secret: try #require(Base32.decode(enrolment.secret)))
        _ = try await service.confirmTOTP(try await signedIn(grant), code: totp.code(at: clock.now()))
        return totp
    }

    /// Waits for queued mail (delivery runs in a task off the request).
    func mailSubjects() async -> [String] {
        for _ in 0..<100 {
            if !mail.subjects(to: Self.email).isEmpty { break }
            try? await Task.sleep(for: .milliseconds(10))
        }
        try? await Task.sleep(for: .milliseconds(50))
        return mail.subjects(to: Self.email)
    }
}

func expectInvalidCredentials(_ body: () async throws -> some Any) async {
    await #expect(throws: MeetError.self) {
        do { _ = try await body() } catch let error as MeetError {
            #expect(error.code == .invalidCredentials)
            throw error
        }
    }
}

@Suite struct IdentityServiceTests {
    @Test(arguments: TestDatabase.all)
    func lockoutDoublesFromTheFifthFailureAndTheHardStopDisablesThePassword(database: TestDatabase) async throws {
        try await IdentityHarness.with(database) { harness in
            for _ in 0..<4 { await expectInvalidCredentials { try await harness.signIn("wrong password, try again") } }
            // Four failures cost nothing yet.
            _ = try await harness.signIn()
            for _ in 0..<5 { await expectInvalidCredentials { try await harness.signIn("wrong password, try again") } }
            // The fifth consecutive failure imposes one second, in which even the right password fails.
            harness.clock.advance(seconds: 0.5)
            await expectInvalidCredentials { try await harness.signIn() }
            harness.clock.advance(seconds: 0.6)
            _ = try await harness.signIn()
            #expect(try await harness.repository.user(id: harness.owner.id)?.failedLogins == 0)
            #expect(await harness.mailSubjects().contains("Failed sign-ins to your DigitalMeet account"))

            // Up to the hard stop, each failure waits out the (capped) delay first.
            for attempt in 1...100 {
                harness.clock.advance(seconds: 15 * 60 + 1)
                await expectInvalidCredentials { try await harness.signIn("wrong password, try again") }
                let user = try #require(try await harness.repository.user(id: harness.owner.id))
                #expect(user.failedLogins == attempt)
                #expect((user.passwordDisabledAt != nil) == (attempt >= 100))
            }
            harness.clock.advance(seconds: 3600)
            await expectInvalidCredentials { try await harness.signIn() }
            #expect(harness.mail.subjects(to: IdentityHarness.email).contains("Your DigitalMeet password was disabled"))
        }
    }

    @Test(arguments: TestDatabase.all)
    func sessionsEndWhenIdleAndAtTheAbsoluteLimit(database: TestDatabase) async throws {
        try await IdentityHarness.with(database) { harness in
            let grant = try await harness.signIn()
            harness.clock.advance(seconds: 29 * 60)
            #expect(try await harness.service.authenticate(tokenText: grant.token.text) != nil)
            harness.clock.advance(seconds: 29 * 60)
            #expect(try await harness.service.authenticate(tokenText: grant.token.text) != nil, "use restarts the idle clock")
            harness.clock.advance(seconds: 30 * 60 + 1)
            #expect(try await harness.service.authenticate(tokenText: grant.token.text) == nil, "idle for more than 30 minutes")

            let busy = try await harness.signIn()
            for _ in 0..<35 {
                harness.clock.advance(seconds: 20 * 60)
                #expect(try await harness.service.authenticate(tokenText: busy.token.text) != nil)
            }
            harness.clock.advance(seconds: 61 * 60)
            #expect(try await harness.service.authenticate(tokenText: busy.token.text) == nil, "12 hours after sign-in, whatever the activity")
            let forgotten = try await harness.signIn()
            harness.clock.advance(seconds: 13 * 3600)
            #expect(try await harness.repository.purgeExpired(at: harness.clock.now()) == 1, "maintenance removes sessions nobody came back to")
            #expect(try await harness.repository.session(tokenHash: forgotten.token.hash) == nil)
        }
    }

    @Test(arguments: TestDatabase.all)
    func stepUpLastsFiveMinutesAndRotatesTheToken(database: TestDatabase) async throws {
        try await IdentityHarness.with(database) { harness in
            let first = try await harness.signIn()
            let totp = try await harness.enrolTOTP(first)
            harness.clock.advance(seconds: 6 * 60)
            let stale = try await harness.signedIn(first)
            #expect(throws: MeetError.self) { try harness.service.requireStepUp(stale) }

            harness.clock.advance(seconds: 31)
            let stepped = try await harness.service.stepUp(
                stale,
                password: IdentityHarness.password,
                code: totp.code(at: harness.clock.now()),
                client: harness.client
            )
            #expect(stepped.token != first.token)
            #expect(try await harness.service.authenticate(tokenText: first.token.text) == nil, "the old token died with the step-up")
            harness.clock.advance(seconds: 4 * 60 + 59)
            try harness.service.requireStepUp(try await harness.signedIn(stepped))
            harness.clock.advance(seconds: 2)
            let expired = try await harness.signedIn(stepped)
            #expect(throws: MeetError.self) { try harness.service.requireStepUp(expired) }
        }
    }

    @Test(arguments: TestDatabase.all)
    func administrativePermissionsNeedMFAAFreshStepUpAndTheOwnOrganization(database: TestDatabase) async throws {
        try await IdentityHarness.with(database) { harness in
            let service = harness.service
            let organization = harness.owner.organizationID
            let first = try await harness.signIn()
            let withoutMFA = try await harness.signedIn(first)
            await #expect { try await service.authorize(withoutMFA, organizationID: organization, .policyUpdate) } throws: {
                ($0 as? MeetError)?.code == .mfaRequired
            }
            // Reading needs no step-up.
            try await service.authorize(withoutMFA, organizationID: organization, .auditRead)
            let totp = try await harness.enrolTOTP(first)
            harness.clock.advance(seconds: 6 * 60)
            let stale = try await harness.signedIn(first)
            await #expect { try await service.authorize(stale, organizationID: organization, .membersDisable) } throws: {
                ($0 as? MeetError)?.code == .stepUpRequired
            }
            harness.clock.advance(seconds: 31)
            let stepped = try await harness.signedIn(
                try await service.stepUp(stale, password: IdentityHarness.password, code: totp.code(at: harness.clock.now()), client: harness.client)
            )
            try await service.authorize(stepped, organizationID: organization, .membersDisable)
            // Another organisation is "not found" even for its would-be owner, and the attempt is audited.
            let elsewhere = UUID()
            await #expect { try await service.authorize(stepped, organizationID: elsewhere, .auditRead) } throws: {
                ($0 as? MeetError)?.code == .notFound
            }
            let denied = try await service.audit.entries(
                chain: AuditEntry.chain(of: organization),
                filter: AuditFilter(action: AuditAction.accessDenied.rawValue)
            )
            #expect(denied.count == 1)
            #expect(denied.first?.event.target == .organization(elsewhere))
            #expect(denied.first?.event.outcome == .denied)
            // Sign-ins, the enrolment and the step-up are in the owner's chain, each with the client's details.
            let all = try await service.audit.entries(chain: AuditEntry.chain(of: organization), filter: AuditFilter(limit: 200))
            let actions = Set(all.map(\.event.action))
            #expect(actions.isSuperset(of: [.signInSuccess, .mfaEnabled, .stepUp, .accessDenied]))
            #expect(all.allSatisfy { $0.event.actorID == harness.owner.id })
        }
    }

    @Test(arguments: TestDatabase.all)
    func aTOTPCodeAndARecoveryCodeWorkOnceEvenWhenRacing(database: TestDatabase) async throws {
        try await IdentityHarness.with(database) { harness in
            let totp = try await harness.enrolTOTP(try await harness.signIn())
            harness.clock.advance(seconds: 30)
            let code = totp.code(at: harness.clock.now())
            var pendings: [SignedIn] = []
            for _ in 0..<4 {
                let grant = try await harness.signIn()
                #expect(grant.session.stage == .mfa)
                pendings.append(try await harness.signedIn(grant))
            }
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for pending in pendings {
                    group.addTask {
                        (try? await harness.service.completeSecondFactor(pending: pending, code: code, recoveryCode: nil, client: harness.client))
                            != nil
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 1, "exactly one of four concurrent uses of one code succeeds")

            harness.clock.advance(seconds: 30)
            let full = try await harness.service.completeSecondFactor(
                pending: try await harness.signedIn(try await harness.signIn()),
                code: totp.code(at: harness.clock.now()),
                recoveryCode: nil,
                client: harness.client
            )
            harness.clock.advance(seconds: 30)
            let codes = try await harness.service.regenerateRecoveryCodes(
                try await harness.signedIn(full),
                password: IdentityHarness.password,
                code: totp.code(at: harness.clock.now()),
                client: harness.client
            )
            #expect(codes.count == 10)
            harness.clock.advance(seconds: 300)
            let first = try await harness.signedIn(try await harness.signIn())
            let second = try await harness.signedIn(try await harness.signIn())
            _ = try await harness.service.completeSecondFactor(pending: first, code: nil, recoveryCode: codes[0], client: harness.client)
            await expectInvalidCredentials {
                try await harness.service.completeSecondFactor(pending: second, code: nil, recoveryCode: codes[0], client: harness.client)
            }
        }
    }

    @Test(arguments: TestDatabase.all)
    func aDisabledAccountLosesItsLiveSessionAtOnce(database: TestDatabase) async throws {
        try await IdentityHarness.with(database) { harness in
            let grant = try await harness.signIn()
            #expect(try await harness.service.authenticate(tokenText: grant.token.text) != nil)
            try await harness.repository.setDisabled(userID: harness.owner.id, at: harness.clock.now(), audit: [])
            #expect(try await harness.service.authenticate(tokenText: grant.token.text) == nil)
            await expectInvalidCredentials { try await harness.signIn() }
        }
    }

    @Test(arguments: TestDatabase.all)
    func aPendingSecondFactorExpiresAfterFiveMinutes(database: TestDatabase) async throws {
        try await IdentityHarness.with(database) { harness in
            _ = try await harness.enrolTOTP(try await harness.signIn())
            let pending = try await harness.signIn()
            #expect(pending.session.stage == .mfa)
            harness.clock.advance(seconds: 5 * 60 + 1)
            #expect(try await harness.service.authenticate(tokenText: pending.token.text) == nil)
        }
    }
}

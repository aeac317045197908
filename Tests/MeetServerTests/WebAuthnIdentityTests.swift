import Crypto
import Foundation
import MeetCore
import MeetCrypto
import MeetStore
import MeetTestSupport
import Testing

@testable import MeetServer

/// A WebAuthn authenticator in software: a P-256 or Ed25519 key, authenticator data, a "none"
/// attestation object and client data, each of which a test can spoil one way.
struct SoftwareAuthenticator {
    enum Key {
        case p256(P256.Signing.PrivateKey)
        case ed25519(Curve25519.Signing.PrivateKey)
    }

    /// One way to get a ceremony wrong.
    struct Spoil {
        var origin: String?
        var rpID: String?
        var challenge: String?
        var type: String?
        var crossOrigin = false
        var flags: UInt8 = 0x05
        var signCount: UInt32?
        var badSignature = false
    }

    let key: Key
    let credentialID = Array(SecureToken().bytes.prefix(20))
    var rpID: String
    var origin: String
    var signCount: UInt32 = 0

    init(ed25519: Bool = false, rpID: String = "meet.example.com", origin: String = "https://meet.example.com") {
        key = ed25519 ? .ed25519(Curve25519.Signing.PrivateKey()) : .p256(P256.Signing.PrivateKey())
        self.rpID = rpID
        self.origin = origin
    }

    var coseKey: [UInt8] {
        switch key {
        case .p256(let key):
            let point = Array(key.publicKey.x963Representation)
            return CBOREncoder.encode(
                .map([
                    CBORPair(.unsigned(1), .unsigned(2)), CBORPair(.unsigned(3), .negative(6)), CBORPair(.negative(0), .unsigned(1)),
                    CBORPair(.negative(1), .bytes(Array(point[1..<33]))), CBORPair(.negative(2), .bytes(Array(point[33..<65]))),
                ])
            )
        case .ed25519(let key):
            return CBOREncoder.encode(
                .map([
                    CBORPair(.unsigned(1), .unsigned(1)), CBORPair(.unsigned(3), .negative(7)), CBORPair(.negative(0), .unsigned(6)),
                    CBORPair(.negative(1), .bytes(Array(key.publicKey.rawRepresentation))),
                ])
            )
        }
    }

    func authenticatorData(_ spoil: Spoil, attested: Bool, count: UInt32) -> [UInt8] {
        var data = Array(SHA256.hash(data: Array((spoil.rpID ?? rpID).utf8)))
        data.append(spoil.flags | (attested ? 0x40 : 0))
        let signCount = spoil.signCount ?? count
        data += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: signCount >> $0) }
        if attested {
            data += [UInt8](repeating: 0, count: 16) + [0, UInt8(credentialID.count)] + credentialID + coseKey
        }
        return data
    }

    func clientData(_ spoil: Spoil, type: String, challenge: String) -> [UInt8] {
        var fields = [
            "\"type\":\"\(spoil.type ?? type)\"", "\"challenge\":\"\(spoil.challenge ?? challenge)\"", "\"origin\":\"\(spoil.origin ?? origin)\"",
        ]
        if spoil.crossOrigin { fields.append("\"crossOrigin\":true") }
        return Array("{\(fields.joined(separator: ","))}".utf8)
    }

    func sign(_ data: [UInt8]) throws -> [UInt8] {
        switch key {
        case .p256(let key): Array(try key.signature(for: data).derRepresentation)
        case .ed25519(let key): Array(try key.signature(for: data))
        }
    }

    func create(challenge: String, _ spoil: Spoil = Spoil()) -> PasskeyAttestation {
        let clientData = clientData(spoil, type: "webauthn.create", challenge: challenge)
        let object = CBOREncoder.encode(
            .map([
                CBORPair(.text("fmt"), .text("none")), CBORPair(.text("attStmt"), .map([])),
                CBORPair(.text("authData"), .bytes(authenticatorData(spoil, attested: true, count: signCount))),
            ])
        )
        return PasskeyAttestation(
            id: Base64URL.encode(credentialID),
            type: "public-key",
            response: .init(clientDataJSON: Base64URL.encode(clientData), attestationObject: Base64URL.encode(object))
        )
    }

    /// An assertion; the counter moves forward unless the spoil fixes it.
    mutating func get(challenge: String, _ spoil: Spoil = Spoil()) throws -> PasskeyAssertion {
        signCount += 1
        let clientData = clientData(spoil, type: "webauthn.get", challenge: challenge)
        let data = authenticatorData(spoil, attested: false, count: signCount)
        var signature = try sign(data + Array(SHA256.hash(data: clientData)))
        if spoil.badSignature { signature = try sign(data + [0]) }
        return PasskeyAssertion(
            id: Base64URL.encode(credentialID),
            type: "public-key",
            response: .init(
                clientDataJSON: Base64URL.encode(clientData),
                authenticatorData: Base64URL.encode(data),
                signature: Base64URL.encode(signature),
                userHandle: nil
            )
        )
    }
}

func expectError(_ code: MeetError.Code, _ comment: Comment? = nil, _ body: () async throws -> some Any) async {
    await #expect(throws: MeetError.self, comment) {
        do { _ = try await body() } catch let error as MeetError {
            #expect(error.code == code, comment)
            throw error
        }
    }
}

@Suite struct WebAuthnIdentityTests {
    static let party = WebAuthnRelyingParty(id: "meet.example.com", origin: "https://meet.example.com")

    /// Each spoiled ceremony fails for its own reason, checked at the relying-party level.
    @Test(arguments: [false, true])
    func theRelyingPartyRefusesEachSpoiledCeremony(ed25519: Bool) throws {
        var authenticator = SoftwareAuthenticator(ed25519: ed25519)
        let challenge = SecureToken()
        func register(_ spoil: SoftwareAuthenticator.Spoil) throws -> WebAuthnRelyingParty.Registration {
            let attestation = authenticator.create(challenge: challenge.text, spoil)
            return try Self.party.verifyRegistration(
                clientDataJSON: Base64URL.decode(attestation.response.clientDataJSON)!,
                attestationObject: Base64URL.decode(attestation.response.attestationObject)!,
                challenge: challenge.bytes
            )
        }
        let registration = try register(.init())
        #expect(registration.credentialID == authenticator.credentialID)
        #expect(registration.format == "none")
        #expect(throws: WebAuthnError.wrongOrigin) { try register(.init(origin: "https://evil.example.com")) }
        #expect(throws: WebAuthnError.wrongChallenge) { try register(.init(challenge: SecureToken().text)) }
        #expect(throws: WebAuthnError.wrongType) { try register(.init(type: "webauthn.get")) }
        #expect(throws: WebAuthnError.crossOrigin) { try register(.init(crossOrigin: true)) }
        #expect(throws: WebAuthnError.wrongRelyingParty) { try register(.init(rpID: "evil.example.com")) }
        #expect(throws: WebAuthnError.userNotPresent) { try register(.init(flags: 0x04)) }

        func assert(_ spoil: SoftwareAuthenticator.Spoil, stored: UInt32) throws -> AuthenticatorData {
            let assertion = try authenticator.get(challenge: challenge.text, spoil)
            return try Self.party.verifyAssertion(
                clientDataJSON: Base64URL.decode(assertion.response.clientDataJSON)!,
                authenticatorData: Base64URL.decode(assertion.response.authenticatorData)!,
                signature: Base64URL.decode(assertion.response.signature)!,
                challenge: challenge.bytes,
                publicKeyCOSE: registration.publicKeyCOSE,
                storedSignCount: stored
            )
        }
        #expect(try assert(.init(), stored: 0).signCount == 1)
        #expect(throws: WebAuthnError.wrongOrigin) { try assert(.init(origin: "https://meet.example.com:8443"), stored: 0) }
        #expect(throws: WebAuthnError.wrongChallenge) { try assert(.init(challenge: SecureToken().text), stored: 0) }
        #expect(throws: WebAuthnError.wrongType) { try assert(.init(type: "webauthn.create"), stored: 0) }
        #expect(throws: WebAuthnError.wrongRelyingParty) { try assert(.init(rpID: "example.com"), stored: 0) }
        #expect(throws: WebAuthnError.userNotPresent) { try assert(.init(flags: 0x04), stored: 0) }
        #expect(throws: WebAuthnError.badSignature) { try assert(.init(badSignature: true), stored: 0) }
        #expect(throws: WebAuthnError.signCountNotIncreasing(stored: 9, received: 9)) { try assert(.init(signCount: 9), stored: 9) }
        #expect(throws: WebAuthnError.signCountNotIncreasing(stored: 9, received: 0)) { try assert(.init(signCount: 0), stored: 9) }
        #expect(try assert(.init(signCount: 0), stored: 0).signCount == 0, "an authenticator without a counter always says 0")
        #expect(throws: WebAuthnError.userNotVerified) {
            let assertion = try authenticator.get(challenge: challenge.text, .init(flags: 0x01))
            _ = try Self.party.verifyAssertion(
                clientDataJSON: Base64URL.decode(assertion.response.clientDataJSON)!,
                authenticatorData: Base64URL.decode(assertion.response.authenticatorData)!,
                signature: Base64URL.decode(assertion.response.signature)!,
                challenge: challenge.bytes,
                publicKeyCOSE: registration.publicKeyCOSE,
                storedSignCount: 0,
                requireUserVerification: true
            )
        }
    }

    @Test func theOriginComesFromThePublicURL() {
        #expect(WebAuthnRelyingParty(publicURL: URL(string: "https://Meet.Example.com/")!)?.origin == "https://meet.example.com")
        #expect(WebAuthnRelyingParty(publicURL: URL(string: "https://meet.example.com:443")!)?.origin == "https://meet.example.com")
        let local = WebAuthnRelyingParty(publicURL: URL(string: "https://localhost:8443")!)
        #expect(local?.origin == "https://localhost:8443")
        #expect(local?.id == "localhost")
    }

    /// Registration and sign-in through the identity service and a real database: every spoiled
    /// ceremony is refused and counted as a failed sign-in; the right one works.
    @Test(arguments: TestDatabase.all)
    func aPasskeyRegistersAndSignsInAndEveryBadCeremonyIsRefused(database: TestDatabase) async throws {
        try await IdentityHarness.with(database) { harness in
            let service = harness.service
            var authenticator = SoftwareAuthenticator()
            let active = try await harness.signedIn(try await harness.signIn())
            #expect(active.session.stage == .active)

            func add(
                _ spoil: SoftwareAuthenticator.Spoil = .init(),
                challenge: String? = nil,
                password: String = IdentityHarness.password
            ) async throws
                -> (passkey: IdentityService.PasskeySummary, recoveryCodes: [String], grant: SessionGrant?)
            {
                let options = try await service.passkeyCreationOptions(try await harness.signedIn(try await harness.signIn()))
                #expect(options.rp.id == "meet.example.com")
                #expect(options.pubKeyCredParams.map(\.alg) == [-7, -8])
                #expect(options.attestation == "none")
                return try await service.addPasskey(
                    active,
                    name: "  Blue key ",
                    password: password,
                    code: nil,
                    passkey: nil,
                    credential: authenticator.create(challenge: challenge ?? options.challenge, spoil),
                    client: harness.client
                )
            }
            for spoil in [
                SoftwareAuthenticator.Spoil(origin: "https://evil.example.com"), .init(challenge: SecureToken().text),
                .init(rpID: "example.com"), .init(flags: 0),
            ] {
                await #expect(throws: MeetError.self) { try await add(spoil) }
            }
            await expectInvalidCredentials { try await add(password: "not the password") }
            try await harness.repository.clearFailedLogins(userID: harness.owner.id, audit: [])
            let usedChallenge = try await service.passkeyCreationOptions(active).challenge
            let added = try await service.addPasskey(
                active,
                name: "Blue key",
                password: IdentityHarness.password,
                code: nil,
                passkey: nil,
                credential: authenticator.create(challenge: usedChallenge),
                client: harness.client
            )
            #expect(added.recoveryCodes.count == 10, "the first second factor brings recovery codes")
            #expect(try await service.passkeys(of: active).map(\.name) == ["Blue key"])
            let second = SoftwareAuthenticator()
            await expectError(.invalidInput, "a challenge works once") {
                try await service.addPasskey(
                    active,
                    name: "Second key",
                    password: IdentityHarness.password,
                    code: nil,
                    passkey: try authenticator.get(challenge: try await service.passkeyRequestOptions(active).challenge),
                    credential: second.create(challenge: usedChallenge),
                    client: harness.client
                )
            }
            #expect(try await harness.repository.user(id: harness.owner.id)?.mfaEnabled == true)
            #expect(await harness.mailSubjects().contains("A security key was added to your DigitalMeet account"))
            // The name is sealed, not stored in the clear.
            let stored = try #require(try await harness.repository.webAuthnCredentials(userID: harness.owner.id).first)
            #expect(!String(decoding: stored.nameCiphertext, as: UTF8.self).contains("Blue"))

            // Sign-in now stops at the second factor.
            let grant = try await harness.signIn()
            #expect(grant.session.stage == .mfa)
            let pending = try await harness.signedIn(grant)
            func attempt(_ spoil: SoftwareAuthenticator.Spoil, challenge: String? = nil) async throws -> SessionGrant {
                let options = try await service.passkeyRequestOptions(pending)
                #expect(options.allowCredentials.map(\.id) == [Base64URL.encode(authenticator.credentialID)])
                return try await service.completeSecondFactor(
                    pending: pending,
                    code: nil,
                    recoveryCode: nil,
                    passkey: try authenticator.get(challenge: challenge ?? options.challenge, spoil),
                    client: harness.client
                )
            }
            let spoiled: [SoftwareAuthenticator.Spoil] = [
                .init(origin: "https://evil.example.com"), .init(challenge: SecureToken().text), .init(challenge: usedChallenge),
                .init(rpID: "evil.example.com"), .init(flags: 0x04), .init(badSignature: true), .init(type: "webauthn.create"),
                .init(crossOrigin: true),
            ]
            for spoil in spoiled {
                await expectInvalidCredentials { try await attempt(spoil) }
                #expect(try await harness.repository.user(id: harness.owner.id)?.failedLogins == 1, "a refused passkey counts as a failure")
                try await harness.repository.clearFailedLogins(userID: harness.owner.id, audit: [])
            }
            // A reused challenge: the first use (refused for its origin) spent it.
            let options = try await service.passkeyRequestOptions(pending)
            for origin in ["https://evil.example.com", "https://meet.example.com"] {
                await expectInvalidCredentials {
                    try await service.completeSecondFactor(
                        pending: pending,
                        code: nil,
                        recoveryCode: nil,
                        passkey: try authenticator.get(challenge: options.challenge, .init(origin: origin)),
                        client: harness.client
                    )
                }
                try await harness.repository.clearFailedLogins(userID: harness.owner.id, audit: [])
            }
            // A challenge older than five minutes.
            let stale = try await service.passkeyRequestOptions(pending)
            harness.clock.advance(seconds: 5 * 60 + 1)
            let late = try await harness.signedIn(try await harness.signIn())
            await expectInvalidCredentials {
                try await service.completeSecondFactor(
                    pending: late,
                    code: nil,
                    recoveryCode: nil,
                    passkey: try authenticator.get(challenge: stale.challenge),
                    client: harness.client
                )
            }
            try await harness.repository.clearFailedLogins(userID: harness.owner.id, audit: [])

            let fresh = try await harness.signedIn(try await harness.signIn())
            let good = try await service.passkeyRequestOptions(fresh).challenge
            let full = try await service.completeSecondFactor(
                pending: fresh,
                code: nil,
                recoveryCode: nil,
                passkey: try authenticator.get(challenge: good),
                client: harness.client
            )
            #expect(full.session.stage == .active)
            #expect(full.session.stepUpAt == harness.clock.now())
            let used = try #require(try await harness.repository.webAuthnCredentials(userID: harness.owner.id).first)
            #expect(used.signCount == Int64(authenticator.signCount))
            #expect(abs(try #require(used.lastUsedAt).timeIntervalSince(harness.clock.now())) < 0.01)

            // The challenge of that successful sign-in does not work twice.
            let again = try await harness.signedIn(try await harness.signIn())
            await expectInvalidCredentials {
                try await service.completeSecondFactor(
                    pending: again,
                    code: nil,
                    recoveryCode: nil,
                    passkey: try authenticator.get(challenge: good),
                    client: harness.client
                )
            }
            try await harness.repository.clearFailedLogins(userID: harness.owner.id, audit: [])

            // A counter that does not move forward: refused (a cloned authenticator).
            let replayed = try await harness.signedIn(try await harness.signIn())
            let count = UInt32(used.signCount)
            await expectInvalidCredentials {
                try await service.completeSecondFactor(
                    pending: replayed,
                    code: nil,
                    recoveryCode: nil,
                    passkey: try authenticator.get(challenge: try await service.passkeyRequestOptions(replayed).challenge, .init(signCount: count)),
                    client: harness.client
                )
            }
            try await harness.repository.clearFailedLogins(userID: harness.owner.id, audit: [])

            // Step-up with the passkey instead of a code.
            let signedIn = try await harness.signedIn(full)
            harness.clock.advance(seconds: 6 * 60)
            let stepped = try await service.stepUp(
                try await harness.signedIn(full),
                password: IdentityHarness.password,
                code: nil,
                passkey: try authenticator.get(challenge: try await service.passkeyRequestOptions(signedIn).challenge),
                client: harness.client
            )
            // (A second later: the database keeps timestamps to the millisecond.)
            harness.clock.advance(seconds: 1)
            try service.requireStepUp(try await harness.signedIn(stepped))

            // Removal needs the factors; the last factor going takes the recovery codes with it.
            let current = try await harness.signedIn(stepped)
            await expectInvalidCredentials {
                try await service.removePasskey(
                    current,
                    id: added.passkey.id,
                    password: IdentityHarness.password,
                    code: "000000",
                    passkey: nil,
                    client: harness.client
                )
            }
            try await harness.repository.clearFailedLogins(userID: harness.owner.id, audit: [])
            try await service.removePasskey(
                current,
                id: added.passkey.id,
                password: IdentityHarness.password,
                code: nil,
                passkey: try authenticator.get(challenge: try await service.passkeyRequestOptions(current).challenge),
                client: harness.client
            )
            #expect(try await harness.repository.user(id: harness.owner.id)?.mfaEnabled == false)
            #expect(try await service.remainingRecoveryCodes(userID: harness.owner.id) == 0)
            #expect(try await harness.signIn().session.stage == .active)
            let removedSubject = "A security key was removed from your DigitalMeet account"
            for _ in 0..<100 where !harness.mail.subjects(to: IdentityHarness.email).contains(removedSubject) {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(harness.mail.subjects(to: IdentityHarness.email).contains(removedSubject))
        }
    }

    /// An Ed25519 passkey next to an authenticator app: the app keeps its recovery codes, either factor
    /// signs in, and turning the app off leaves the passkey (and the codes).
    @Test(arguments: TestDatabase.all)
    func anEd25519PasskeyWorksBesideAnAuthenticatorApp(database: TestDatabase) async throws {
        try await IdentityHarness.with(database) { harness in
            let service = harness.service
            let first = try await harness.signIn()
            let totp = try await harness.enrolTOTP(first)
            harness.clock.advance(seconds: 30)
            let active = try await harness.signedIn(first)
            var authenticator = SoftwareAuthenticator(ed25519: true)
            let added = try await service.addPasskey(
                active,
                name: "Laptop",
                password: IdentityHarness.password,
                code: totp.code(at: harness.clock.now()),
                passkey: nil,
                credential: authenticator.create(challenge: try await service.passkeyCreationOptions(active).challenge),
                client: harness.client
            )
            #expect(added.recoveryCodes.isEmpty, "recovery codes came with the authenticator app")
            #expect(try await service.remainingRecoveryCodes(userID: harness.owner.id) == 10)

            let pending = try await harness.signedIn(try await harness.signIn())
            let grant = try await service.completeSecondFactor(
                pending: pending,
                code: nil,
                recoveryCode: nil,
                passkey: try authenticator.get(challenge: try await service.passkeyRequestOptions(pending).challenge),
                client: harness.client
            )
            let signedIn = try await harness.signedIn(grant)
            try await service.disableTOTP(
                signedIn,
                password: IdentityHarness.password,
                code: nil,
                passkey: try authenticator.get(challenge: try await service.passkeyRequestOptions(signedIn).challenge),
                client: harness.client
            )
            let after = try #require(try await harness.repository.user(id: harness.owner.id))
            #expect(!after.hasTOTP && after.mfaEnabled)
            #expect(try await service.remainingRecoveryCodes(userID: harness.owner.id) == 10)
            #expect(try await harness.signIn().session.stage == .mfa)
        }
    }
}

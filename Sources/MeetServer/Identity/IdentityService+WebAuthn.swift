import Crypto
import Foundation
import Hummingbird
import MeetCore
import MeetCrypto
import MeetStore

/// A `navigator.credentials.get()` result as the web client sends it (the fields of
/// `PublicKeyCredential.toJSON()`, binary values in base64url).
struct PasskeyAssertion: Codable, Sendable {
    struct Response: Codable, Sendable {
        let clientDataJSON: String
        let authenticatorData: String
        let signature: String
        let userHandle: String?
    }
    /// The credential id, base64url.
    let id: String
    let type: String
    let response: Response
}

/// A `navigator.credentials.create()` result, likewise.
struct PasskeyAttestation: Codable, Sendable {
    struct Response: Codable, Sendable {
        let clientDataJSON: String
        let attestationObject: String
    }
    let id: String
    let type: String
    let response: Response
}

/// WebAuthn security keys and passkeys as a second factor (WebAuthn Level 2; see
/// `WebAuthnRelyingParty` for what is checked). Challenges are random 32 bytes, stored as their SHA-256
/// for five minutes, bound to the account and the ceremony, and deleted when used.
extension IdentityService {
    static let challengeLifetime: TimeInterval = 5 * 60
    static let maximumPasskeyNameLength = 64

    struct CredentialDescriptor: Codable, Sendable, Equatable {
        var type = "public-key"
        let id: String
    }

    struct CreationOptions: ResponseEncodable, Sendable {
        struct RelyingParty: Codable, Sendable {
            let id: String
            let name: String
        }
        struct User: Codable, Sendable {
            let id: String
            let name: String
            let displayName: String
        }
        struct Parameter: Codable, Sendable {
            var type = "public-key"
            let alg: Int64
        }
        struct Selection: Codable, Sendable {
            let residentKey: String
            let userVerification: String
        }
        let challenge: String
        let rp: RelyingParty
        let user: User
        let pubKeyCredParams: [Parameter]
        let timeout: Int
        let excludeCredentials: [CredentialDescriptor]
        let authenticatorSelection: Selection
        let attestation: String
    }

    struct RequestOptions: ResponseEncodable, Sendable {
        let challenge: String
        let rpId: String
        let allowCredentials: [CredentialDescriptor]
        let userVerification: String
        let timeout: Int
    }

    struct PasskeySummary: Codable, Sendable {
        let id: UUID
        let name: String
        let createdAt: Date
        let lastUsedAt: Date?
    }

    var relyingParty: WebAuthnRelyingParty {
        get throws {
            guard let party = WebAuthnRelyingParty(publicURL: publicURL) else {
                throw MeetError(.conflict, "The server's public URL has no host, so security keys cannot be used.")
            }
            return party
        }
    }

    func issueChallenge(userID: UUID, ceremony: WebAuthnCeremony) async throws -> String {
        let challenge = SecureToken()
        try await repository.createWebAuthnChallenge(
            userID: userID,
            ceremony: ceremony,
            challengeHash: challenge.hash,
            expiresAt: now().addingTimeInterval(Self.challengeLifetime)
        )
        return challenge.text
    }

    /// Claims the challenge a client data names; its bytes when it was this account's, unused and fresh.
    func claimChallenge(clientDataJSON: [UInt8], userID: UUID, ceremony: WebAuthnCeremony, now: Date) async throws -> [UInt8]? {
        guard let clientData = try? WebAuthnRelyingParty.ClientData.parse(clientDataJSON), let challenge = clientData.challengeBytes else {
            return nil
        }
        let hash = Array(SHA256.hash(data: challenge))
        return try await repository.claimWebAuthnChallenge(userID: userID, ceremony: ceremony, challengeHash: hash, at: now) ? challenge : nil
    }

    /// Options for `navigator.credentials.create()`.
    func passkeyCreationOptions(_ signedIn: SignedIn) async throws -> CreationOptions {
        let party = try relyingParty
        let existing = try await repository.webAuthnCredentials(userID: signedIn.user.id)
        return CreationOptions(
            challenge: try await issueChallenge(userID: signedIn.user.id, ceremony: .register),
            rp: .init(id: party.id, name: "DigitalMeet"),
            user: .init(
                id: Base64URL.encode(withUnsafeBytes(of: signedIn.user.id.uuid) { Array($0) }),
                name: try await email(of: signedIn.user),
                displayName: signedIn.user.displayName
            ),
            pubKeyCredParams: [.init(alg: COSEPublicKey.es256Algorithm), .init(alg: COSEPublicKey.edDSAAlgorithm)],
            timeout: Int(Self.challengeLifetime * 1000),
            excludeCredentials: existing.map { CredentialDescriptor(id: Base64URL.encode($0.credentialID)) },
            authenticatorSelection: .init(residentKey: "preferred", userVerification: "preferred"),
            attestation: "none"
        )
    }

    /// Options for `navigator.credentials.get()`: a pending sign-in, a step-up or a confirmation.
    func passkeyRequestOptions(_ signedIn: SignedIn) async throws -> RequestOptions {
        let party = try relyingParty
        let existing = try await repository.webAuthnCredentials(userID: signedIn.user.id)
        guard !existing.isEmpty else { throw MeetError(.conflict, "This account has no security key or passkey.") }
        return RequestOptions(
            challenge: try await issueChallenge(userID: signedIn.user.id, ceremony: .authenticate),
            rpId: party.id,
            allowCredentials: existing.map { CredentialDescriptor(id: Base64URL.encode($0.credentialID)) },
            userVerification: "preferred",
            timeout: Int(Self.challengeLifetime * 1000)
        )
    }

    /// Verifies an assertion against the account's credential and moves its counter. False (logged) for
    /// anything wrong, so the caller counts it as a failed second factor.
    func verifyPasskeyAssertion(_ assertion: PasskeyAssertion, user: UserAccount, now: Date) async throws -> Bool {
        func refuse(_ reason: String) -> Bool {
            logger.notice("Passkey assertion refused", metadata: ["event": "mfa.passkey_refused", "user_id": "\(user.id)", "reason": "\(reason)"])
            return false
        }
        guard assertion.type == "public-key", let credentialID = Base64URL.decode(assertion.id),
            let clientDataJSON = Base64URL.decode(assertion.response.clientDataJSON),
            let authenticatorData = Base64URL.decode(assertion.response.authenticatorData),
            let signature = Base64URL.decode(assertion.response.signature)
        else { return refuse("malformed") }
        guard let credential = try await repository.webAuthnCredential(credentialID: credentialID), credential.userID == user.id else {
            return refuse("unknown credential")
        }
        guard let challenge = try await claimChallenge(clientDataJSON: clientDataJSON, userID: user.id, ceremony: .authenticate, now: now) else {
            return refuse("unknown, used or expired challenge")
        }
        let data: AuthenticatorData
        do {
            data = try relyingParty.verifyAssertion(
                clientDataJSON: clientDataJSON,
                authenticatorData: authenticatorData,
                signature: signature,
                challenge: challenge,
                publicKeyCOSE: credential.publicKey,
                storedSignCount: UInt32(clamping: credential.signCount)
            )
        } catch WebAuthnError.signCountNotIncreasing(let stored, let received) {
            logger.warning(
                "A passkey's signature counter went backwards: the authenticator may have been cloned",
                metadata: [
                    "event": "mfa.passkey_clone_suspected", "user_id": "\(user.id)", "credential": "\(credential.id)", "stored": "\(stored)",
                    "received": "\(received)",
                ]
            )
            return false
        } catch {
            return refuse("\(error)")
        }
        guard try await repository.claimWebAuthnUse(id: credential.id, expected: credential.signCount, signCount: Int64(data.signCount), at: now)
        else {
            return refuse("a concurrent use moved the counter")
        }
        logger.info("Passkey accepted", metadata: ["event": "mfa.passkey_used", "user_id": "\(user.id)", "credential": "\(credential.id)"])
        return true
    }

    /// Registers a new credential. Outside forced enrolment it needs the current password and, when the
    /// account has a second factor, that too. The first second factor brings recovery codes.
    func addPasskey(
        _ signedIn: SignedIn,
        name rawName: String,
        password: String?,
        code: String?,
        passkey: PasskeyAssertion?,
        credential: PasskeyAttestation,
        client: ClientInfo
    ) async throws -> (passkey: PasskeySummary, recoveryCodes: [String], grant: SessionGrant?) {
        let now = now()
        let name = rawName.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...Self.maximumPasskeyNameLength).contains(name.count) else {
            throw MeetError(
                .invalidInput,
                "Name the key in 1 to \(Self.maximumPasskeyNameLength) characters, such as “Blue USB key”.",
                field: "passkeyName"
            )
        }
        if signedIn.session.stage != .enrol {
            try await checkCurrentFactors(signedIn.user, password: password ?? "", code: code, passkey: passkey, client: client, now: now)
        }
        let refused = MeetError(.invalidInput, "The security key's answer could not be verified. Try adding it again.")
        guard credential.type == "public-key", let clientDataJSON = Base64URL.decode(credential.response.clientDataJSON),
            let attestationObject = Base64URL.decode(credential.response.attestationObject)
        else { throw refused }
        guard let challenge = try await claimChallenge(clientDataJSON: clientDataJSON, userID: signedIn.user.id, ceremony: .register, now: now) else {
            logger.notice(
                "Passkey registration refused",
                metadata: ["event": "mfa.passkey_refused", "user_id": "\(signedIn.user.id)", "reason": "challenge"]
            )
            throw MeetError(.invalidInput, "The request to add a key expired or was already used. Try adding it again.")
        }
        let registration: WebAuthnRelyingParty.Registration
        do {
            registration = try relyingParty.verifyRegistration(
                clientDataJSON: clientDataJSON,
                attestationObject: attestationObject,
                challenge: challenge
            )
        } catch {
            logger.notice(
                "Passkey registration refused",
                metadata: ["event": "mfa.passkey_refused", "user_id": "\(signedIn.user.id)", "reason": "\(error)"]
            )
            throw refused
        }
        let user = try await repository.user(id: signedIn.user.id) ?? signedIn.user
        let codes = user.mfaEnabled ? [] : RecoveryCodes.generate()
        var hashes: [[UInt8]] = []
        for code in codes { hashes.append(try await recoveryCodeHash(code, userID: user.id)) }
        let id = UUID()
        let stored = WebAuthnCredential(
            id: id,
            userID: user.id,
            credentialID: registration.credentialID,
            publicKey: registration.publicKeyCOSE,
            signCount: Int64(registration.signCount),
            nameCiphertext: try await dataKeys.seal(name, scope: .user(user.id), binding: EncryptedColumn.webAuthnCredentialName.binding(rowID: id)),
            createdAt: now
        )
        guard
            try await repository.addWebAuthnCredential(
                stored,
                recoveryCodeHashes: user.mfaEnabled ? nil : hashes,
                audit: [.own(.passkeyAdded, user: user, details: ["key_id": stored.id.uuidString.lowercased()], at: now)]
            )
        else {
            throw MeetError(.conflict, "That security key is already registered.")
        }
        logger.notice("Passkey added", metadata: ["event": "mfa.passkey_added", "user_id": "\(user.id)", "credential": "\(id)"])
        await notify(
            user,
            subject: "A security key was added to your DigitalMeet account",
            text:
                "The security key or passkey “\(name)” can now be used to sign in to your DigitalMeet account. If this was not you, change your password and remove the key: \(link("/account"))\n"
        )
        var grant: SessionGrant?
        if signedIn.session.stage == .enrol {
            grant = try await rotate(signedIn, stage: .active, stepUp: now, now: now)
        }
        return (PasskeySummary(id: id, name: name, createdAt: now, lastUsedAt: nil), codes, grant)
    }

    func passkeys(of signedIn: SignedIn) async throws -> [PasskeySummary] {
        var result: [PasskeySummary] = []
        for credential in try await repository.webAuthnCredentials(userID: signedIn.user.id) {
            let name = try await dataKeys.openString(
                credential.nameCiphertext,
                binding: EncryptedColumn.webAuthnCredentialName.binding(rowID: credential.id)
            )
            result.append(PasskeySummary(id: credential.id, name: name, createdAt: credential.createdAt, lastUsedAt: credential.lastUsedAt))
        }
        return result
    }

    /// Removes a credential after checking the current factors (the key itself may confirm its removal).
    func removePasskey(_ signedIn: SignedIn, id: UUID, password: String, code: String?, passkey: PasskeyAssertion?, client: ClientInfo) async throws {
        let now = now()
        let credentials = try await repository.webAuthnCredentials(userID: signedIn.user.id)
        guard credentials.contains(where: { $0.id == id }) else { throw MeetError(.notFound, "There is no such security key.") }
        if credentials.count == 1, !signedIn.user.hasTOTP,
            try await repository.organizationSecurity(id: signedIn.user.organizationID)?.requireMFA == true
        {
            throw MeetError(.forbidden, "Your organisation requires two-step verification: add another key or an authenticator app first.")
        }
        try await checkCurrentFactors(signedIn.user, password: password, code: code, passkey: passkey, client: client, now: now)
        guard
            try await repository.deleteWebAuthnCredential(
                id: id,
                userID: signedIn.user.id,
                audit: [.own(.passkeyRemoved, user: signedIn.user, details: ["key_id": id.uuidString.lowercased()], at: now)]
            )
        else {
            throw MeetError(.notFound, "There is no such security key.")
        }
        logger.notice("Passkey removed", metadata: ["event": "mfa.passkey_removed", "user_id": "\(signedIn.user.id)", "credential": "\(id)"])
        await notify(
            signedIn.user,
            subject: "A security key was removed from your DigitalMeet account",
            text:
                "A security key or passkey was removed from your DigitalMeet account. If this was not you, change your password now: \(link("/account"))\n"
        )
    }
}

import Foundation
import Logging
import MeetCore
import MeetCrypto
import MeetStore

/// Creates the first owner through a one-time link: issued at start while no owner exists,
/// single-use, expiring, and replaced (the old one dies) each time a new one is issued.
struct OwnerSetupService<Repository: OwnerSetupRepository>: Sendable {
    let repository: Repository
    let hasher: PasswordHasher
    let dataKeys: DataKeyRing
    let policy: PasswordPolicy
    let linkLifetime: Duration
    let publicURL: URL

    /// Issues a new link if the deployment has no owner yet.
    func issueLinkIfNeeded(now: Date = Date()) async throws -> URL? {
        guard try await !repository.hasOwner() else { return nil }
        let token = SecureToken()
        try await repository.replaceSetupToken(hash: token.hash, expiresAt: now.addingTimeInterval(TimeInterval(linkLifetime.components.seconds)))
        // The token travels in the fragment, which browsers never send to a server or put in a Referer.
        var components = URLComponents(url: publicURL, resolvingAgainstBaseURL: false)
        components?.path = "/setup"
        components?.fragment = "token=\(token.text)"
        return components?.url
    }

    func setupRequired() async throws -> Bool {
        try await !repository.hasOwner()
    }

    /// Validates the registration, then consumes the token and creates the owner atomically.
    func redeem(tokenText: String, registration: OwnerRegistration, now: Date = Date()) async throws -> SetupRedemption {
        guard let token = SecureToken(text: tokenText) else { return .invalidToken }
        let registration = try registration.validated()
        try policy.validate(
            registration.password,
            mfaEnforced: false,
            contextWords: [registration.displayName, registration.email, registration.organizationName]
        )
        // Checked before the expensive hash so a wrong token costs the server nothing.
        guard try await repository.isSetupTokenRedeemable(hash: token.hash, now: now) else {
            return try await repository.hasOwner() ? .alreadySetUp : .invalidToken
        }
        let userID = UUID()
        let owner = ProtectedOwner(
            userID: userID,
            organizationID: UUID(),
            organizationName: registration.organizationName,
            displayName: registration.displayName,
            emailCiphertext: try await dataKeys.seal(
                registration.email,
                scope: .user(userID),
                binding: EncryptedColumn.userEmail.binding(rowID: userID)
            ),
            emailBlindIndex: try await dataKeys.blindIndex(registration.email, purpose: "users.email"),
            passwordHash: try await hasher.hash(registration.password)
        )
        return try await repository.redeemSetupToken(hash: token.hash, now: now, owner: owner)
    }
}

import FluentKit
import Foundation

final class WebAuthnCredentialModel: Model, @unchecked Sendable {
    static let schema = "webauthn_credentials"

    @ID(key: .id) var id: UUID?
    @Field(key: "user_id") var userID: UUID
    /// The authenticator's credential id (not a secret; unique across the deployment).
    @Field(key: "credential_id") var credentialID: Data
    /// The COSE_Key bytes as registered.
    @Field(key: "public_key") var publicKey: Data
    @Field(key: "sign_count") var signCount: Int64
    /// The name the person gave the key, sealed under their key (bound to webauthn_credentials.name).
    @Field(key: "name_ciphertext") var nameCiphertext: Data
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "last_used_at") var lastUsedAt: Date?

    init() {}
}

final class WebAuthnChallengeModel: Model, @unchecked Sendable {
    static let schema = "webauthn_challenges"

    @ID(key: .id) var id: UUID?
    @Field(key: "user_id") var userID: UUID
    @Field(key: "ceremony") var ceremony: String
    /// SHA-256 of the challenge sent to the browser.
    @Field(key: "challenge_hash") var challengeHash: Data
    @Field(key: "expires_at") var expiresAt: Date

    init() {}
}

import FluentKit
import Foundation

final class SessionModel: Model, @unchecked Sendable {
    static let schema = "sessions"

    @ID(key: .id) var id: UUID?
    /// SHA-256 of the session token; the token itself exists only in the browser's cookie.
    @Field(key: "token_hash") var tokenHash: Data
    @Field(key: "user_id") var userID: UUID
    @Field(key: "stage") var stage: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "last_seen_at") var lastSeenAt: Date
    @OptionalField(key: "step_up_at") var stepUpAt: Date?
    @Field(key: "idle_timeout_seconds") var idleTimeoutSeconds: Int64
    @Field(key: "expires_at") var expiresAt: Date
    /// Browser and address, sealed under the user's key.
    @Field(key: "device_ciphertext") var deviceCiphertext: Data

    init() {}
}

final class RecoveryCodeModel: Model, @unchecked Sendable {
    static let schema = "recovery_codes"

    @ID(key: .id) var id: UUID?
    @Field(key: "user_id") var userID: UUID
    /// HMAC-SHA256 of the code under the deployment's recovery-code key.
    @Field(key: "code_hash") var codeHash: Data
    @OptionalField(key: "used_at") var usedAt: Date?

    init() {}
}

final class AccountTokenModel: Model, @unchecked Sendable {
    static let schema = "account_tokens"

    @ID(key: .id) var id: UUID?
    @Field(key: "user_id") var userID: UUID
    @Field(key: "purpose") var purpose: String
    @Field(key: "token_hash") var tokenHash: Data
    @OptionalField(key: "payload_ciphertext") var payloadCiphertext: Data?
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "used_at") var usedAt: Date?
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

final class InvitationModel: Model, @unchecked Sendable {
    static let schema = "invitations"

    @ID(key: .id) var id: UUID?
    @Field(key: "organization_id") var organizationID: UUID
    @Field(key: "email_ciphertext") var emailCiphertext: Data
    @Field(key: "email_blind_index") var emailBlindIndex: Data
    @Field(key: "role") var role: String
    @Field(key: "token_hash") var tokenHash: Data
    @Field(key: "invited_by") var invitedBy: UUID
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "accepted_at") var acceptedAt: Date?
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

final class KnownDeviceModel: Model, @unchecked Sendable {
    static let schema = "known_devices"

    @ID(key: .id) var id: UUID?
    @Field(key: "user_id") var userID: UUID
    /// SHA-256 of the long-lived device cookie.
    @Field(key: "device_hash") var deviceHash: Data
    @Field(key: "first_seen_at") var firstSeenAt: Date
    @Field(key: "last_seen_at") var lastSeenAt: Date

    init() {}
}

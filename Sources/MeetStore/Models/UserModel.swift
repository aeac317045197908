import FluentKit
import Foundation

final class UserModel: Model, @unchecked Sendable {
    static let schema = "users"

    @ID(key: .id) var id: UUID?
    @Parent(key: "organization_id") var organization: OrganizationModel
    @Field(key: "display_name") var displayName: String
    /// AES-256-GCM envelope bound to (users, email, id).
    @Field(key: "email_ciphertext") var emailCiphertext: Data
    /// HMAC of the normalised email, for lookup without decryption.
    @Field(key: "email_blind_index") var emailBlindIndex: Data
    @Field(key: "password_hash") var passwordHash: String
    @Field(key: "role") var role: String
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @OptionalField(key: "email_verified_at") var emailVerifiedAt: Date?
    @OptionalField(key: "disabled_at") var disabledAt: Date?
    @Field(key: "failed_logins") var failedLogins: Int64
    @OptionalField(key: "last_failed_login_at") var lastFailedLoginAt: Date?
    @OptionalField(key: "password_disabled_at") var passwordDisabledAt: Date?
    /// The confirmed TOTP secret, sealed under the user's key (bound to users.totp_secret).
    @OptionalField(key: "totp_secret_ciphertext") var totpSecretCiphertext: Data?
    /// A TOTP secret being enrolled, sealed likewise (bound to users.totp_pending).
    @OptionalField(key: "totp_pending_ciphertext") var totpPendingCiphertext: Data?
    @OptionalField(key: "totp_last_step") var totpLastStep: Int64?
    @OptionalField(key: "password_changed_at") var passwordChangedAt: Date?

    init() {}
}

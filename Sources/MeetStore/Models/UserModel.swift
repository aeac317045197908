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

    init() {}
}

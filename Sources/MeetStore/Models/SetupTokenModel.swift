import FluentKit
import Foundation

/// A one-time link that creates the first owner; only the SHA-256 of the token is kept.
final class SetupTokenModel: Model, @unchecked Sendable {
    static let schema = "setup_tokens"

    @ID(key: .id) var id: UUID?
    @Field(key: "token_hash") var tokenHash: Data
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "used_at") var usedAt: Date?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(tokenHash: Data, expiresAt: Date) {
        self.tokenHash = tokenHash
        self.expiresAt = expiresAt
    }
}

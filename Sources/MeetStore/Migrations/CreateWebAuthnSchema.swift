import FluentKit
import SQLKit

/// WebAuthn credentials (security keys, passkeys) and the single-use challenges of their ceremonies.
struct CreateWebAuthnSchema: AsyncMigration {
    var name: String { "0004_webauthn" }

    func prepare(on database: any Database) async throws {
        try await database.schema(WebAuthnCredentialModel.schema)
            .id()
            .field("user_id", .uuid, .required, .references(UserModel.schema, .id, onDelete: .cascade))
            .field("credential_id", .data, .required)
            .field("public_key", .data, .required)
            .field("sign_count", .int64, .required)
            .field("name_ciphertext", .data, .required)
            .field("created_at", .datetime, .required)
            .field("last_used_at", .datetime)
            .unique(on: "credential_id")
            .create()
        guard let sql = database as? any SQLDatabase else { throw StoreError("the database is not an SQL database") }
        try await sql.create(index: "webauthn_credentials_user").on(WebAuthnCredentialModel.schema).column("user_id").run()

        try await database.schema(WebAuthnChallengeModel.schema)
            .id()
            .field("user_id", .uuid, .required, .references(UserModel.schema, .id, onDelete: .cascade))
            .field("ceremony", .string, .required)
            .field("challenge_hash", .data, .required)
            .field("expires_at", .datetime, .required)
            .unique(on: "challenge_hash")
            .create()
        try await sql.create(index: "webauthn_challenges_user").on(WebAuthnChallengeModel.schema).column("user_id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(WebAuthnChallengeModel.schema).delete()
        try await database.schema(WebAuthnCredentialModel.schema).delete()
    }
}

import FluentKit

/// Organisations, users and setup tokens: what the first start needs.
struct CreateFoundationSchema: AsyncMigration {
    var name: String { "0001_foundation" }

    func prepare(on database: any Database) async throws {
        try await database.schema(OrganizationModel.schema)
            .id()
            .field("name", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema(UserModel.schema)
            .id()
            .field("organization_id", .uuid, .required, .references(OrganizationModel.schema, .id, onDelete: .cascade))
            .field("display_name", .string, .required)
            .field("email_ciphertext", .data, .required)
            .field("email_blind_index", .data, .required)
            .field("password_hash", .string, .required)
            .field("role", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "email_blind_index")
            .create()
        try await database.schema(SetupTokenModel.schema)
            .id()
            .field("token_hash", .data, .required)
            .field("expires_at", .datetime, .required)
            .field("used_at", .datetime)
            .field("created_at", .datetime, .required)
            .unique(on: "token_hash")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(SetupTokenModel.schema).delete()
        try await database.schema(UserModel.schema).delete()
        try await database.schema(OrganizationModel.schema).delete()
    }
}

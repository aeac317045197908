import FluentKit
import SQLKit

/// Accounts, sessions, second factors, emailed tokens, invitations and known devices.
/// Only additive changes to existing tables, so SQLite's ALTER subset suffices.
struct CreateIdentitySchema: AsyncMigration {
    var name: String { "0003_identity" }

    func prepare(on database: any Database) async throws {
        try await database.schema(OrganizationModel.schema)
            .field("require_mfa", .bool, .required, .sql(.default(false)))
            .update()
        try await database.schema(OrganizationModel.schema)
            .field("allow_signup", .bool, .required, .sql(.default(false)))
            .update()
        try await database.schema(OrganizationModel.schema)
            .field("session_idle_seconds", .int64, .required, .sql(.default(1800)))
            .update()
        try await database.schema(OrganizationModel.schema)
            .field("session_absolute_seconds", .int64, .required, .sql(.default(43_200)))
            .update()
        for field in [
            DatabaseSchema.FieldDefinition.definition(name: .key("email_verified_at"), dataType: .datetime, constraints: []),
            .definition(name: .key("disabled_at"), dataType: .datetime, constraints: []),
            .definition(name: .key("failed_logins"), dataType: .int64, constraints: [.required, .sql(.default(0))]),
            .definition(name: .key("last_failed_login_at"), dataType: .datetime, constraints: []),
            .definition(name: .key("password_disabled_at"), dataType: .datetime, constraints: []),
            .definition(name: .key("totp_secret_ciphertext"), dataType: .data, constraints: []),
            .definition(name: .key("totp_pending_ciphertext"), dataType: .data, constraints: []),
            .definition(name: .key("totp_last_step"), dataType: .int64, constraints: []),
            .definition(name: .key("password_changed_at"), dataType: .datetime, constraints: []),
        ] {
            // One ALTER per column: SQLite adds one column per statement.
            let builder = database.schema(UserModel.schema)
            builder.schema.createFields = [field]
            try await builder.update()
        }
        guard let sql = database as? any SQLDatabase else { throw StoreError("the database is not an SQL database") }
        // The owner made through the setup link proved control of the server, not of the mailbox; their
        // address is treated as verified so the first sign-in works.
        try await sql.update(UserModel.schema).set("email_verified_at", to: SQLColumn("created_at")).run()

        try await database.schema(SessionModel.schema)
            .id()
            .field("token_hash", .data, .required)
            .field("user_id", .uuid, .required, .references(UserModel.schema, .id, onDelete: .cascade))
            .field("stage", .string, .required)
            .field("created_at", .datetime, .required)
            .field("last_seen_at", .datetime, .required)
            .field("step_up_at", .datetime)
            .field("idle_timeout_seconds", .int64, .required)
            .field("expires_at", .datetime, .required)
            .field("device_ciphertext", .data, .required)
            .unique(on: "token_hash")
            .create()
        try await sql.create(index: "sessions_user").on(SessionModel.schema).column("user_id").run()

        try await database.schema(RecoveryCodeModel.schema)
            .id()
            .field("user_id", .uuid, .required, .references(UserModel.schema, .id, onDelete: .cascade))
            .field("code_hash", .data, .required)
            .field("used_at", .datetime)
            .create()
        try await sql.create(index: "recovery_codes_user").on(RecoveryCodeModel.schema).column("user_id").run()

        try await database.schema(AccountTokenModel.schema)
            .id()
            .field("user_id", .uuid, .required, .references(UserModel.schema, .id, onDelete: .cascade))
            .field("purpose", .string, .required)
            .field("token_hash", .data, .required)
            .field("payload_ciphertext", .data)
            .field("expires_at", .datetime, .required)
            .field("used_at", .datetime)
            .field("created_at", .datetime, .required)
            .unique(on: "token_hash")
            .create()

        try await database.schema(InvitationModel.schema)
            .id()
            .field("organization_id", .uuid, .required, .references(OrganizationModel.schema, .id, onDelete: .cascade))
            .field("email_ciphertext", .data, .required)
            .field("email_blind_index", .data, .required)
            .field("role", .string, .required)
            .field("token_hash", .data, .required)
            .field("invited_by", .uuid, .required)
            .field("expires_at", .datetime, .required)
            .field("accepted_at", .datetime)
            .field("created_at", .datetime, .required)
            .unique(on: "token_hash")
            .create()

        try await database.schema(KnownDeviceModel.schema)
            .id()
            .field("user_id", .uuid, .required, .references(UserModel.schema, .id, onDelete: .cascade))
            .field("device_hash", .data, .required)
            .field("first_seen_at", .datetime, .required)
            .field("last_seen_at", .datetime, .required)
            .unique(on: "user_id", "device_hash")
            .create()
    }

    func revert(on database: any Database) async throws {
        for schema in [KnownDeviceModel.schema, InvitationModel.schema, AccountTokenModel.schema, RecoveryCodeModel.schema, SessionModel.schema] {
            try await database.schema(schema).delete()
        }
    }
}

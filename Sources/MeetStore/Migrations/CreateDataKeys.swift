import FluentKit
import SQLKit

/// Data keys and re-encryption progress; at most one active key per scope and purpose.
struct CreateDataKeys: AsyncMigration {
    var name: String { "0002_data_keys" }

    func prepare(on database: any Database) async throws {
        try await database.schema(DataKeyModel.schema)
            .id()
            .field("key_id", .int64, .required)
            .field("scope", .string, .required)
            .field("purpose", .string, .required)
            .field("state", .string, .required)
            .field("kek_version", .int64, .required)
            .field("wrapped_key", .data, .required)
            .field("encryption_count", .int64, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime)
            .unique(on: "key_id")
            .create()
        guard let sql = database as? any SQLDatabase else { throw StoreError("the database is not an SQL database") }
        // Partial unique index (same syntax in SQLite and PostgreSQL): two writers racing to create a
        // scope's first key cannot both succeed.
        try await sql.raw("CREATE UNIQUE INDEX data_keys_one_active ON data_keys (scope, purpose) WHERE state = 'active'").run()
        try await database.schema(ReencryptionProgressModel.schema)
            .id()
            .field("old_key_id", .int64, .required)
            .field("column_index", .int, .required)
            .field("last_row_id", .uuid)
            .field("rows_reencrypted", .int64, .required)
            .field("updated_at", .datetime)
            .unique(on: "old_key_id")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(ReencryptionProgressModel.schema).delete()
        try await database.schema(DataKeyModel.schema).delete()
    }
}

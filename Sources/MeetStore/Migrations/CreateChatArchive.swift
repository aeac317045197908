import FluentKit
import SQLKit

/// The chat archive and the organisation's retention policy. Migration 0006 made a `chat_messages`
/// table with text ids that nothing wrote to; it is replaced by one keyed by UUID like every other
/// table with sealed columns, so re-encryption can page through it.
struct CreateChatArchive: AsyncMigration {
    var name: String { "0007_chat_archive" }

    func prepare(on database: any Database) async throws {
        let sql = try database.sqlDatabase()
        try await sql.drop(table: "chat_messages").ifExists().run()
        try await database.schema("chat_messages")
            .id()
            .field("meeting_id", .string, .required)
            .field("organization_id", .uuid, .required)
            .field("sent_at_ms", .int64, .required)
            .field("message_ciphertext", .data, .required)
            .create()
        try await sql.create(index: "chat_messages_meeting").on("chat_messages").column("meeting_id").column("sent_at_ms").run()
        try await sql.create(index: "chat_messages_age").on("chat_messages").column("organization_id").column("sent_at_ms").run()
        let builder = database.schema(OrganizationModel.schema)
        builder.schema.createFields = [
            .definition(name: .key("chat_retention_days"), dataType: .int64, constraints: [.required, .sql(.default(30))])
        ]
        try await builder.update()
    }

    func revert(on database: any Database) async throws {
        try await database.sqlDatabase().drop(table: "chat_messages").run()
    }
}

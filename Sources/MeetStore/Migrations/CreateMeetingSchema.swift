import FluentKit
import SQLKit

/// Meetings with their durable room state and join tickets (its `chat_messages` table is replaced by 0007).
struct CreateMeetingSchema: AsyncMigration {
    var name: String { "0006_meetings" }

    func prepare(on database: any Database) async throws {
        let sql = try database.sqlDatabase()
        try await sql.create(table: "meetings")
            .column("id", type: .text, .primaryKey(autoIncrement: false))
            .column("number", type: .text, .notNull, .unique)
            .column("organization_id", type: .text, .notNull)
            .column("host_user_id", type: .text, .notNull)
            .column("title", type: .text, .notNull)
            .column("scheduled_for_ms", type: .bigint)
            .column("created_at_ms", type: .bigint, .notNull)
            .column("passcode_hash", type: .text)
            .column("settings", type: .text, .notNull)
            .column("state", type: .text, .notNull)
            .column("ended_at_ms", type: .bigint)
            .run()
        try await sql.create(index: "meetings_host").on("meetings").column("host_user_id").run()
        try await sql.create(index: "meetings_organization").on("meetings").column("organization_id").run()
        try await sql.create(table: "join_tickets")
            .column("token_hash", type: .blob, .primaryKey(autoIncrement: false))
            .column("id", type: .text, .notNull)
            .column("meeting_id", type: .text, .notNull)
            .column("identity", type: .text, .notNull)
            .column("display_name", type: .text, .notNull)
            .column("signed_in", type: .bigint, .notNull)
            .column("organization_member", type: .bigint, .notNull)
            .column("session_id", type: .text)
            .column("expires_at_ms", type: .bigint, .notNull)
            .column("used_at_ms", type: .bigint)
            .run()
        try await sql.create(table: "chat_messages")
            .column("id", type: .text, .primaryKey(autoIncrement: false))
            .column("meeting_id", type: .text, .notNull)
            .column("organization_id", type: .text, .notNull)
            .column("sent_at_ms", type: .bigint, .notNull)
            .column("message_ciphertext", type: .blob, .notNull)
            .run()
        try await sql.create(index: "chat_messages_meeting").on("chat_messages").column("meeting_id").column("sent_at_ms").run()
    }

    func revert(on database: any Database) async throws {
        let sql = try database.sqlDatabase()
        for table in ["chat_messages", "join_tickets", "meetings"] { try await sql.drop(table: table).run() }
    }
}

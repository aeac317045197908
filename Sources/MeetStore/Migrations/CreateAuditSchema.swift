import FluentKit
import SQLKit

/// The audit log (one hash chain per organisation plus `system`), its signed checkpoints and signing
/// keys, and the organisation's meeting policy columns.
struct CreateAuditSchema: AsyncMigration {
    var name: String { "0005_audit" }

    func prepare(on database: any Database) async throws {
        let sql = try database.sqlDatabase()
        try await sql.create(table: "audit_entries")
            .column("chain", type: .text, .notNull)
            .column("sequence", type: .bigint, .notNull)
            .column("occurred_at_ms", type: .bigint, .notNull)
            .column("action", type: .text, .notNull)
            .column("outcome", type: .text, .notNull)
            .column("organization_id", type: .text)
            .column("actor_id", type: .text)
            .column("target_type", type: .text)
            .column("target_id", type: .text)
            .column("address", type: .text)
            .column("request_id", type: .text)
            .column("details", type: .text, .notNull)
            .column("entry_hash", type: .blob, .notNull)
            .column("chain_hash", type: .blob, .notNull)
            .primaryKey(["chain", "sequence"])
            .run()
        try await sql.create(index: "audit_entries_action").on("audit_entries").column("chain").column("action").run()
        try await sql.create(index: "audit_entries_time").on("audit_entries").column("chain").column("occurred_at_ms").run()
        try await sql.create(table: "audit_heads")
            .column("chain", type: .text, .primaryKey(autoIncrement: false))
            .column("sequence", type: .bigint, .notNull)
            .column("chain_hash", type: .blob, .notNull)
            .run()
        try await sql.create(table: "audit_signing_keys")
            .column("id", type: .text, .primaryKey(autoIncrement: false))
            .column("public_key", type: .blob, .notNull)
            .column("private_key_ciphertext", type: .blob, .notNull)
            .column("created_at_ms", type: .bigint, .notNull)
            .column("retired_at_ms", type: .bigint)
            .run()
        try await sql.create(table: "audit_checkpoints")
            .column("chain", type: .text, .notNull)
            .column("sequence", type: .bigint, .notNull)
            .column("chain_hash", type: .blob, .notNull)
            .column("signed_at_ms", type: .bigint, .notNull)
            .column("key_id", type: .text, .notNull)
            .column("signature", type: .blob, .notNull)
            .primaryKey(["chain", "sequence"])
            .run()

        for field in [
            DatabaseSchema.FieldDefinition.definition(
                name: .key("meeting_passcode_required"),
                dataType: .bool,
                constraints: [.required, .sql(.default(true))]
            ),
            .definition(name: .key("meeting_waiting_room"), dataType: .string, constraints: [.required, .sql(.default("guests"))]),
            .definition(name: .key("meeting_who_may_record"), dataType: .string, constraints: [.required, .sql(.default("hosts"))]),
            .definition(name: .key("meeting_who_may_share_screen"), dataType: .string, constraints: [.required, .sql(.default("hosts"))]),
            .definition(name: .key("meeting_e2ee_required"), dataType: .bool, constraints: [.required, .sql(.default(false))]),
        ] {
            let builder = database.schema(OrganizationModel.schema)
            builder.schema.createFields = [field]
            try await builder.update()
        }
    }

    func revert(on database: any Database) async throws {
        let sql = try database.sqlDatabase()
        for table in ["audit_checkpoints", "audit_signing_keys", "audit_heads", "audit_entries"] {
            try await sql.drop(table: table).run()
        }
    }
}

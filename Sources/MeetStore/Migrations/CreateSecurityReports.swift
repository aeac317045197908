import FluentKit
import SQLKit

/// Vulnerability reports: the reporter's words and address are one sealed envelope under the
/// receiving organisation's data key; the status columns stay clear so the 48-hour clock can be
/// checked without opening anything.
struct CreateSecurityReports: AsyncMigration {
    var name: String { "0008_security_reports" }

    func prepare(on database: any Database) async throws {
        try await database.schema("security_reports")
            .id()
            .field("organization_id", .uuid, .required)
            .field("received_at_ms", .int64, .required)
            .field("status", .string, .required)
            .field("status_changed_at_ms", .int64, .required)
            .field("acknowledged_at_ms", .int64)
            .field("report_ciphertext", .data, .required)
            .create()
        try await database.sqlDatabase().create(index: "security_reports_received").on("security_reports")
            .column("organization_id").column("received_at_ms").run()
    }

    func revert(on database: any Database) async throws {
        try await database.sqlDatabase().drop(table: "security_reports").run()
    }
}

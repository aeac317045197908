import FluentKit
import Foundation
import MeetCore
import MeetCrypto
import SQLKit

/// Vulnerability reports over the store. What the reporter wrote (summary, details, address, name,
/// whether they may be credited) is one AES-256-GCM envelope under the receiving organisation's data
/// key, bound to the row id; the status and its times stay in clear for the 48-hour check. Each change
/// is written in the same transaction as its audit entry.
public struct FluentSecurityReportRepository: Sendable {
    let store: Store
    let dataKeys: DataKeyRing

    public init(store: Store, dataKeys: DataKeyRing) {
        self.store = store
        self.dataKeys = dataKeys
    }

    static let table = "security_reports"

    public func create(_ report: SecurityReport, audit: [AuditEvent]) async throws {
        let envelope = try await dataKeys.seal(
            try JSONEncoder().encode(report.submission),
            scope: .organization(report.organizationID),
            binding: EncryptedColumn.securityReport.binding(rowID: report.id)
        )
        try await store.write { database in
            try await database.sqlDatabase().insert(into: Self.table)
                .columns("id", "organization_id", "received_at_ms", "status", "status_changed_at_ms", "acknowledged_at_ms", "report_ciphertext")
                .values(
                    SQLBind(report.id),
                    SQLBind(report.organizationID),
                    SQLBind(FluentMeetingRepository.ms(report.receivedAt)),
                    SQLBind(report.status.rawValue),
                    SQLBind(FluentMeetingRepository.ms(report.statusChangedAt)),
                    SQLBind(report.acknowledgedAt.map(FluentMeetingRepository.ms)),
                    SQLBind(Data(envelope))
                )
                .run()
            try await FluentAuditRepository.append(audit, on: database)
        }
    }

    /// The organisation's reports, newest first; only those with `status` when it is given (decided
    /// on the clear column, so the reports of other statuses are not opened).
    public func reports(organizationID: UUID, status: SecurityReportStatus? = nil, limit: Int = 500) async throws -> [SecurityReport] {
        var query = try store.sql.select().columns(Self.columns).from(Self.table)
            .where("organization_id", .equal, organizationID)
        if let status { query = query.where("status", .equal, status.rawValue) }
        let rows =
            try await query
            .orderBy("received_at_ms", .descending).orderBy("id")
            .limit(max(0, min(limit, 1000)))
            .all()
        var reports: [SecurityReport] = []
        for row in rows { reports.append(try await open(row)) }
        return reports
    }

    public func report(id: UUID, organizationID: UUID) async throws -> SecurityReport? {
        guard
            let row = try await store.sql.select().columns(Self.columns).from(Self.table)
                .where("id", .equal, id).where("organization_id", .equal, organizationID).first()
        else { return nil }
        return try await open(row)
    }

    /// Writes the new status if the row still has the one `previous` was read with (two handlers
    /// answering at once: the second gets `false` and reads again).
    public func update(_ report: SecurityReport, from previous: SecurityReportStatus, audit: [AuditEvent]) async throws -> Bool {
        try await store.write { database in
            let changed = try await database.sqlDatabase().update(Self.table)
                .set("status", to: SQLBind(report.status.rawValue))
                .set("status_changed_at_ms", to: SQLBind(FluentMeetingRepository.ms(report.statusChangedAt)))
                .set("acknowledged_at_ms", to: SQLBind(report.acknowledgedAt.map(FluentMeetingRepository.ms)))
                .where("id", .equal, report.id)
                .where("organization_id", .equal, report.organizationID)
                .where("status", .equal, previous.rawValue)
                .returning("id")
                .all()
            guard !changed.isEmpty else { return false }
            try await FluentAuditRepository.append(audit, on: database)
            return true
        }
    }

    /// Reports still waiting for acknowledgement past the 48 hours, across the deployment.
    public func overdueCount(at now: Date) async throws -> Int {
        let cutoff = FluentMeetingRepository.ms(now.addingTimeInterval(-SecurityReport.acknowledgementWindow))
        let row = try await store.sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from(Self.table)
            .where("status", .equal, SecurityReportStatus.received.rawValue)
            .where("received_at_ms", .lessThan, cutoff)
            .first()
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }

    static let columns = ["id", "organization_id", "received_at_ms", "status", "status_changed_at_ms", "acknowledged_at_ms", "report_ciphertext"]

    func open(_ row: any SQLRow) async throws -> SecurityReport {
        let id = try row.decode(column: "id", as: UUID.self)
        let envelope = Array(try row.decode(column: "report_ciphertext", as: Data.self))
        let plaintext = try await dataKeys.open(envelope, binding: EncryptedColumn.securityReport.binding(rowID: id))
        let statusText = try row.decode(column: "status", as: String.self)
        guard let status = SecurityReportStatus(rawValue: statusText) else {
            throw MeetError(.invalidInput, "Report \(id) has an unknown status \(statusText).")
        }
        func date(_ column: String) throws -> Date? {
            try row.decode(column: column, as: Int64?.self).map { Date(timeIntervalSince1970: Double($0) / 1000) }
        }
        return SecurityReport(
            id: id,
            organizationID: try row.decode(column: "organization_id", as: UUID.self),
            receivedAt: try date("received_at_ms") ?? Date(timeIntervalSince1970: 0),
            status: status,
            statusChangedAt: try date("status_changed_at_ms") ?? Date(timeIntervalSince1970: 0),
            acknowledgedAt: try date("acknowledged_at_ms"),
            submission: try JSONDecoder().decode(SecurityReportSubmission.self, from: Data(plaintext))
        )
    }
}

import FluentKit
import Foundation
import MeetCore
import MeetCrypto
import MeetTestSupport
import SQLKit
import Testing

@testable import MeetStore

@Suite struct SecurityReportRepositoryTests {
    static let received = Date(timeIntervalSince1970: 1_790_000_000)

    static func report(_ summary: String, organization: UUID, at received: Date = received) throws -> SecurityReport {
        SecurityReport(
            id: UUID(),
            organizationID: organization,
            receivedAt: received,
            status: .received,
            statusChangedAt: received,
            acknowledgedAt: nil,
            submission: try SecurityReportSubmission(
                summary: summary,
                details: "Steps to reproduce the secret finding: open the page, paste the payload.",
                contact: "finder@example.org",
                name: "Grace Finder",
                creditPermitted: true
            )
        )
    }

    static func event(_ action: AuditAction, _ report: SecurityReport, details: [String: String] = [:]) -> AuditEvent {
        AuditEvent(
            action: action,
            organizationID: report.organizationID,
            target: AuditTarget(type: "security_report", id: report.id.uuidString.lowercased()),
            details: details,
            occurredAt: report.statusChangedAt
        )
    }

    @Test(arguments: TestDatabase.all)
    func reportsAreSealedAtRestAndComeBackOpenedNewestFirst(database: TestDatabase) async throws {
        try await database.withStore { store, backend in
            let ring = store.keyRing(MasterKeys(.generate()))
            let reports = FluentSecurityReportRepository(store: store, dataKeys: ring)
            let organization = UUID()
            try await OrganizationModel(id: organization, name: "Operator").create(on: store.database)
            let older = try Self.report("Stored XSS in chat", organization: organization)
            let newer = try Self.report("Open redirect at sign-in", organization: organization, at: Self.received.addingTimeInterval(60))
            for report in [older, newer] { try await reports.create(report, audit: [Self.event(.securityReportReceived, report)]) }

            let listed = try await reports.reports(organizationID: organization)
            #expect(listed == [newer, older])
            #expect(try await reports.reports(organizationID: UUID()).isEmpty)
            #expect(try await reports.report(id: older.id, organizationID: UUID()) == nil)

            // Nothing the reporter wrote is in clear, in the rows or (SQLite) anywhere in the file.
            for secret in ["Stored XSS", "secret finding", "finder@example.org", "Grace Finder"] {
                for row in try await store.sql.select().column("report_ciphertext").from("security_reports").all() {
                    #expect(try row.decode(column: "report_ciphertext", as: Data.self).range(of: Data(secret.utf8)) == nil)
                }
                if case .sqlite(let path) = backend {
                    #expect(try Data(contentsOf: URL(fileURLWithPath: path)).range(of: Data(secret.utf8)) == nil, "\(secret)")
                }
            }
            // Each arrival was audited with it.
            let audit = FluentAuditRepository(store: store)
            let entries = try await audit.entries(chain: AuditEntry.chain(of: organization), filter: AuditFilter(action: "security_report."))
            #expect(Set(entries.compactMap(\.event.target?.id)) == Set([older, newer].map { $0.id.uuidString.lowercased() }))
        }
    }

    @Test(arguments: TestDatabase.all)
    func aSealedReportMovedToAnotherRowDoesNotOpen(database: TestDatabase) async throws {
        try await database.withStore { store, _ in
            let reports = FluentSecurityReportRepository(store: store, dataKeys: store.keyRing(MasterKeys(.generate())))
            let organization = UUID()
            try await OrganizationModel(id: organization, name: "Operator").create(on: store.database)
            let first = try Self.report("First", organization: organization)
            let second = try Self.report("Second", organization: organization)
            for report in [first, second] { try await reports.create(report, audit: []) }
            let sealed = try #require(
                try await store.sql.select().column("report_ciphertext").from("security_reports").where("id", .equal, first.id).first()
            ).decode(column: "report_ciphertext", as: Data.self)
            try await store.sql.update("security_reports").set("report_ciphertext", to: SQLBind(sealed)).where("id", .equal, second.id).run()
            await #expect(throws: (any Error).self) { _ = try await reports.report(id: second.id, organizationID: organization) }
            #expect(try await reports.report(id: first.id, organizationID: organization) == first)
        }
    }

    @Test(arguments: TestDatabase.all)
    func anAnswerIsWrittenWithItsAuditEntryAndAStaleOneChangesNothing(database: TestDatabase) async throws {
        try await database.withStore { store, _ in
            let reports = FluentSecurityReportRepository(store: store, dataKeys: store.keyRing(MasterKeys(.generate())))
            let audit = FluentAuditRepository(store: store)
            let organization = UUID()
            try await OrganizationModel(id: organization, name: "Operator").create(on: store.database)
            let report = try Self.report("Session fixation", organization: organization)
            try await reports.create(report, audit: [])

            let acknowledged = try report.changed(to: .acknowledged, at: Self.received.addingTimeInterval(3600))
            let event = Self.event(.securityReportStatusChanged, acknowledged, details: ["status": "acknowledged", "previous_status": "received"])
            #expect(try await reports.update(acknowledged, from: .received, audit: [event]))
            #expect(try await reports.report(id: report.id, organizationID: organization) == acknowledged)
            #expect(try await reports.reports(organizationID: organization, status: .acknowledged) == [acknowledged])
            #expect(try await reports.reports(organizationID: organization, status: .fixed).isEmpty)

            // A second handler who read it as `received` loses the race: no change, no audit entry.
            let declined = try report.changed(to: .declined, at: Self.received.addingTimeInterval(3700))
            #expect(!(try await reports.update(declined, from: .received, audit: [Self.event(.securityReportStatusChanged, declined)])))
            #expect(try await reports.report(id: report.id, organizationID: organization)?.status == .acknowledged)
            let entries = try await audit.entries(chain: AuditEntry.chain(of: organization), filter: AuditFilter(action: "security_report."))
            #expect(entries.map(\.event.details["status"]) == ["acknowledged"])

            // A report whose row cannot be written (the same id again) takes its audit entry with it.
            await #expect(throws: (any Error).self) {
                try await reports.create(report, audit: [Self.event(.securityReportReceived, report)])
            }
            #expect(
                try await audit.entries(chain: AuditEntry.chain(of: organization), filter: AuditFilter(action: "security_report.received")).isEmpty
            )
        }
    }

    @Test(arguments: TestDatabase.all)
    func overdueCountsOnlyUnansweredReportsPast48HoursAndErasureRemovesThem(database: TestDatabase) async throws {
        try await database.withStore { store, _ in
            let ring = store.keyRing(MasterKeys(.generate()))
            let reports = FluentSecurityReportRepository(store: store, dataKeys: ring)
            let organization = UUID()
            try await OrganizationModel(id: organization, name: "Operator").create(on: store.database)
            let now = Self.received.addingTimeInterval(50 * 3600)
            let late = try Self.report("Late", organization: organization)
            let answered = try Self.report("Answered", organization: organization)
            let fresh = try Self.report("Fresh", organization: organization, at: now.addingTimeInterval(-3600))
            for report in [late, answered, fresh] { try await reports.create(report, audit: []) }
            #expect(try await reports.update(try answered.changed(to: .acknowledged, at: now), from: .received, audit: []))
            #expect(try await reports.overdueCount(at: now) == 1)
            #expect(try await reports.overdueCount(at: Self.received.addingTimeInterval(47 * 3600)) == 0)

            try await DataErasure(store: store, ring: ring).eraseOrganization(organization)
            #expect(try await store.sql.select().column("id").from("security_reports").all().isEmpty)
        }
    }
}

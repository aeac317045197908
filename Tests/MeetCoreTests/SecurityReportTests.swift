import Foundation
import MeetCore
import Testing

@Suite struct SecurityReportTests {
    static let details = "The invite link keeps working after it was revoked; steps: invite, revoke, open."

    static func submission(contact: String? = "finder@example.org", name: String? = "Grace") throws -> SecurityReportSubmission {
        try SecurityReportSubmission(
            summary: "  Revoked invitation still works ",
            details: details,
            contact: contact,
            name: name,
            creditPermitted: true
        )
    }

    static func report(_ submission: SecurityReportSubmission, at received: Date) -> SecurityReport {
        SecurityReport(
            id: UUID(uuidString: "1a2b3c4d-0000-4000-8000-000000000000")!,
            organizationID: UUID(),
            receivedAt: received,
            status: .received,
            statusChangedAt: received,
            acknowledgedAt: nil,
            submission: submission
        )
    }

    @Test func aGoodSubmissionIsTrimmedAndEmptyOptionalsBecomeNil() throws {
        let good = try Self.submission()
        #expect(good.summary == "Revoked invitation still works")
        #expect(good.contact == "finder@example.org" && good.name == "Grace" && good.creditPermitted)
        let anonymous = try SecurityReportSubmission(summary: "XSS", details: Self.details, contact: "  ", name: "", creditPermitted: false)
        #expect(anonymous.contact == nil && anonymous.name == nil)
    }

    @Test(
        arguments: [
            ("ab", details, nil, nil, "summary"),
            (String(repeating: "s", count: 201), details, nil, nil, "summary"),
            ("two\nlines", details, nil, nil, "summary"),
            ("XSS", "too short", nil, nil, "details"),
            ("XSS", String(repeating: "d", count: 20_001), nil, nil, "details"),
            ("XSS", details, "not an address", nil, "contact"),
            ("XSS", details, "a@b.example\r\nBcc: x@y.example", nil, "contact"),
            ("XSS", details, nil, String(repeating: "n", count: 101), "name"),
            ("XSS", details, nil, "Eve\nMallory", "name"),
        ] as [(String, String, String?, String?, String)]
    )
    func eachBadFieldIsNamed(summary: String, details: String, contact: String?, name: String?, field: String) {
        #expect {
            _ = try SecurityReportSubmission(summary: summary, details: details, contact: contact, name: name, creditPermitted: true)
        } throws: { error in
            (error as? MeetError)?.code == .invalidInput && (error as? MeetError)?.field == field
        }
    }

    @Test func theReferenceIsTheIdsFirstEightHexDigits() throws {
        let report = Self.report(try Self.submission(), at: Date(timeIntervalSince1970: 0))
        #expect(report.reference == "DM-1A2B-3C4D")
    }

    @Test func aReportIsOverdueOnlyWhileNobodyAnsweredItPast48Hours() throws {
        let received = Date(timeIntervalSince1970: 1_790_000_000)
        let report = Self.report(try Self.submission(), at: received)
        #expect(report.acknowledgeBy == received.addingTimeInterval(172_800))
        #expect(!report.isOverdue(at: received.addingTimeInterval(172_800)))
        #expect(report.isOverdue(at: received.addingTimeInterval(172_801)))
        let answered = try report.changed(to: .acknowledged, at: received.addingTimeInterval(172_900))
        #expect(!answered.isOverdue(at: received.addingTimeInterval(1_000_000)))
        #expect(answered.acknowledgedAt == received.addingTimeInterval(172_900))
    }

    @Test func theFirstAnswerAcknowledgesAndNothingGoesBackToReceived() throws {
        let received = Date(timeIntervalSince1970: 1_790_000_000)
        let report = Self.report(try Self.submission(), at: received)
        let fixed = try report.changed(to: .fixed, at: received.addingTimeInterval(60))
        #expect(fixed.status == .fixed && fixed.acknowledgedAt == received.addingTimeInterval(60) && fixed.statusChangedAt == fixed.acknowledgedAt)
        let declined = try fixed.changed(to: .declined, at: received.addingTimeInterval(120))
        #expect(declined.acknowledgedAt == received.addingTimeInterval(60) && declined.statusChangedAt == received.addingTimeInterval(120))
        #expect(throws: MeetError.self) { _ = try fixed.changed(to: .received, at: received.addingTimeInterval(180)) }
    }
}

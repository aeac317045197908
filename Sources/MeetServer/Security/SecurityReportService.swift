import Foundation
import Logging
import MeetCore
import MeetStore
import Metrics

/// Vulnerability reports (security policy §11). Anyone may send one through `/security/report`; it
/// goes to the organisation made at setup (the operator's), sealed under its data key. Owners and
/// admins are told by email that one arrived, and the reporter gets a receipt. Handlers see the
/// reports in the admin console, with the 48-hour acknowledgement deadline; every answer is audited
/// and emailed to the reporter. Reporters who allowed it are credited once their report is fixed.
struct SecurityReportService: Sendable {
    let identity: IdentityService
    let organizations: any OrganizationRepository
    let reports: FluentSecurityReportRepository
    let throttle: AttemptThrottle
    let logger: Logger
    var now: @Sendable () -> Date { identity.now }

    static let throttleScope = "security-reports"

    /// Files a report from `client`; answers the stored report (for its reference and deadline).
    func submit(_ submission: SecurityReportSubmission, client: ClientInfo) async throws -> SecurityReport {
        let now = now()
        let key = client.throttleKey
        if let wait = throttle.retryAfter(scope: Self.throttleScope, client: key, now: now) {
            Counter(label: "digitalmeet_security_events_total", dimensions: [("kind", "security_report_throttled")]).increment()
            throw APIError(
                .tooManyRequests,
                code: MeetError.Code.throttled.rawValue,
                message: "Too many reports from your network just now. Try again in \(max(1, wait / 60)) minute(s), or write to us by email.",
                retryAfter: wait
            )
        }
        guard let operatorOrganization = try await identity.repository.defaultOrganization() else {
            throw APIError(.serviceUnavailable, code: "not_ready", message: "This server is not set up yet, so it cannot take reports.")
        }
        throttle.record(scope: Self.throttleScope, client: key, now: now)
        let report = SecurityReport(
            id: UUID(),
            organizationID: operatorOrganization.organizationID,
            receivedAt: now,
            status: .received,
            statusChangedAt: now,
            acknowledgedAt: nil,
            submission: submission
        )
        let event = AuditEvent.now(
            .securityReportReceived,
            organizationID: report.organizationID,
            actorID: nil,
            target: Self.target(report.id),
            at: now
        )
        try await reports.create(report, audit: [event])
        Counter(label: "digitalmeet_security_reports_received_total").increment()
        logger.notice("Vulnerability report received", metadata: ["event": "security_report.received", "reference": "\(report.reference)"])

        let deadline = Self.format(report.acknowledgeBy)
        if let contact = submission.contact {
            try? await identity.deliver(
                MailMessage(
                    to: contact,
                    subject: "We received your security report \(report.reference)",
                    text: """
                        Hello,

                        Thank you for reporting a security problem in DigitalMeet at \(identity.link("/")).
                        Your report's reference is \(report.reference). A person will read it and acknowledge it by \(deadline), and we will write to you as we make progress.

                        Please keep the details private until we have fixed the problem.

                        """
                )
            )
        }
        for handler in try await organizations.members(organizationID: report.organizationID)
        where (handler.role == .owner || handler.role == .admin) && handler.disabledAt == nil {
            await identity.notify(
                handler,
                subject: "New security report \(report.reference)",
                text:
                    "A vulnerability report arrived. Acknowledge it by \(deadline) in the admin console: \(identity.link("/admin", fragment: "reports"))\n"
            )
        }
        return report
    }

    func list(_ signedIn: SignedIn, organizationID: UUID) async throws -> [SecurityReport] {
        try await identity.authorize(signedIn, organizationID: organizationID, .securityReportsRead)
        return try await reports.reports(organizationID: organizationID)
    }

    /// A handler's answer: the new status, and a message that goes to the reporter by email.
    func changeStatus(
        _ signedIn: SignedIn,
        organizationID: UUID,
        reportID: UUID,
        to status: SecurityReportStatus,
        message: String?
    ) async throws -> SecurityReport {
        try await identity.authorize(signedIn, organizationID: organizationID, .securityReportsManage)
        let message = message?.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (message?.count ?? 0) <= 5000 else {
            throw MeetError(.invalidInput, "A message is at most 5,000 characters.", field: "message")
        }
        guard let current = try await reports.report(id: reportID, organizationID: organizationID) else {
            throw MeetError(.notFound, "There is no such report.")
        }
        let now = now()
        let changed = try current.changed(to: status, at: now)
        let event = AuditEvent.now(
            .securityReportStatusChanged,
            organizationID: organizationID,
            actorID: signedIn.user.id,
            target: Self.target(reportID),
            details: ["status": status.rawValue, "previous_status": current.status.rawValue],
            at: now
        )
        guard try await reports.update(changed, from: current.status, audit: [event]) else {
            throw MeetError(.conflict, "Someone else answered this report just now. Reload it and try again.")
        }
        logger.notice(
            "Vulnerability report answered",
            metadata: ["event": "security_report.status_changed", "reference": "\(changed.reference)", "status": "\(status.rawValue)"]
        )
        if let contact = changed.submission.contact {
            var text = "Hello,\n\nYour security report \(changed.reference) (\"\(changed.submission.summary)\") is now: \(Self.describe(status)).\n"
            if let message, !message.isEmpty { text += "\n\(message)\n" }
            if status == .fixed, changed.submission.creditPermitted, let name = changed.submission.name {
                text += "\nWith your permission, we thank \(name) on \(identity.link("/security-policy", fragment: "acknowledgments")).\n"
            }
            try? await identity.deliver(MailMessage(to: contact, subject: "Update on your security report \(changed.reference)", text: text))
        }
        return changed
    }

    /// Reporters to thank publicly: fixed reports whose reporters allowed it and gave a name. This
    /// route is public, so only fixed reports are read and opened, not every report on each request.
    func acknowledgments() async throws -> [(name: String, fixedAt: Date)] {
        guard let operatorOrganization = try await identity.repository.defaultOrganization() else { return [] }
        return try await reports.reports(organizationID: operatorOrganization.organizationID, status: .fixed).compactMap { report in
            guard report.submission.creditPermitted, let name = report.submission.name else { return nil }
            return (name, report.statusChangedAt)
        }
    }

    static func target(_ id: UUID) -> AuditTarget { AuditTarget(type: "security_report", id: id.uuidString.lowercased()) }

    static func describe(_ status: SecurityReportStatus) -> String {
        switch status {
        case .received: "received"
        case .acknowledged: "acknowledged: we are looking into it"
        case .fixed: "fixed"
        case .declined: "closed without a fix (not a vulnerability, a duplicate or out of scope)"
        }
    }

    static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle().year().month().day().time(includingFractionalSeconds: false).dateTimeSeparator(.space))
            + " UTC"
    }
}

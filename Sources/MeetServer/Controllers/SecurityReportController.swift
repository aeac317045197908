import Foundation
import Hummingbird
import MeetCore

/// Vulnerability reports: the public form's `POST /api/v1/security-reports`, the public list of
/// credited researchers, and the admin console's list and answers under
/// `/api/v1/organizations/{organizationId}/security-reports`.
struct SecurityReportController {
    let service: SecurityReportService

    struct SubmitRequest: Decodable {
        let summary: String
        let details: String
        let contact: String?
        let name: String?
        let creditPermitted: Bool?
    }

    struct Receipt: ResponseEncodable {
        let reference: String
        let receivedAt: Date
        let acknowledgeBy: Date
    }

    struct Acknowledgment: Encodable {
        let name: String
        let fixedAt: Date
    }

    struct AcknowledgmentList: ResponseEncodable {
        let acknowledgments: [Acknowledgment]
    }

    struct ReportBody: ResponseEncodable {
        let id: UUID
        let reference: String
        let receivedAt: Date
        let acknowledgeBy: Date
        let acknowledgedAt: Date?
        let status: SecurityReportStatus
        let statusChangedAt: Date
        let overdue: Bool
        let summary: String
        let details: String
        let contact: String?
        let name: String?
        let creditPermitted: Bool

        init(_ report: SecurityReport, now: Date) {
            id = report.id
            reference = report.reference
            receivedAt = report.receivedAt
            acknowledgeBy = report.acknowledgeBy
            acknowledgedAt = report.acknowledgedAt
            status = report.status
            statusChangedAt = report.statusChangedAt
            overdue = report.isOverdue(at: now)
            summary = report.submission.summary
            details = report.submission.details
            contact = report.submission.contact
            name = report.submission.name
            creditPermitted = report.submission.creditPermitted
        }
    }

    struct ReportList: ResponseEncodable {
        let reports: [ReportBody]
    }

    struct ReportResponse: ResponseEncodable {
        let report: ReportBody
    }

    struct StatusRequest: Decodable {
        let status: SecurityReportStatus
        let message: String?
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.post("/api/v1/security-reports") { request, context -> EditedResponse<Receipt> in
            let body = try await request.decodeJSON(as: SubmitRequest.self, context: context)
            let report = try await mapped {
                let submission = try SecurityReportSubmission(
                    summary: body.summary,
                    details: body.details,
                    contact: body.contact,
                    name: body.name,
                    creditPermitted: body.creditPermitted ?? false
                )
                return try await service.submit(submission, client: request.clientInfo(context: context))
            }
            return EditedResponse(
                status: .created,
                response: Receipt(reference: report.reference, receivedAt: report.receivedAt, acknowledgeBy: report.acknowledgeBy)
            )
        }
        router.get("/api/v1/security-acknowledgments") { _, _ -> AcknowledgmentList in
            AcknowledgmentList(acknowledgments: try await service.acknowledgments().map { Acknowledgment(name: $0.name, fixedAt: $0.fixedAt) })
        }
        let reports = router.group("/api/v1/organizations/:organizationId/security-reports")
        reports.get { _, context -> ReportList in
            let (signedIn, id) = try OrganizationController.scope(context)
            let now = service.now()
            return ReportList(reports: try await mapped { try await service.list(signedIn, organizationID: id) }.map { ReportBody($0, now: now) })
        }
        reports.post("/:reportId/status") { request, context -> ReportResponse in
            let (signedIn, id) = try OrganizationController.scope(context)
            guard let reportID = context.parameters.get("reportId", as: UUID.self) else {
                throw APIError(.notFound, code: "not_found", message: "There is no such report.")
            }
            let body = try await request.decodeJSON(as: StatusRequest.self, context: context)
            let report = try await mapped {
                try await service.changeStatus(signedIn, organizationID: id, reportID: reportID, to: body.status, message: body.message)
            }
            return ReportResponse(report: ReportBody(report, now: service.now()))
        }
    }
}

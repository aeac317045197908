import Foundation
import HTTPTypes
import Hummingbird
import MeetCore
import MeetCrypto
import MeetStore
import NIOCore

/// The admin console's API: `/api/v1/organizations/{organizationId}/…`. Every route goes through
/// `IdentityService.authorize`; another organisation's id answers 404 whatever the route.
struct OrganizationController {
    let admin: OrganizationAdminService
    var identity: IdentityService { admin.identity }

    struct Overview: ResponseEncodable {
        let id: UUID
        let name: String
        let role: OrganizationRole
        let permissions: [String]
    }

    struct MemberList: ResponseEncodable {
        let members: [OrganizationAdminService.Member]
    }

    struct MemberResponse: ResponseEncodable {
        let member: OrganizationAdminService.Member
    }

    struct RoleRequest: Decodable {
        let role: OrganizationRole
    }

    struct EndedResponse: ResponseEncodable {
        let ended: Int
    }

    struct InviteRequest: Decodable {
        let email: String
        let role: OrganizationRole
    }

    struct InvitationSummary: ResponseEncodable {
        let id: UUID
        let email: String
        let role: OrganizationRole
        let createdAt: Date
        let expiresAt: Date
        let acceptedAt: Date?
    }

    struct InvitationList: ResponseEncodable {
        let invitations: [InvitationSummary]
    }

    struct Limits: Encodable {
        let min: Int64
        let max: Int64
    }

    struct PolicyBody: ResponseCodable {
        let requireMFA: Bool
        let allowSignup: Bool
        let sessionIdleMinutes: Int64
        let sessionAbsoluteHours: Int64
        let meetings: MeetingPolicy
        let retention: RetentionBody
        var limits: [String: [String: Int64]]?
    }

    struct RetentionBody: Codable {
        let chatMessageDays: Int
    }

    struct AuditEntryBody: Encodable {
        struct Actor: Encodable {
            let id: UUID?
            let name: String?
        }
        struct Target: Encodable {
            let type: String
            let id: String
        }
        let sequence: Int64
        let occurredAt: Date
        let action: String
        let outcome: AuditOutcome
        let actor: Actor
        let target: Target?
        let address: String?
        let requestId: String?
        let details: [String: String]
    }

    struct AuditPage: ResponseEncodable {
        let entries: [AuditEntryBody]
        let next: Int64?
    }

    struct ActionList: ResponseEncodable {
        let actions: [String]
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        let organization = router.group("/api/v1/organizations/:organizationId")
        organization.get { _, context -> Overview in
            let (signedIn, id) = try Self.scope(context)
            let overview = try await mapped { try await admin.overview(signedIn, organizationID: id) }
            return Overview(id: overview.id, name: overview.name, role: overview.role, permissions: overview.permissions)
        }
        organization.get("/members") { _, context -> MemberList in
            let (signedIn, id) = try Self.scope(context)
            return MemberList(members: try await mapped { try await admin.members(signedIn, organizationID: id) })
        }
        organization.patch("/members/:userId") { request, context -> MemberResponse in
            let (signedIn, id) = try Self.scope(context)
            let userID = try Self.memberID(context)
            let body = try await request.decodeJSON(as: RoleRequest.self, context: context)
            return MemberResponse(
                member: try await mapped { try await admin.changeRole(signedIn, organizationID: id, userID: userID, to: body.role) }
            )
        }
        organization.post("/members/:userId/disable") { _, context -> MemberResponse in
            let (signedIn, id) = try Self.scope(context)
            let userID = try Self.memberID(context)
            return MemberResponse(
                member: try await mapped { try await admin.setDisabled(signedIn, organizationID: id, userID: userID, disabled: true) }
            )
        }
        organization.post("/members/:userId/enable") { _, context -> MemberResponse in
            let (signedIn, id) = try Self.scope(context)
            let userID = try Self.memberID(context)
            return MemberResponse(
                member: try await mapped { try await admin.setDisabled(signedIn, organizationID: id, userID: userID, disabled: false) }
            )
        }
        organization.post("/members/:userId/unlock") { _, context -> Response in
            let (signedIn, id) = try Self.scope(context)
            let userID = try Self.memberID(context)
            try await mapped { try await identity.unlock(signedIn, organizationID: id, userID: userID) }
            return Response(status: .noContent)
        }
        organization.post("/members/:userId/end-sessions") { _, context -> EndedResponse in
            let (signedIn, id) = try Self.scope(context)
            let userID = try Self.memberID(context)
            return EndedResponse(ended: try await mapped { try await admin.endSessions(signedIn, organizationID: id, userID: userID) })
        }
        organization.post("/invitations") { request, context -> EditedResponse<InvitationSummary> in
            let (signedIn, id) = try Self.scope(context)
            let body = try await request.decodeJSON(as: InviteRequest.self, context: context)
            let invitation = try await mapped { try await identity.invite(signedIn, organizationID: id, email: body.email, role: body.role) }
            return EditedResponse(status: .created, response: try await summary(invitation))
        }
        organization.get("/invitations") { _, context -> InvitationList in
            let (signedIn, id) = try Self.scope(context)
            var list: [InvitationSummary] = []
            for invitation in try await mapped({ try await admin.invitations(signedIn, organizationID: id) }) {
                list.append(try await summary(invitation))
            }
            return InvitationList(invitations: list)
        }
        organization.delete("/invitations/:invitationId") { _, context -> Response in
            let (signedIn, id) = try Self.scope(context)
            guard let invitationID = context.parameters.get("invitationId", as: UUID.self) else {
                throw APIError(.notFound, code: "not_found", message: "There is no open invitation with this id.")
            }
            try await mapped { try await admin.revokeInvitation(signedIn, organizationID: id, id: invitationID) }
            return Response(status: .noContent)
        }
        organization.get("/policy") { _, context -> PolicyBody in
            let (signedIn, id) = try Self.scope(context)
            return Self.body(try await mapped { try await admin.policy(signedIn, organizationID: id) })
        }
        organization.put("/policy") { request, context -> PolicyBody in
            let (signedIn, id) = try Self.scope(context)
            let body = try await request.decodeJSON(as: PolicyBody.self, context: context)
            return Self.body(
                try await mapped {
                    guard (1...60).contains(body.sessionIdleMinutes) else {
                        throw MeetError(.invalidInput, "The idle timeout must be between 1 and 60 minutes.", field: "sessionIdleMinutes")
                    }
                    guard (1...24).contains(body.sessionAbsoluteHours), body.sessionAbsoluteHours * 60 >= body.sessionIdleMinutes else {
                        throw MeetError(
                            .invalidInput,
                            "The session lifetime must be 1 to 24 hours and at least the idle timeout.",
                            field: "sessionAbsoluteHours"
                        )
                    }
                    let sessions = try SessionPolicy(
                        idleTimeout: .seconds(body.sessionIdleMinutes * 60),
                        absoluteTimeout: .seconds(body.sessionAbsoluteHours * 3600)
                    )
                    let policy = OrganizationSecurity(
                        organizationID: id,
                        name: "",
                        requireMFA: body.requireMFA,
                        allowSignup: body.allowSignup,
                        sessionPolicy: sessions,
                        meetings: body.meetings,
                        retention: try RetentionPolicy(chatMessageDays: body.retention.chatMessageDays)
                    )
                    return try await admin.updatePolicy(signedIn, organizationID: id, to: policy)
                }
            )
        }
        organization.get("/audit") { request, context -> AuditPage in
            let (signedIn, id) = try Self.scope(context)
            let filter = try Self.auditFilter(request.uri.queryParameters)
            let (entries, names) = try await mapped { try await admin.auditEntries(signedIn, organizationID: id, filter: filter) }
            return AuditPage(
                entries: entries.map { entry in
                    let event = entry.event
                    return AuditEntryBody(
                        sequence: entry.sequence,
                        occurredAt: event.occurredAt,
                        action: event.action.rawValue,
                        outcome: event.outcome,
                        actor: .init(id: event.actorID, name: event.actorID.flatMap { names[$0] }),
                        target: event.target.map { .init(type: $0.type, id: $0.id) },
                        address: event.address,
                        requestId: event.requestID,
                        details: event.details
                    )
                },
                next: entries.count == filter.limit ? entries.last?.sequence : nil
            )
        }
        organization.get("/audit/actions") { _, context -> ActionList in
            let (signedIn, id) = try Self.scope(context)
            try await mapped { try await identity.authorize(signedIn, organizationID: id, .auditRead) }
            return ActionList(actions: AuditAction.known.map(\.rawValue))
        }
        organization.get("/audit/export") { _, context -> Response in
            let (signedIn, id) = try Self.scope(context)
            let chain = try await mapped { try await admin.startExport(signedIn, organizationID: id) }
            let export = admin.export
            var headers = HTTPFields()
            headers[.contentType] = "application/x-ndjson; charset=utf-8"
            headers[.contentDisposition] = "attachment; filename=\"digitalmeet-audit-\(chain).jsonl\""
            headers[.cacheControl] = "no-store"
            return Response(
                status: .ok,
                headers: headers,
                body: ResponseBody { writer in
                    try await export.write(chain: chain) { text in try await writer.write(ByteBuffer(string: text)) }
                    try await writer.finish(nil)
                }
            )
        }
    }

    /// The signed-in caller and the organisation id of the path (a malformed id is a 404 like any other).
    static func scope(_ context: AppRequestContext) throws -> (SignedIn, UUID) {
        let signedIn = try context.requireSignedIn()
        guard let id = context.parameters.get("organizationId", as: UUID.self) else {
            throw APIError(.notFound, code: "not_found", message: "There is no such organisation.")
        }
        return (signedIn, id)
    }

    static func memberID(_ context: AppRequestContext) throws -> UUID {
        guard let id = context.parameters.get("userId", as: UUID.self) else {
            throw APIError(.notFound, code: "not_found", message: "There is no such member in this organisation.")
        }
        return id
    }

    static func body(_ policy: OrganizationSecurity) -> PolicyBody {
        PolicyBody(
            requireMFA: policy.requireMFA,
            allowSignup: policy.allowSignup,
            sessionIdleMinutes: policy.sessionPolicy.idleTimeout.components.seconds / 60,
            sessionAbsoluteHours: policy.sessionPolicy.absoluteTimeout.components.seconds / 3600,
            meetings: policy.meetings,
            retention: RetentionBody(chatMessageDays: policy.retention.chatMessageDays),
            limits: [
                "chatMessageDays": [
                    "min": Int64(RetentionPolicy.chatMessageDaysRange.lowerBound), "max": Int64(RetentionPolicy.chatMessageDaysRange.upperBound),
                ],
                "sessionIdleMinutes": ["min": 1, "max": SessionPolicy.maximumIdle.components.seconds / 60],
                "sessionAbsoluteHours": ["min": 1, "max": SessionPolicy.maximumAbsolute.components.seconds / 3600],
            ]
        )
    }

    static func auditFilter(_ query: Parameters) throws -> AuditFilter {
        func date(_ name: String) throws -> Date? {
            guard let text = query.get(name) else { return nil }
            if let date = try? Date(text, strategy: .iso8601) { return date }
            if let date = try? Date(text + "T00:00:00Z", strategy: .iso8601) { return date }
            throw APIError(.badRequest, code: "invalid_input", message: "\(name) must be a date such as 2026-11-27 or 2026-11-27T10:00:00Z.")
        }
        func integer(_ name: String) throws -> Int? {
            guard let text = query.get(name) else { return nil }
            guard let value = Int(text) else { throw APIError(.badRequest, code: "invalid_input", message: "\(name) must be a whole number.") }
            return value
        }
        var outcome: AuditOutcome?
        if let text = query.get("outcome"), !text.isEmpty {
            guard let value = AuditOutcome(rawValue: text) else {
                throw APIError(.badRequest, code: "invalid_input", message: "outcome must be success, failure or denied.")
            }
            outcome = value
        }
        var actor: UUID?
        if let text = query.get("actor"), !text.isEmpty {
            guard let value = UUID(uuidString: text) else { throw APIError(.badRequest, code: "invalid_input", message: "actor must be a user id.") }
            actor = value
        }
        let action = query.get("action").flatMap { $0.isEmpty ? nil : String($0.prefix(100)) }
        return AuditFilter(
            action: action,
            outcome: outcome,
            actorID: actor,
            since: try date("since"),
            until: try date("until"),
            before: try integer("before").map(Int64.init),
            limit: try integer("limit") ?? 50
        )
    }

    func summary(_ invitation: Invitation) async throws -> InvitationSummary {
        InvitationSummary(
            id: invitation.id,
            email: try await identity.dataKeys.openString(
                invitation.emailCiphertext,
                binding: EncryptedColumn.invitationEmail.binding(rowID: invitation.id)
            ),
            role: invitation.role,
            createdAt: invitation.createdAt,
            expiresAt: invitation.expiresAt,
            acceptedAt: invitation.acceptedAt
        )
    }
}

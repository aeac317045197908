import Foundation
import Hummingbird
import MeetCore

/// Where the request being handled came from, for audit records: set once per request by
/// `RequestOriginMiddleware`, read wherever an audit event is made, so services need not pass it along.
struct RequestOrigin: Sendable {
    var address: String?
    var requestID: String?

    @TaskLocal static var current: RequestOrigin?
}

struct RequestOriginMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let origin = RequestOrigin(address: context.remoteAddress?.ipAddress, requestID: context.id)
        return try await RequestOrigin.$current.withValue(origin) { try await next(request, context) }
    }
}

extension AuditEvent {
    /// An event stamped with the current request's address and id.
    static func now(
        _ action: AuditAction,
        _ outcome: AuditOutcome = .success,
        organizationID: UUID?,
        actorID: UUID?,
        target: AuditTarget? = nil,
        details: [String: String] = [:],
        at date: Date
    ) -> AuditEvent {
        AuditEvent(
            action: action,
            outcome: outcome,
            organizationID: organizationID,
            actorID: actorID,
            target: target,
            address: RequestOrigin.current?.address,
            requestID: RequestOrigin.current?.requestID,
            details: details,
            occurredAt: date
        )
    }

    /// Something a person did to their own account.
    static func own(
        _ action: AuditAction,
        _ outcome: AuditOutcome = .success,
        user: UserAccount,
        details: [String: String] = [:],
        at date: Date
    )
        -> AuditEvent
    {
        now(action, outcome, organizationID: user.organizationID, actorID: user.id, target: .user(user.id), details: details, at: date)
    }
}

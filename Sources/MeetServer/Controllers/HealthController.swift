import Hummingbird
import MeetStore

/// `/healthz`: the process answers. `/readyz`: it can also reach its database.
struct HealthController {
    let store: Store

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/healthz") { _, _ in
            HealthStatus(status: "ok")
        }
        router.get("/readyz") { _, context -> EditedResponse<HealthStatus> in
            do {
                try await store.ping()
                return EditedResponse(status: .ok, response: HealthStatus(status: "ready"))
            } catch {
                context.logger.warning("Readiness check failed: database unreachable", metadata: ["error": "\(error)"])
                return EditedResponse(status: .serviceUnavailable, response: HealthStatus(status: "database unreachable"))
            }
        }
    }
}

struct HealthStatus: ResponseCodable {
    let status: String
}

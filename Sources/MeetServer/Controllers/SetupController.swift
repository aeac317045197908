import Foundation
import Hummingbird
import MeetCore

/// The API behind the one-time setup page.
struct SetupController<Repository: OwnerSetupRepository> {
    let service: OwnerSetupService<Repository>

    struct SetupRequest: Decodable {
        let token: String
        let organizationName: String
        let displayName: String
        let email: String
        let password: String
    }

    struct SetupResponse: ResponseEncodable {
        let userId: UUID
        let organizationId: UUID
    }

    struct StatusResponse: ResponseEncodable {
        let setupRequired: Bool
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/api/v1/setup/status") { _, _ in
            StatusResponse(setupRequired: try await service.setupRequired())
        }
        router.post("/api/v1/setup") { request, context -> EditedResponse<SetupResponse> in
            let body = try await request.decodeJSON(as: SetupRequest.self, context: context)
            let registration = OwnerRegistration(
                organizationName: body.organizationName,
                displayName: body.displayName,
                email: body.email,
                password: body.password
            )
            let outcome: SetupRedemption
            do {
                outcome = try await service.redeem(tokenText: body.token, registration: registration)
            } catch let error as MeetError {
                throw APIError(error)
            }
            switch outcome {
            case .created(let userID, let organizationID):
                context.logger.notice("First owner account created", metadata: ["user_id": "\(userID)", "organization_id": "\(organizationID)"])
                return EditedResponse(status: .created, response: SetupResponse(userId: userID, organizationId: organizationID))
            case .invalidToken:
                context.logger.warning("Setup link refused: unknown, used or expired")
                throw APIError(
                    .forbidden,
                    code: "invalid_setup_link",
                    message:
                        "This setup link is not valid: it was already used, has expired, or a newer one replaced it. Restart the server to get a new link."
                )
            case .alreadySetUp:
                throw APIError(.conflict, code: "already_set_up", message: "DigitalMeet is already set up; this link can no longer be used.")
            }
        }
    }
}

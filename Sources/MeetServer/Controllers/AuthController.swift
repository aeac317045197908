import Foundation
import HTTPTypes
import Hummingbird
import MeetCore
import MeetCrypto

/// Sign-in, second factor, step-up, sign-out, sign-up, email verification, password reset and
/// invitation acceptance: the routes a person uses before and while signing in.
struct AuthController {
    let identity: IdentityService

    struct SignInRequest: Decodable {
        let email: String
        let password: String
    }

    struct SecondFactorRequest: Decodable {
        let code: String?
        let recoveryCode: String?
        let passkey: PasskeyAssertion?
    }

    struct PasskeySignInRequest: Decodable {
        let credential: PasskeyAssertion
    }

    struct StepUpRequest: Decodable {
        let password: String
        let code: String?
        let passkey: PasskeyAssertion?
    }

    struct SignUpRequest: Decodable {
        let email: String
        let displayName: String
        let password: String
    }

    struct TokenRequest: Decodable {
        let token: String
    }

    struct EmailRequest: Decodable {
        let email: String
    }

    struct ResetRequest: Decodable {
        let token: String
        let newPassword: String
        let code: String?
        let recoveryCode: String?
    }

    struct AcceptInvitationRequest: Decodable {
        let token: String
        let displayName: String
        let password: String
    }

    struct StageResponse: ResponseEncodable {
        let stage: SessionStage
        let csrfToken: String
    }

    struct MessageResponse: ResponseEncodable {
        let message: String
    }

    struct CodeRequiredResponse: ResponseEncodable {
        let codeRequired: Bool
    }

    struct CreatedResponse: ResponseEncodable {
        let userId: UUID
    }

    /// What a page needs to know about the visitor.
    struct SessionResponse: ResponseEncodable {
        struct User: Encodable {
            let id: UUID
            let displayName: String
            let email: String
            let role: OrganizationRole
            let organizationId: UUID
            let organizationName: String
            let mfaEnabled: Bool
            let organizationRequiresMFA: Bool
        }
        let signedIn: Bool
        let stage: SessionStage?
        let csrfToken: String?
        let stepUpUntil: Date?
        let expiresAt: Date?
        let user: User?
        /// During stage `mfa`: the second factors the account offers ("totp", "passkey").
        let secondFactors: [String]?
        let signupAllowed: Bool
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        let auth = router.group("/api/v1/auth")
        auth.get("/session") { _, context in try await session(context: context) }
        auth.post("/sign-in") { request, context -> Response in
            let body = try await request.decodeJSON(as: SignInRequest.self, context: context)
            // Whatever session this browser had ends: sign-in always starts a new one (no fixation).
            if let previous = context.signedIn {
                _ = try await identity.repository.deleteSession(id: previous.session.id, userID: previous.user.id, audit: [])
            }
            let grant = try await mapped {
                try await identity.signIn(email: body.email, password: body.password, client: request.clientInfo(context: context))
            }
            return try stageResponse(grant)
        }
        auth.post("/mfa") { request, context -> Response in
            let pending = try context.requireSignedIn(allowing: [.mfa])
            let body = try await request.decodeJSON(as: SecondFactorRequest.self, context: context)
            let grant = try await mapped {
                try await identity.completeSecondFactor(
                    pending: pending,
                    code: body.code,
                    recoveryCode: body.recoveryCode,
                    passkey: body.passkey,
                    client: request.clientInfo(context: context)
                )
            }
            return try stageResponse(grant)
        }
        // Options for `navigator.credentials.get()`: a pending sign-in, or a signed-in person confirming
        // a step-up or a security change with a passkey.
        auth.post("/passkey/options") { _, context -> Response in
            let signedIn = try context.requireSignedIn(allowing: [.mfa, .active])
            return try AccountController.json(try await mapped { try await identity.passkeyRequestOptions(signedIn) })
        }
        auth.post("/passkey") { request, context -> Response in
            let pending = try context.requireSignedIn(allowing: [.mfa])
            let body = try await request.decodeJSON(as: PasskeySignInRequest.self, context: context)
            let grant = try await mapped {
                try await identity.completeSecondFactor(
                    pending: pending,
                    code: nil,
                    recoveryCode: nil,
                    passkey: body.credential,
                    client: request.clientInfo(context: context)
                )
            }
            return try stageResponse(grant)
        }
        auth.post("/step-up") { request, context -> Response in
            let signedIn = try context.requireSignedIn()
            let body = try await request.decodeJSON(as: StepUpRequest.self, context: context)
            let grant = try await mapped {
                try await identity.stepUp(
                    signedIn,
                    password: body.password,
                    code: body.code,
                    passkey: body.passkey,
                    client: request.clientInfo(context: context)
                )
            }
            return try stageResponse(grant)
        }
        auth.post("/sign-out") { _, context -> Response in
            if let signedIn = context.signedIn {
                _ = try await identity.repository.deleteSession(
                    id: signedIn.session.id,
                    userID: signedIn.user.id,
                    audit: [.own(.signOut, user: signedIn.user, at: Date())]
                )
                context.logger.info("Signed out", metadata: ["event": "signout", "user_id": "\(signedIn.user.id)"])
            }
            var response = Response(status: .noContent)
            response.headers.append(HTTPField(name: .setCookie, value: SessionMiddleware.clearedSessionCookie))
            return response
        }
        auth.post("/sign-up") { request, context -> EditedResponse<MessageResponse> in
            let body = try await request.decodeJSON(as: SignUpRequest.self, context: context)
            try await mapped { try await identity.signUp(email: body.email, displayName: body.displayName, password: body.password) }
            return EditedResponse(
                status: .accepted,
                response: MessageResponse(message: "Check your email: we have sent a link to confirm your address and finish signing up.")
            )
        }
        auth.post("/verify-email") { request, context -> Response in
            let body = try await request.decodeJSON(as: TokenRequest.self, context: context)
            try await mapped { try await identity.verifyEmail(tokenText: body.token) }
            return Response(status: .noContent)
        }
        auth.post("/confirm-email-change") { request, context -> Response in
            let body = try await request.decodeJSON(as: TokenRequest.self, context: context)
            try await mapped { try await identity.confirmEmailChange(tokenText: body.token) }
            return Response(status: .noContent)
        }
        auth.post("/password-reset") { request, context -> EditedResponse<MessageResponse> in
            let body = try await request.decodeJSON(as: EmailRequest.self, context: context)
            try await mapped { try await identity.requestPasswordReset(email: body.email) }
            return EditedResponse(
                status: .accepted,
                response: MessageResponse(message: "If an account uses that address, we have sent it a link to reset the password.")
            )
        }
        auth.post("/password-reset/check") { request, context -> CodeRequiredResponse in
            let body = try await request.decodeJSON(as: TokenRequest.self, context: context)
            return CodeRequiredResponse(codeRequired: try await mapped { try await identity.resetRequiresCode(tokenText: body.token) })
        }
        auth.post("/password-reset/complete") { request, context -> Response in
            let body = try await request.decodeJSON(as: ResetRequest.self, context: context)
            try await mapped {
                try await identity.completePasswordReset(
                    tokenText: body.token,
                    newPassword: body.newPassword,
                    code: body.code,
                    recoveryCode: body.recoveryCode,
                    client: request.clientInfo(context: context)
                )
            }
            var response = Response(status: .noContent)
            response.headers.append(HTTPField(name: .setCookie, value: SessionMiddleware.clearedSessionCookie))
            return response
        }
        let invitations = router.group("/api/v1/invitations")
        invitations.post("/lookup") { request, context -> IdentityService.InvitationDetails in
            let body = try await request.decodeJSON(as: TokenRequest.self, context: context)
            return try await mapped { try await identity.invitationDetails(tokenText: body.token) }
        }
        invitations.post("/accept") { request, context -> EditedResponse<CreatedResponse> in
            let body = try await request.decodeJSON(as: AcceptInvitationRequest.self, context: context)
            let id = try await mapped {
                try await identity.acceptInvitation(tokenText: body.token, displayName: body.displayName, password: body.password)
            }
            return EditedResponse(status: .created, response: CreatedResponse(userId: id))
        }
    }

    func session(context: AppRequestContext) async throws -> SessionResponse {
        let signupAllowed = try await identity.repository.defaultOrganization()?.allowSignup ?? false
        guard let signedIn = context.signedIn else {
            return SessionResponse(
                signedIn: false,
                stage: nil,
                csrfToken: nil,
                stepUpUntil: nil,
                expiresAt: nil,
                user: nil,
                secondFactors: nil,
                signupAllowed: signupAllowed
            )
        }
        let organization = try await identity.repository.organizationSecurity(id: signedIn.user.organizationID)
        let session = signedIn.session
        return SessionResponse(
            signedIn: session.stage == .active,
            stage: session.stage,
            csrfToken: CSRFToken.derive(from: signedIn.token),
            stepUpUntil: session.hasFreshStepUp(at: Date()) ? session.stepUpAt?.addingTimeInterval(SessionRecord.stepUpLifetime) : nil,
            expiresAt: min(session.expiresAt, Date().addingTimeInterval(SessionPolicy.interval(session.idleTimeout))),
            user: session.stage == .mfa
                ? nil
                : SessionResponse.User(
                    id: signedIn.user.id,
                    displayName: signedIn.user.displayName,
                    email: try await identity.email(of: signedIn.user),
                    role: signedIn.user.role,
                    organizationId: signedIn.user.organizationID,
                    organizationName: organization?.name ?? "",
                    mfaEnabled: signedIn.user.mfaEnabled,
                    organizationRequiresMFA: organization?.requireMFA ?? false
                ),
            secondFactors: session.stage == .mfa
                ? (signedIn.user.hasTOTP ? ["totp"] : []) + (signedIn.user.passkeyCount > 0 ? ["passkey"] : []) : nil,
            signupAllowed: signupAllowed
        )
    }

    func stageResponse(_ grant: SessionGrant) throws -> Response {
        var response = try AccountController.json(StageResponse(stage: grant.session.stage, csrfToken: CSRFToken.derive(from: grant.token)))
        response.setSession(grant)
        return response
    }
}

/// Runs a domain operation, turning its `MeetError` into the API's error body.
func mapped<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as MeetError {
        throw APIError(error)
    }
}

import Foundation
import HTTPTypes
import Hummingbird
import MeetCore
import MeetCrypto
import MeetStore

/// A signed-in person's own security settings: sessions, password, email, two-step verification.
struct AccountController {
    let identity: IdentityService

    struct PasswordChangeRequest: Decodable {
        let currentPassword: String
        let code: String?
        let passkey: PasskeyAssertion?
        let newPassword: String
        let endOtherSessions: Bool?
    }

    struct EmailChangeRequest: Decodable {
        let newEmail: String
        let currentPassword: String
        let code: String?
        let passkey: PasskeyAssertion?
    }

    /// The current password and, when the account has a second factor, a TOTP `code` or a `passkey`
    /// assertion (from `POST /api/v1/auth/passkey/options`).
    struct FactorsRequest: Decodable {
        let currentPassword: String
        let code: String?
        let passkey: PasskeyAssertion?
    }

    struct BeginTOTPRequest: Decodable {
        let currentPassword: String?
        let passkey: PasskeyAssertion?
    }

    struct AddPasskeyRequest: Decodable {
        let name: String
        let currentPassword: String?
        let code: String?
        let passkey: PasskeyAssertion?
        let credential: PasskeyAttestation
    }

    struct AddedPasskeyResponse: Encodable {
        let passkey: IdentityService.PasskeySummary
        /// Ten codes when this was the account's first second factor (shown once); otherwise empty.
        let recoveryCodes: [String]
        let csrfToken: String?
    }

    struct PasskeyList: ResponseEncodable {
        let passkeys: [IdentityService.PasskeySummary]
    }

    struct CodeRequest: Decodable {
        let code: String
    }

    struct SessionsResponse: ResponseEncodable {
        let sessions: [IdentityService.SessionSummary]
    }

    struct EndedResponse: ResponseEncodable {
        let ended: Int
    }

    struct MFAStatus: ResponseEncodable {
        let enabled: Bool
        let required: Bool
        let recoveryCodesRemaining: Int
        /// Whether an authenticator app is set up.
        let totp: Bool
        /// How many security keys and passkeys the account has.
        let passkeys: Int
    }

    struct RecoveryCodesResponse: Encodable {
        let recoveryCodes: [String]
        let csrfToken: String?
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        let account = router.group("/api/v1/account")
        account.get("/sessions") { _, context -> SessionsResponse in
            let signedIn = try context.requireSignedIn()
            return SessionsResponse(sessions: try await identity.sessionSummaries(for: signedIn))
        }
        account.delete("/sessions/:id") { _, context -> Response in
            let signedIn = try context.requireSignedIn()
            guard let id = context.parameters.get("id", as: UUID.self) else {
                throw APIError(.badRequest, code: "invalid_input", message: "The session id is not valid.")
            }
            guard try await identity.endSession(id: id, of: signedIn) else {
                throw APIError(.notFound, code: "not_found", message: "There is no such session.")
            }
            var response = Response(status: .noContent)
            if id == signedIn.session.id { response.headers.append(HTTPField(name: .setCookie, value: SessionMiddleware.clearedSessionCookie)) }
            return response
        }
        account.post("/sessions/end-others") { _, context -> EndedResponse in
            let signedIn = try context.requireSignedIn()
            return EndedResponse(ended: try await identity.endOtherSessions(of: signedIn, includingCurrent: false))
        }
        account.post("/sign-out-everywhere") { _, context -> Response in
            let signedIn = try context.requireSignedIn(allowing: [.active, .enrol])
            _ = try await identity.endOtherSessions(of: signedIn, includingCurrent: true)
            var response = Response(status: .noContent)
            response.headers.append(HTTPField(name: .setCookie, value: SessionMiddleware.clearedSessionCookie))
            return response
        }
        account.post("/password") { request, context -> Response in
            let signedIn = try context.requireSignedIn()
            let body = try await request.decodeJSON(as: PasswordChangeRequest.self, context: context)
            let grant = try await mapped {
                try await identity.changePassword(
                    signedIn,
                    current: body.currentPassword,
                    code: body.code,
                    passkey: body.passkey,
                    new: body.newPassword,
                    endOtherSessions: body.endOtherSessions ?? true,
                    client: request.clientInfo(context: context)
                )
            }
            return try AuthController(identity: identity).stageResponse(grant)
        }
        account.post("/email") { request, context -> EditedResponse<AuthController.MessageResponse> in
            let signedIn = try context.requireSignedIn()
            let body = try await request.decodeJSON(as: EmailChangeRequest.self, context: context)
            try await mapped {
                try await identity.requestEmailChange(
                    signedIn,
                    newEmail: body.newEmail,
                    password: body.currentPassword,
                    code: body.code,
                    passkey: body.passkey,
                    client: request.clientInfo(context: context)
                )
            }
            return EditedResponse(status: .accepted, response: .init(message: "We have sent a confirmation link to the new address."))
        }
        account.get("/mfa") { _, context -> MFAStatus in
            let signedIn = try context.requireSignedIn(allowing: [.active, .enrol])
            let organization = try await identity.repository.organizationSecurity(id: signedIn.user.organizationID)
            return MFAStatus(
                enabled: signedIn.user.mfaEnabled,
                required: organization?.requireMFA ?? false,
                recoveryCodesRemaining: try await identity.remainingRecoveryCodes(userID: signedIn.user.id),
                totp: signedIn.user.hasTOTP,
                passkeys: signedIn.user.passkeyCount
            )
        }
        account.post("/mfa/totp") { request, context -> Response in
            let signedIn = try context.requireSignedIn(allowing: [.active, .enrol])
            let body = try await request.decodeJSON(as: BeginTOTPRequest.self, context: context)
            let enrolment = try await mapped {
                try await identity.beginTOTP(
                    signedIn,
                    password: body.currentPassword,
                    passkey: body.passkey,
                    client: request.clientInfo(context: context)
                )
            }
            return try Self.json(enrolment)
        }
        account.post("/mfa/totp/confirm") { request, context -> Response in
            let signedIn = try context.requireSignedIn(allowing: [.active, .enrol])
            let body = try await request.decodeJSON(as: CodeRequest.self, context: context)
            let result = try await mapped { try await identity.confirmTOTP(signedIn, code: body.code) }
            var response = try Self.json(
                RecoveryCodesResponse(recoveryCodes: result.codes, csrfToken: result.grant.map { CSRFToken.derive(from: $0.token) })
            )
            if let grant = result.grant { response.setSession(grant) }
            return response
        }
        account.post("/mfa/disable") { request, context -> Response in
            let signedIn = try context.requireSignedIn()
            let body = try await request.decodeJSON(as: FactorsRequest.self, context: context)
            try await mapped {
                try await identity.disableTOTP(
                    signedIn,
                    password: body.currentPassword,
                    code: body.code,
                    passkey: body.passkey,
                    client: request.clientInfo(context: context)
                )
            }
            return Response(status: .noContent)
        }
        account.post("/mfa/recovery-codes") { request, context -> Response in
            let signedIn = try context.requireSignedIn()
            let body = try await request.decodeJSON(as: FactorsRequest.self, context: context)
            let codes = try await mapped {
                try await identity.regenerateRecoveryCodes(
                    signedIn,
                    password: body.currentPassword,
                    code: body.code,
                    passkey: body.passkey,
                    client: request.clientInfo(context: context)
                )
            }
            return try Self.json(RecoveryCodesResponse(recoveryCodes: codes, csrfToken: nil))
        }
        addPasskeyRoutes(to: account)
    }

    /// Security keys and passkeys: options for `navigator.credentials.create()`, registration, list and removal.
    func addPasskeyRoutes(to account: RouterGroup<AppRequestContext>) {
        account.post("/passkeys/options") { _, context -> Response in
            let signedIn = try context.requireSignedIn(allowing: [.active, .enrol])
            return try Self.json(try await mapped { try await identity.passkeyCreationOptions(signedIn) })
        }
        account.post("/passkeys") { request, context -> Response in
            let signedIn = try context.requireSignedIn(allowing: [.active, .enrol])
            let body = try await request.decodeJSON(as: AddPasskeyRequest.self, context: context)
            let result = try await mapped {
                try await identity.addPasskey(
                    signedIn,
                    name: body.name,
                    password: body.currentPassword,
                    code: body.code,
                    passkey: body.passkey,
                    credential: body.credential,
                    client: request.clientInfo(context: context)
                )
            }
            var response = try Self.json(
                AddedPasskeyResponse(
                    passkey: result.passkey,
                    recoveryCodes: result.recoveryCodes,
                    csrfToken: result.grant.map { CSRFToken.derive(from: $0.token) }
                )
            )
            response.status = .created
            if let grant = result.grant { response.setSession(grant) }
            return response
        }
        account.get("/passkeys") { _, context -> PasskeyList in
            let signedIn = try context.requireSignedIn(allowing: [.active, .enrol])
            return PasskeyList(passkeys: try await identity.passkeys(of: signedIn))
        }
        account.delete("/passkeys/:id") { request, context -> Response in
            let signedIn = try context.requireSignedIn()
            guard let id = context.parameters.get("id", as: UUID.self) else {
                throw APIError(.notFound, code: "not_found", message: "There is no such security key.")
            }
            let body = try await request.decodeJSON(as: FactorsRequest.self, context: context)
            try await mapped {
                try await identity.removePasskey(
                    signedIn,
                    id: id,
                    password: body.currentPassword,
                    code: body.code,
                    passkey: body.passkey,
                    client: request.clientInfo(context: context)
                )
            }
            return Response(status: .noContent)
        }
    }

    /// JSON that must not be cached anywhere (secrets shown once).
    static func json(_ value: some Encodable) throws -> Response {
        var response = Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(value))))
        response.headers[.contentType] = "application/json; charset=utf-8"
        response.headers[.cacheControl] = "no-store"
        return response
    }
}

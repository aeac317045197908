import HTTPTypes
import Hummingbird
import MeetCore
import MeetCrypto

/// Resolves the session cookie into `context.signedIn`, and enforces the per-session CSRF token on
/// every state-changing request made with a session (the Origin rule runs before this).
struct SessionMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let identity: IdentityService

    static let sessionCookie = "__Host-dm_session"
    static let deviceCookie = "__Host-dm_device"
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        guard let value = request.cookies[Self.sessionCookie]?.value, !value.isEmpty else {
            return try await next(request, context)
        }
        guard let signedIn = try await identity.authenticate(tokenText: value) else {
            // A dead or forged cookie: treat the request as anonymous and tell the browser to drop it,
            // on success and on error alike.
            var response: Response
            do {
                response = try await next(request, context)
            } catch let error as any HTTPResponseError {
                response = try error.response(from: request, context: context)
            }
            response.headers.append(HTTPField(name: .setCookie, value: Self.clearedSessionCookie))
            return response
        }
        if !OriginCheckMiddleware<Context>.isSafe(request.method) {
            let given = request.headers[Self.csrfHeader] ?? ""
            guard CSRFToken.verify(given, session: signedIn.token) else {
                throw APIError(
                    .forbidden,
                    code: "csrf_token_invalid",
                    message: "This request is missing its security token; reload the page and try again."
                )
            }
        }
        context.signedIn = signedIn
        return try await next(request, context)
    }

    static func sessionCookie(_ grant: SessionGrant) -> String {
        "\(sessionCookie)=\(grant.token.text); Path=/; Secure; HttpOnly; SameSite=Strict"
    }

    static let clearedSessionCookie = "\(sessionCookie)=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict"

    static func deviceCookie(_ token: SecureToken) -> String {
        "\(deviceCookie)=\(token.text); Path=/; Max-Age=34560000; Secure; HttpOnly; SameSite=Strict"
    }
}

extension AppRequestContext {
    /// The signed-in identity, or a 401 the client can act on. Sessions still in a sign-in step are
    /// refused unless the route accepts that stage.
    func requireSignedIn(allowing stages: Set<SessionStage> = [.active]) throws -> SignedIn {
        guard let signedIn else {
            throw APIError(.unauthorized, code: "not_signed_in", message: "Sign in to continue.")
        }
        guard stages.contains(signedIn.session.stage) else {
            switch signedIn.session.stage {
            case .mfa: throw APIError(.unauthorized, code: "mfa_pending", message: "Enter the code from your authenticator app to finish signing in.")
            case .enrol:
                throw APIError(
                    .forbidden,
                    code: "mfa_enrolment_required",
                    message: "Your organisation requires two-step verification; set it up to continue."
                )
            case .active: throw APIError(.conflict, code: "already_signed_in", message: "You are already signed in.")
            }
        }
        return signedIn
    }
}

extension Request {
    func clientInfo(context: AppRequestContext) -> ClientInfo {
        ClientInfo(
            address: context.remoteAddress?.ipAddress,
            userAgent: headers[.userAgent] ?? "",
            deviceToken: cookies[SessionMiddleware.deviceCookie]?.value
        )
    }
}

extension Response {
    /// Sets the session cookie (and a device cookie when the browser has none).
    mutating func setSession(_ grant: SessionGrant) {
        headers.append(HTTPField(name: .setCookie, value: SessionMiddleware.sessionCookie(grant)))
        if let device = grant.newDeviceToken {
            headers.append(HTTPField(name: .setCookie, value: SessionMiddleware.deviceCookie(device)))
        }
    }
}

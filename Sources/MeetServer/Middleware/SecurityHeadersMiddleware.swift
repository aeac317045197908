import HTTPTypes
import Hummingbird
import Logging

/// Puts the security headers of SECURITY-REQUIREMENTS.md on every response, errors included, and turns
/// errors that are not HTTP errors into an empty 500 so internals never leak.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    /// False on the plain-HTTP redirect listener: RFC 6797 §7.2 forbids HSTS on responses not sent over TLS.
    var overTLS = true

    var headers: [(HTTPField.Name, String)] {
        Self.commonHeaders + (overTLS ? [(.strictTransportSecurity, "max-age=63072000; includeSubDomains")] : [])
    }

    static var commonHeaders: [(HTTPField.Name, String)] {
        [
            (.contentSecurityPolicy, "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"),
            (.xContentTypeOptions, "nosniff"),
            (.referrerPolicy, "strict-origin-when-cross-origin"),
            (.crossOriginOpenerPolicy, "same-origin"),
            (.crossOriginResourcePolicy, "same-origin"),
            (.permissionsPolicy, "camera=(self), microphone=(self), display-capture=(self), geolocation=(), payment=(), usb=()"),
            (.xFrameOptions, "DENY"),
        ]
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        } catch {
            context.logger.error("Unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            response = Response(status: .internalServerError)
        }
        for (name, value) in headers {
            response.headers[name] = value
        }
        if response.headers[.cacheControl] == nil, !request.uri.path.hasPrefix("/assets/") {
            response.headers[.cacheControl] = "no-store"
        }
        return response
    }
}

extension HTTPField.Name {
    static let strictTransportSecurity = Self("Strict-Transport-Security")!
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
    static let crossOriginOpenerPolicy = Self("Cross-Origin-Opener-Policy")!
    static let crossOriginResourcePolicy = Self("Cross-Origin-Resource-Policy")!
    static let permissionsPolicy = Self("Permissions-Policy")!
    static let xFrameOptions = Self("X-Frame-Options")!
    static let secFetchSite = Self("Sec-Fetch-Site")!
}

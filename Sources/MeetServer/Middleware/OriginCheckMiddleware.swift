import Hummingbird

/// The cross-site request rule of SECURITY-REQUIREMENTS.md: an unsafe method is refused when the browser
/// says it is cross-site (`Sec-Fetch-Site`) or names an `Origin` that is not ours.
/// (The per-session CSRF token comes with sessions.)
struct OriginCheckMiddleware<Context: RequestContext>: RouterMiddleware {
    let allowedOrigins: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !Self.isSafe(request.method) else { return try await next(request, context) }
        let originAllowed = request.headers[.origin].map { allowedOrigins.contains($0.lowercased()) }
        let site = request.headers[.secFetchSite]?.lowercased()
        let crossSite = site == "cross-site" || site == "same-site"
        if originAllowed == false || (crossSite && originAllowed != true) {
            throw HTTPError(.forbidden, message: "Cross-site requests are not allowed.")
        }
        return try await next(request, context)
    }

    static func isSafe(_ method: HTTPRequest.Method) -> Bool {
        method == .get || method == .head || method == .options
    }
}

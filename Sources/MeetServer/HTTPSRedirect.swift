import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// The optional plain-HTTP listener: it serves nothing but a permanent redirect to the same path over HTTPS.
/// The target host comes from the configured public URL, never from the request's Host header.
enum HTTPSRedirect {
    static func application(configuration: ServerConfiguration, port: Int, logger: Logger) -> some Service {
        let base =
            configuration.publicURL.absoluteString.hasSuffix("/")
            ? String(configuration.publicURL.absoluteString.dropLast()) : configuration.publicURL.absoluteString
        let router = Router()
        router.middlewares.add(SecurityHeadersMiddleware(overTLS: false))
        router.middlewares.add(RedirectMiddleware(base: base))
        return Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: .seconds(10))),
            configuration: .init(address: .hostname(configuration.httpsHost, port: port), serverName: nil),
            logger: logger
        )
    }

    struct RedirectMiddleware<Context: RequestContext>: RouterMiddleware {
        let base: String

        func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
            var path = request.uri.path.hasPrefix("/") ? request.uri.path : "/"
            if let query = request.uri.query { path += "?\(query)" }
            return Response(status: .permanentRedirect, headers: [.location: base + path])
        }
    }
}

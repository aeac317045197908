import Foundation
import Hummingbird

/// The HTML pages of the web client (and the OpenAPI document), read once at start from the web root. Their scripts and styles are
/// separate files under `/assets/`, so the strict CSP (no inline script or style) holds.
struct WebPagesController {
    static let pages: [(route: String, file: String)] = [
        ("/api/v1/openapi.json", "openapi.json"),
        ("/", "index.html"),
        ("/setup", "setup.html"),
        ("/security-policy", "security-policy.html"),
        ("/security/report", "report.html"),
        ("/signin", "signin.html"),
        ("/signup", "signup.html"),
        ("/account", "account.html"),
        ("/reset-password", "reset-password.html"),
        ("/verify-email", "verify-email.html"),
        ("/invite", "invite.html"),
        ("/admin", "admin.html"),
        // A meeting's link: the page reads the id from its own path.
        ("/m/:meetingId", "meeting.html"),
    ]

    let contents: [String: ByteBuffer]

    init(webRoot: String) throws {
        var contents: [String: ByteBuffer] = [:]
        for page in Self.pages {
            let path = "\(webRoot)/\(page.file)"
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ConfigurationError("the web root \(webRoot) has no \(page.file); set DIGITALMEET_WEB_ROOT (web.root) to the Web folder")
            }
            contents[page.route] = ByteBuffer(bytes: data)
        }
        self.contents = contents
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        for (route, body) in contents {
            router.get(RouterPath(route)) { _, _ in
                var response = Response(status: .ok, body: .init(byteBuffer: body))
                response.headers[.contentType] = route.hasSuffix(".json") ? "application/json" : "text/html; charset=utf-8"
                return response
            }
        }
    }
}

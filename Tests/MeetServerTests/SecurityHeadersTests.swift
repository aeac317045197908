import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import MeetServer

@Suite struct SecurityHeadersTests {
    static let expected: [(String, String)] = [
        ("Content-Security-Policy", "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"),
        ("Strict-Transport-Security", "max-age=63072000; includeSubDomains"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(self), microphone=(self), display-capture=(self), geolocation=(), payment=(), usb=()"),
    ]

    @Test(arguments: [
        ("/healthz", HTTPRequest.Method.get, HTTPResponse.Status.ok),
        ("/", .get, .ok),
        ("/setup", .get, .ok),
        ("/assets/css/app.css", .get, .ok),
        ("/no/such/page", .get, .notFound),
        ("/api/v1/setup", .post, .unsupportedMediaType),
        ("/metrics", .get, .forbidden),
        ("/healthz", .delete, .notFound),
    ])
    func everyResponseCarriesTheSecurityHeaders(path: String, method: HTTPRequest.Method, status: HTTPResponse.Status) async throws {
        try await TestServer().test { client, _ in
            try await client.execute(uri: path, method: method) { (response: TestResponse) async throws in
                #expect(response.status == status)
                for (name, value) in Self.expected {
                    #expect(response.headers[HTTPField.Name(name)!] == value, "\(name) on \(method) \(path)")
                }
                #expect(!(response.headers[.contentSecurityPolicy] ?? "").contains("unsafe-inline"))
            }
        }
    }

    @Test func htmlIsNeverCachedAndAssetsAreRevalidated() async throws {
        try await TestServer().test { client, _ in
            try await client.execute(uri: "/setup", method: .get) { (response: TestResponse) async throws in
                #expect(response.headers[.cacheControl] == "no-store")
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
            }
            try await client.execute(uri: "/assets/js/setup.js", method: .get) { (response: TestResponse) async throws in
                #expect(response.headers[.cacheControl] == "no-cache")
                #expect(response.headers[.contentType]?.contains("javascript") == true)
            }
        }
    }

    @Test func pagesHaveNoInlineScriptOrStyle() async throws {
        try await TestServer().test { client, _ in
            for (route, _) in WebPagesController.pages {
                try await client.execute(uri: route, method: .get) { (response: TestResponse) async throws in
                    let html = response.text
                    #expect(!html.contains("<script>"), "\(route) has an inline script")
                    #expect(!html.contains("style="), "\(route) has an inline style attribute")
                    #expect(!html.contains("<style"), "\(route) has an inline style element")
                    #expect(!html.lowercased().contains(/\son[a-z]+\s*=/), "\(route) has an inline event handler")
                }
            }
        }
    }
}

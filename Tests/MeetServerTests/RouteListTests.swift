import Foundation
import Testing

@testable import MeetServer

/// The OpenAPI document is the route list the cross-tenant e2e test walks, so it must name every API
/// route the router answers: a new route without an entry fails here rather than escaping that test.
@Suite struct RouteListTests {
    /// `GET /a/:id` and `GET /a/{id}` both become `GET /a/{}`.
    static func normalized(_ route: String) -> String {
        route.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(":") || $0.hasPrefix("{") ? "{}" : $0 }
            .joined(separator: "/")
    }

    @Test func everyAPIRouteIsInTheOpenAPIDocument() async throws {
        let server = try await TestServer()
        try await server.test { _, announcement in
            let served = Set(announcement.routes.map(Self.normalized).filter { $0.split(separator: " ").last?.hasPrefix("/api/") == true })
            let data = try Data(contentsOf: URL(fileURLWithPath: TestServer.webRoot + "/openapi.json"))
            let document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            var documented: Set<String> = []
            for (path, operations) in paths {
                for method in operations.keys where ["get", "put", "post", "patch", "delete"].contains(method) {
                    documented.insert(Self.normalized("\(method.uppercased()) \(path)"))
                }
            }
            #expect(served.count > 40)
            let undocumented = served.subtracting(documented).subtracting(["GET /api/v1/openapi.json"])
            #expect(undocumented.isEmpty, "routes missing from Web/openapi.json (edit scripts/openapi.py): \(undocumented.sorted())")
            #expect(
                documented.subtracting(served).isEmpty,
                "documented routes the server does not answer: \(documented.subtracting(served).sorted())"
            )
        }
    }
}

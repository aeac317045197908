import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import MeetServer

@Suite struct OperationalRoutesTests {
    @Test func healthAndReadiness() async throws {
        try await TestServer().test { client, _ in
            try await client.execute(uri: "/healthz", method: .get) { (response: TestResponse) async throws in
                #expect(response.status == .ok)
                #expect(response.text == #"{"status":"ok"}"#)
            }
            try await client.execute(uri: "/readyz", method: .get) { (response: TestResponse) async throws in
                #expect(response.status == .ok)
                #expect(response.text == #"{"status":"ready"}"#)
            }
        }
    }

    @Test func securityTxtFollowsRFC9116() async throws {
        try await TestServer(environment: ["DIGITALMEET_SERVER_PUBLIC_URL": "https://meet.example.org"]).test { client, _ in
            try await client.execute(uri: "/.well-known/security.txt", method: .get) { (response: TestResponse) async throws in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/plain; charset=utf-8")
                var fields: [String: String] = [:]
                var contacts: [String] = []
                for line in response.text.split(separator: "\n") where !line.hasPrefix("#") {
                    let parts = line.split(separator: ":", maxSplits: 1)
                    fields[String(parts[0])] = parts[1].trimmingCharacters(in: .whitespaces)
                    if parts[0] == "Contact" { contacts.append(parts[1].trimmingCharacters(in: .whitespaces)) }
                }
                // The configured address first (in order of preference), then the report form.
                #expect(contacts == ["mailto:security@digitalmeet.com", "https://meet.example.org/security/report"])
                #expect(fields["Policy"] == "https://meet.example.org/security-policy")
                #expect(fields["Canonical"] == "https://meet.example.org/.well-known/security.txt")
                #expect(fields["Preferred-Languages"] == "en")
                #expect(fields["Acknowledgments"]?.hasPrefix("https://meet.example.org/") == true)
                let expires = try #require(fields["Expires"].flatMap { ISO8601DateFormatter().date(from: $0) })
                #expect(expires > Date().addingTimeInterval(30 * 86_400))
                #expect(expires < Date().addingTimeInterval(365 * 86_400))
            }
        }
    }

    @Test func metricsAreRefusedToRemoteClientsWithoutAToken() async throws {
        // The router test client has no peer address, so it counts as remote.
        try await TestServer().test { client, _ in
            try await client.execute(uri: "/metrics", method: .get) { (response: TestResponse) async throws in
                #expect(response.status == .forbidden)
            }
        }
    }

    @Test func metricsNeedTheConfiguredBearerToken() async throws {
        try await TestServer(environment: ["DIGITALMEET_METRICS_TOKEN": "scrape-secret"]).test { client, _ in
            try await client.execute(uri: "/healthz", method: .get) { _ in }
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer wrong"]) {
                (response: TestResponse) async throws in
                #expect(response.status == .forbidden)
            }
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer scrape-secret"]) {
                (response: TestResponse) async throws in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                #expect(response.text.contains("hb_requests"))
            }
        }
    }
}

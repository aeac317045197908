import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import MeetServer

@Suite struct SetupRoutesTests {
    static func registration(token: String, password: String = "violet harbour lantern drift") -> [String: String] {
        ["token": token, "organizationName": "Acme", "displayName": "Ada Lovelace", "email": "ada@example.com", "password": password]
    }

    struct Status: Decodable { let setupRequired: Bool }

    @Test func setupLinkCreatesTheOwnerOnceAndOnlyOnce() async throws {
        try await TestServer().test { client, announcement in
            let token = try #require(announcement.setupToken)
            #expect(announcement.setupLink?.absoluteString.hasPrefix("https://localhost:18443/setup#token=") == true)
            try await client.execute(uri: "/api/v1/setup/status", method: .get) { (response: TestResponse) async throws in
                #expect(try response.json(Status.self).setupRequired)
            }
            try await client.execute(uri: "/api/v1/setup", method: .post, headers: jsonHeaders, body: jsonBody(Self.registration(token: token))) {
                (response: TestResponse) async throws in
                #expect(response.status == .created)
            }
            try await client.execute(uri: "/api/v1/setup", method: .post, headers: jsonHeaders, body: jsonBody(Self.registration(token: token))) {
                (response: TestResponse) async throws in
                #expect(response.status == .conflict || response.status == .forbidden)
            }
            try await client.execute(uri: "/api/v1/setup/status", method: .get) { (response: TestResponse) async throws in
                #expect(try !response.json(Status.self).setupRequired)
            }
        }
    }

    @Test func theOwnersEmailIsEncryptedUnderTheirOwnKey() async throws {
        let server = try await TestServer()
        try await server.test { client, announcement in
            let token = try #require(announcement.setupToken)
            let created = try await client.execute(
                uri: "/api/v1/setup",
                method: .post,
                headers: jsonHeaders,
                body: jsonBody(Self.registration(token: token))
            )
            #expect(created.status == .created)
            struct Created: Decodable { let userId: UUID }
            let userID = try created.json(Created.self).userId
            let database = try Data(contentsOf: URL(fileURLWithPath: "\(server.dataDirectory)/digitalmeet.sqlite"))
            #expect(database.range(of: Data("ada@example.com".utf8)) == nil)
            #expect(database.range(of: Data("violet harbour".utf8)) == nil)
            let deployment = try await Deployment.open(configuration: server.configuration, logger: quietLogger)
            let report = try await KeyAdministration(deployment: deployment).statusReport()
            await deployment.close()
            #expect(report.contains("user:\(userID.uuidString.lowercased())"))
            #expect(report.contains("blind-index"))
        }
    }

    @Test func weakPasswordIsExplainedAndDoesNotBurnTheLink() async throws {
        try await TestServer().test { client, announcement in
            let token = try #require(announcement.setupToken)
            try await client.execute(
                uri: "/api/v1/setup",
                method: .post,
                headers: jsonHeaders,
                body: jsonBody(Self.registration(token: token, password: "too short"))
            ) { (response: TestResponse) async throws in
                #expect(response.status == .badRequest)
                let body = try response.json(APIErrorBody.self)
                #expect(body.error.code == "weak_password")
                #expect(body.error.field == "password")
            }
            try await client.execute(uri: "/api/v1/setup", method: .post, headers: jsonHeaders, body: jsonBody(Self.registration(token: token))) {
                (response: TestResponse) async throws in
                #expect(response.status == .created)
            }
        }
    }

    @Test(arguments: ["", "garbage", String(repeating: "A", count: 43)])
    func unknownTokensAreRefusedAlike(token: String) async throws {
        try await TestServer().test { client, _ in
            try await client.execute(uri: "/api/v1/setup", method: .post, headers: jsonHeaders, body: jsonBody(Self.registration(token: token))) {
                (response: TestResponse) async throws in
                #expect(response.status == .forbidden)
                #expect(try response.json(APIErrorBody.self).error.code == "invalid_setup_link")
            }
        }
    }

    @Test func badBodiesGetClearErrors() async throws {
        try await TestServer().test { client, announcement in
            let token = try #require(announcement.setupToken)
            try await client.execute(uri: "/api/v1/setup", method: .post, headers: jsonHeaders, body: ByteBuffer(string: "{not json")) {
                (response: TestResponse) async throws in
                #expect(response.status == .badRequest)
                #expect(try response.json(APIErrorBody.self).error.code == "invalid_json")
            }
            try await client.execute(uri: "/api/v1/setup", method: .post, headers: jsonHeaders, body: ByteBuffer(string: #"{"token": 5}"#)) {
                (response: TestResponse) async throws in
                #expect(response.status == .badRequest)
            }
            let huge = Self.registration(token: token, password: String(repeating: "x", count: 70_000))
            try await client.execute(uri: "/api/v1/setup", method: .post, headers: jsonHeaders, body: jsonBody(huge)) {
                (response: TestResponse) async throws in
                #expect(response.status == .contentTooLarge)
            }
            // Invalid UTF-8 inside a JSON string.
            var invalid = ByteBuffer(string: #"{"token":""#)
            invalid.writeBytes([0xC3, 0x28])
            invalid.writeString(#""}"#)
            try await client.execute(uri: "/api/v1/setup", method: .post, headers: jsonHeaders, body: invalid) {
                (response: TestResponse) async throws in
                #expect(response.status == .badRequest)
            }
            // None of it consumed the link.
            try await client.execute(uri: "/api/v1/setup", method: .post, headers: jsonHeaders, body: jsonBody(Self.registration(token: token))) {
                (response: TestResponse) async throws in
                #expect(response.status == .created)
            }
        }
    }

    @Test(arguments: [
        (["Origin": "https://evil.example"], HTTPResponse.Status.forbidden),
        (["Sec-Fetch-Site": "cross-site"], .forbidden),
        (["Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"], .forbidden),
        (["Sec-Fetch-Site": "same-origin", "Origin": "https://localhost:18443"], .created),
    ])
    func crossSiteWritesAreRefused(headers: [String: String], status: HTTPResponse.Status) async throws {
        try await TestServer().test { client, announcement in
            let token = try #require(announcement.setupToken)
            var fields = jsonHeaders
            for (name, value) in headers { fields[HTTPField.Name(name)!] = value }
            try await client.execute(uri: "/api/v1/setup", method: .post, headers: fields, body: jsonBody(Self.registration(token: token))) {
                (response: TestResponse) async throws in
                #expect(response.status == status)
            }
        }
    }
}

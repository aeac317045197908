import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@testable import MeetServer

/// A server built by the real composition root with a temporary data directory.
struct TestServer {
    let dataDirectory: String
    let configuration: ServerConfiguration

    /// Tests/MeetServerTests/TestServer.swift → the repository root.
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static var webRoot: String { repositoryRoot.appendingPathComponent("Web").path }

    init(environment extra: [String: String] = [:]) async throws {
        dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("dm-server-\(UUID().uuidString)").path
        var environment = [
            "DIGITALMEET_DATA_DIRECTORY": dataDirectory,
            "DIGITALMEET_HTTPS_HOST": "127.0.0.1",
            "DIGITALMEET_HTTPS_PORT": "18443",
            // Each test server's SFU takes a free UDP port of its own.
            "DIGITALMEET_MEDIA_PORT": "0",
            "DIGITALMEET_WEB_ROOT": Self.webRoot,
            "DIGITALMEET_PASSWORDS_BLOCKLIST_FILE": Self.repositoryRoot.appendingPathComponent("Resources/password-blocklist.bin").path,
        ]
        environment.merge(extra) { _, new in new }
        configuration = try await ServerConfiguration.load(filePath: nil, environment: environment)
    }

    /// Builds the application and runs `body` against its router; `announcement` carries the setup link.
    func test(_ body: @Sendable (_ client: any TestClientProtocol, _ announcement: StartupAnnouncement) async throws -> Void) async throws {
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
        let (app, announcement) = try await buildApplicationAndAnnouncement(configuration: configuration, logger: quietLogger) { _ in }
        try await app.test(.router) { client in
            try await body(client, announcement)
        }
    }
}

/// Tests log only what would point at a real problem.
let quietLogger: Logger = {
    var logger = Logger(label: "test")
    logger.logLevel = .error
    return logger
}()

extension StartupAnnouncement {
    /// The token from the setup link's fragment.
    var setupToken: String? {
        setupLink?.fragment.flatMap { $0.hasPrefix("token=") ? String($0.dropFirst(6)) : nil }
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    func json<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(buffer: body))
    }
}

func jsonBody(_ object: [String: String]) -> ByteBuffer {
    ByteBuffer(bytes: (try? JSONSerialization.data(withJSONObject: object)) ?? Data())
}

let jsonHeaders: HTTPFields = [.contentType: "application/json"]

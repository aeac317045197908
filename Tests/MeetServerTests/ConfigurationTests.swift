import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Testing

@testable import MeetServer

@Suite struct ConfigurationTests {
    @Test func defaultsWorkWithNoConfiguration() async throws {
        let configuration = try await ServerConfiguration.load(filePath: nil, environment: [:])
        #expect(configuration.httpsPort == 8443)
        #expect(configuration.httpRedirectPort == nil)
        #expect(configuration.database == .sqlite(path: "./data/digitalmeet.sqlite"))
        #expect(configuration.masterKeyFile == "./data/master.key")
        #expect(configuration.publicURL.absoluteString == "https://localhost:8443")
        #expect(configuration.allowedOrigins == ["https://localhost:8443"])
        #expect(configuration.logFormat == .json)
        #expect(configuration.media.port == 10_000)
        #expect(configuration.media.announcedAddresses == ["127.0.0.1"])
        #expect(configuration.media.turnURLs.isEmpty)
        #expect(configuration.media.access(for: UUID(), now: Date()) == MediaAccess(iceServers: [], iceTransportPolicy: "all"))
    }

    @Test func aTURNServerGivesEachSeatItsOwnExpiringCredential() async throws {
        let secret = String(repeating: "ab", count: 16)
        let configuration = try await ServerConfiguration.load(
            filePath: nil,
            environment: [
                "DIGITALMEET_MEDIA_ANNOUNCED_ADDRESSES": "203.0.113.7, 2001:db8::7",
                "DIGITALMEET_TURN_URLS": "turn:turn.example.org:3478?transport=udp,turns:turn.example.org:5349?transport=tcp",
                "DIGITALMEET_TURN_SECRET": secret,
                "DIGITALMEET_TURN_CREDENTIAL_LIFETIME_SECONDS": "600",
                "DIGITALMEET_TURN_RELAY_ONLY": "true",
            ]
        )
        #expect(configuration.media.announcedAddresses == ["203.0.113.7", "2001:db8::7"])
        let seat = UUID()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let access = configuration.media.access(for: seat, now: now)
        #expect(access.iceTransportPolicy == "relay")
        let server = try #require(access.iceServers.first)
        #expect(server.urls == ["turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349?transport=tcp"])
        #expect(server.username == "1800000600:\(seat.uuidString.lowercased())")
        #expect(configuration.media.access(for: UUID(), now: now).iceServers.first?.credential != server.credential)
    }

    @Test func environmentOverridesTheFile() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dm-config-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try #"{"https": {"port": 9443, "host": "127.0.0.1"}, "database": {"url": "postgres://u@db:5432/meet"}}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        let configuration = try await ServerConfiguration.load(filePath: path, environment: ["DIGITALMEET_HTTPS_PORT": "10443"])
        #expect(configuration.httpsPort == 10443)
        #expect(configuration.httpsHost == "127.0.0.1")
        #expect(configuration.database == .postgres(url: "postgres://u@db:5432/meet"))
    }

    @Test(arguments: [
        (["DIGITALMEET_HTTPS_PORT": "abc"], "DIGITALMEET_HTTPS_PORT"),
        (["DIGITALMEET_HTTPS_PORT": "70000"], "DIGITALMEET_HTTPS_PORT"),
        (["DIGITALMEET_HTTP_REDIRECT_PORT": "8443"], "DIGITALMEET_HTTP_REDIRECT_PORT"),
        (["DIGITALMEET_SERVER_PUBLIC_URL": "http://meet.example.org"], "DIGITALMEET_SERVER_PUBLIC_URL"),
        (["DIGITALMEET_SERVER_PUBLIC_URL": "https://meet.example.org/path"], "DIGITALMEET_SERVER_PUBLIC_URL"),
        (["DIGITALMEET_DATABASE_URL": "mysql://x"], "DIGITALMEET_DATABASE_URL"),
        (["DIGITALMEET_LOG_FORMAT": "xml"], "DIGITALMEET_LOG_FORMAT"),
        (["DIGITALMEET_LOG_LEVEL": "loud"], "DIGITALMEET_LOG_LEVEL"),
        (["DIGITALMEET_MEDIA_PORT": "-1"], "DIGITALMEET_MEDIA_PORT"),
        (["DIGITALMEET_MEDIA_ANNOUNCED_ADDRESSES": "meet.example.org"], "DIGITALMEET_MEDIA_ANNOUNCED_ADDRESSES"),
        (["DIGITALMEET_TURN_URLS": "turn:t.example.org:3478"], "DIGITALMEET_TURN_SECRET"),
        (["DIGITALMEET_TURN_URLS": "turn:t.example.org:3478", "DIGITALMEET_TURN_SECRET": "short"], "DIGITALMEET_TURN_SECRET"),
        (["DIGITALMEET_TURN_URLS": "https://t.example.org"], "DIGITALMEET_TURN_URLS"),
        (["DIGITALMEET_TURN_RELAY_ONLY": "true"], "DIGITALMEET_TURN_RELAY_ONLY"),
        (["DIGITALMEET_TLS_CERTIFICATE_PATH": "/x.pem"], "DIGITALMEET_TLS_PRIVATE_KEY_PATH"),
        (["DIGITALMEET_SECURITY_CONTACT": "security@example.org"], "DIGITALMEET_SECURITY_CONTACT"),
        (["DIGITALMEET_SETUP_LINK_LIFETIME_SECONDS": "5"], "DIGITALMEET_SETUP_LINK_LIFETIME_SECONDS"),
    ])
    func mistakesNameTheSetting(environment: [String: String], setting: String) async {
        do {
            _ = try await ServerConfiguration.load(filePath: nil, environment: environment)
            Issue.record("accepted \(environment)")
        } catch let error as ConfigurationError {
            #expect(error.reason.contains(setting), "\(error.reason)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func missingOrBrokenFilesAreClearErrors() async throws {
        await #expect(throws: ConfigurationError.self) { try await ServerConfiguration.load(filePath: "/nonexistent/dm.json", environment: [:]) }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dm-config-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "{ not json".write(toFile: path, atomically: true, encoding: .utf8)
        await #expect(throws: ConfigurationError.self) { try await ServerConfiguration.load(filePath: path, environment: [:]) }
    }

    @Test(arguments: [
        ("https.port", "DIGITALMEET_HTTPS_PORT"), ("http.redirectPort", "DIGITALMEET_HTTP_REDIRECT_PORT"), ("masterKey", "DIGITALMEET_MASTER_KEY"),
    ])
    func environmentNamesFollowSwiftConfiguration(key: String, name: String) {
        #expect(SettingsReader.environmentName(key) == name)
    }
}

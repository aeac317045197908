import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MeetCrypto
import NIOCore
import Testing

@testable import MeetServer

@Suite struct StartupTests {
    @Test func secondStartReusesKeyCertificateAndDatabase() async throws {
        let server = try await TestServer()
        defer { try? FileManager.default.removeItem(atPath: server.dataDirectory) }
        let logger = quietLogger
        let first = try await buildApplicationAndAnnouncement(configuration: server.configuration, logger: logger) { _ in }
        let keyBefore = try Data(contentsOf: URL(fileURLWithPath: server.configuration.masterKeyFile))
        let certificateBefore = try Data(contentsOf: URL(fileURLWithPath: "\(server.dataDirectory)/tls/self-signed.crt"))
        try await first.application.test(.router) { _ in }

        let second = try await buildApplicationAndAnnouncement(configuration: server.configuration, logger: logger) { _ in }
        try await second.application.test(.router) { _ in }
        #expect(try Data(contentsOf: URL(fileURLWithPath: server.configuration.masterKeyFile)) == keyBefore)
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(server.dataDirectory)/tls/self-signed.crt")) == certificateBefore)
        #expect(first.announcement.selfSignedFingerprint == second.announcement.selfSignedFingerprint)
        // No owner yet, so each start issues a new link.
        #expect(first.announcement.setupToken != second.announcement.setupToken)
    }

    @Test func generatedSecretsAreOwnerOnly() async throws {
        let server = try await TestServer()
        try await server.test { _, _ in
            for path in [server.configuration.masterKeyFile, "\(server.dataDirectory)/tls/self-signed.key"] {
                let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
                #expect(mode == 0o600, "\(path)")
            }
            let directoryMode = try #require(try FileManager.default.attributesOfItem(atPath: server.dataDirectory)[.posixPermissions] as? Int)
            #expect(directoryMode == 0o700)
        }
    }

    @Test func refusesAKeyFileOthersCanRead() async throws {
        let server = try await TestServer()
        defer { try? FileManager.default.removeItem(atPath: server.dataDirectory) }
        try FileManager.default.createDirectory(atPath: server.dataDirectory, withIntermediateDirectories: true)
        try MasterKeyRing.generate().serialized().write(toFile: server.configuration.masterKeyFile, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: server.configuration.masterKeyFile)
        do {
            _ = try await buildApplicationAndAnnouncement(configuration: server.configuration, logger: quietLogger) { _ in }
            Issue.record("started with a world-readable key file")
        } catch let error as ConfigurationError {
            #expect(error.reason.contains("chmod 600"))
        }
    }

    @Test func operatorCertificateIsUsedAndNotCalledSelfSigned() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dm-cert-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (certificate, key) = try TLSIdentity.generateSelfSigned(hostnames: ["meet.example.org"])
        try certificate.write(toFile: "\(directory)/cert.pem", atomically: true, encoding: .utf8)
        try key.write(toFile: "\(directory)/key.pem", atomically: true, encoding: .utf8)
        let server = try await TestServer(environment: [
            "DIGITALMEET_TLS_CERTIFICATE_PATH": "\(directory)/cert.pem",
            "DIGITALMEET_TLS_PRIVATE_KEY_PATH": "\(directory)/key.pem",
        ])
        try await server.test { _, announcement in
            #expect(announcement.selfSignedFingerprint == nil)
            #expect(!FileManager.default.fileExists(atPath: "\(server.dataDirectory)/tls/self-signed.crt"))
        }
    }

    @Test func selfSignedCertificateCoversTheConfiguredNames() throws {
        let (pem, _) = try TLSIdentity.generateSelfSigned(hostnames: ["localhost", "127.0.0.1", "::1", "meet.local"])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dm-\(UUID().uuidString).crt").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try pem.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try TLSIdentity.stillSuitable(certificatePath: path, hostnames: ["localhost", "::1", "meet.local"]))
        #expect(try !TLSIdentity.stillSuitable(certificatePath: path, hostnames: ["other.example"]))
    }
}

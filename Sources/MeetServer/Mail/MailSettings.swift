import Foundation
import NIOCore
import NIOSSL

/// Where account e-mail goes: `.eml` files in an outbox directory (the default, for a first start and for a
/// pickup job), or an SMTP relay.
public struct MailSettings: Sendable {
    public enum Transport: String, Sendable, CaseIterable {
        case file
        case smtp
    }

    public var transport: Transport
    /// `From:` and the envelope sender.
    public var from: String
    /// Where `.file` writes messages.
    public var outboxDirectory: String
    /// The relay; set exactly when `transport` is `.smtp`.
    public var smtp: SMTPMailTransport.Settings?
}

extension MailSettings {
    init(reader: SettingsReader, dataDirectory: String, publicURL: URL) throws {
        let transportText = reader.string("mail.transport") ?? Transport.file.rawValue
        guard let transport = Transport(rawValue: transportText.lowercased()) else {
            throw ConfigurationError("\(SettingsReader.describe("mail.transport")) must be file or smtp, not \"\(transportText)\"")
        }
        self.transport = transport
        from = reader.string("mail.from") ?? "DigitalMeet <no-reply@\(Self.mailDomain(of: publicURL))>"
        do {
            _ = try Mailbox(parsing: from, field: "sender address")
        } catch let error as MailError {
            throw ConfigurationError(
                "\(SettingsReader.describe("mail.from")) must be an address such as DigitalMeet <no-reply@meet.example.com>: \(error.reason)"
            )
        }
        outboxDirectory = reader.string("mail.outboxDirectory") ?? "\(dataDirectory)/outbox"
        smtp = transport == .smtp ? try Self.smtpSettings(reader: reader, from: from, heloName: publicURL.host ?? "localhost") : nil
    }

    private static func smtpSettings(reader: SettingsReader, from: String, heloName: String) throws -> SMTPMailTransport.Settings {
        guard let host = reader.string("mail.smtp.host"), !host.isEmpty else {
            throw ConfigurationError(
                "\(SettingsReader.describe("mail.smtp.host")) is required when \(SettingsReader.describe("mail.transport")) is smtp"
            )
        }
        let securityText = reader.string("mail.smtp.security") ?? "starttls"
        let securities: [String: SMTPMailTransport.Settings.Security] = ["starttls": .startTLS, "tls": .implicitTLS, "none": .none]
        guard let security = securities[securityText.lowercased()] else {
            throw ConfigurationError("\(SettingsReader.describe("mail.smtp.security")) must be starttls, tls or none, not \"\(securityText)\"")
        }
        let bareHost = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if security == .none && !SMTPMailTransport.Settings.isLoopback(bareHost) {
            throw ConfigurationError(
                "\(SettingsReader.describe("mail.smtp.security")) may be none only when \(SettingsReader.describe("mail.smtp.host")) "
                    + "is this machine (localhost, 127.0.0.1, ::1), not \(host): mail and passwords would cross the network in the clear"
            )
        }
        let port = try reader.int("mail.smtp.port", in: 1...65535)
        let username = reader.string("mail.smtp.username")
        let password = reader.string("mail.smtp.password")
        if (username == nil) != (password == nil) {
            throw ConfigurationError(
                "set both \(SettingsReader.describe("mail.smtp.username")) and \(SettingsReader.describe("mail.smtp.password")), or neither"
            )
        }
        var trustRoots = SMTPMailTransport.Settings.TrustRoots.system
        if let caFile = reader.string("mail.smtp.caFile") {
            do {
                guard try !NIOSSLCertificate.fromPEMFile(caFile).isEmpty else { throw ConfigurationError("no certificate in it") }
            } catch {
                throw ConfigurationError("\(SettingsReader.describe("mail.smtp.caFile")) must be a PEM file of CA certificates; \(caFile): \(error)")
            }
            trustRoots = .pemFile(caFile)
        }
        do {
            return try SMTPMailTransport.Settings(
                host: bareHost,
                port: port,
                security: security,
                username: username,
                password: password,
                from: from,
                heloName: heloName,
                trustRoots: trustRoots
            )
        } catch let error as MailError {
            throw ConfigurationError("the mail.smtp settings (DIGITALMEET_MAIL_SMTP_*) do not work: \(error.reason)")
        }
    }

    /// The public URL's host as the domain of an address: an IP address becomes an address literal.
    static func mailDomain(of url: URL) -> String {
        let host = url.host ?? "localhost"
        switch try? SocketAddress(ipAddress: host, port: 0) {
        case .v4: return "[\(host)]"
        case .v6: return "[IPv6:\(host)]"
        default: return host
        }
    }
}

/// The transport the configuration asks for; the outbox directory is created (mode 0700) here.
public func makeMailTransport(configuration: ServerConfiguration) throws -> any MailTransport {
    let mail = configuration.mail
    switch mail.transport {
    case .file:
        do {
            return try FileMailTransport(directory: mail.outboxDirectory, from: mail.from)
        } catch let error as MailError {
            throw ConfigurationError("\(SettingsReader.describe("mail.outboxDirectory")): \(error.reason)")
        }
    case .smtp:
        guard let settings = mail.smtp else {
            throw ConfigurationError(
                "\(SettingsReader.describe("mail.smtp.host")) is required when \(SettingsReader.describe("mail.transport")) is smtp"
            )
        }
        return SMTPMailTransport(settings: settings)
    }
}

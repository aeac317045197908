// Interim: replaced by the mail layer (file outbox and SMTP) when it lands.
import Foundation

public struct MailMessage: Sendable, Equatable {
    public var to: String
    public var subject: String
    public var text: String
    public init(to: String, subject: String, text: String) {
        self.to = to
        self.subject = subject
        self.text = text
    }
}

public protocol MailTransport: Sendable {
    func send(_ message: MailMessage) async throws
}

public struct FileMailTransport: MailTransport {
    let directory: String
    let from: String

    public init(directory: String, from: String) throws {
        self.directory = directory
        self.from = from
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    public func send(_ message: MailMessage) async throws {
        let name = "\(Int(Date().timeIntervalSince1970 * 1000))-\(UUID().uuidString).eml"
        let text =
            "From: \(from)\r\nTo: \(message.to)\r\nSubject: \(message.subject)\r\n\r\n\(message.text.replacingOccurrences(of: "\n", with: "\r\n"))"
        let temporary = "\(directory)/.\(name).tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ConfigurationError("cannot write to the outbox \(directory)")
        }
        try FileManager.default.moveItem(atPath: temporary, toPath: "\(directory)/\(name)")
    }
}

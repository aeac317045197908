/// One plain-text e-mail.
public struct MailMessage: Sendable, Equatable {
    public var to: String  // one address, already validated by the caller
    public var subject: String
    public var text: String  // plain text body, lines separated by "\n"

    public init(to: String, subject: String, text: String) {
        self.to = to
        self.subject = subject
        self.text = text
    }
}

/// Delivers account e-mail.
public protocol MailTransport: Sendable {
    func send(_ message: MailMessage) async throws
}

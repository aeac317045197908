/// Why an e-mail could not be written or sent; `reason` names the server or file involved, never a password.
public struct MailError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        /// A CR or LF (or another line break) in an address or the subject, which would start a new header.
        case headerInjection
        /// An address that cannot be written into a header or an SMTP command.
        case invalidAddress
        /// Settings that would send mail unprotected, or cannot work at all.
        case invalidSettings
        /// The outbox directory or a file in it could not be created or written.
        case fileSystem
        /// No TCP connection to the SMTP server, or it closed the connection early.
        case connectionFailed
        /// The server did not answer a command within the timeout.
        case timeout
        /// TLS is required, but the server does not offer STARTTLS.
        case startTLSNotOffered
        /// The TLS handshake failed: untrusted certificate, wrong host name, no common protocol version.
        case tlsFailed
        /// Credentials are configured but the server offers neither AUTH PLAIN nor AUTH LOGIN.
        case authenticationUnavailable
        /// The server refused the credentials.
        case authenticationFailed
        /// The server lacks an extension the message needs (SMTPUTF8 for a non-ASCII address).
        case unsupported
        /// The server answered a command with an unexpected reply code, such as 550 to RCPT TO.
        case rejected
        /// The server broke the protocol: a malformed reply, or data it should not have sent.
        case protocolViolation
    }

    public let code: Code
    public let reason: String
    /// The SMTP reply code, when the error is the server's answer.
    public let replyCode: Int?

    public init(_ code: Code, _ reason: String, replyCode: Int? = nil) {
        self.code = code
        self.reason = reason
        self.replyCode = replyCode
    }

    /// Worth trying again later: a 4xx reply, a timeout or a lost connection (RFC 5321 §4.2.1).
    public var isTransient: Bool {
        if let replyCode { return (400..<500).contains(replyCode) }
        return code == .timeout || code == .connectionFailed
    }

    public var description: String { reason }
}

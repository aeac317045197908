import Foundation
import NIOCore
import NIOSSL

extension SMTPMailTransport {
    /// Where the relay is and how to talk to it; `init` refuses settings that cannot work or would send in the clear.
    public struct Settings: Sendable {
        public enum Security: String, Sendable, CaseIterable {
            /// Plain connection upgraded with STARTTLS (RFC 3207), usually port 587; refused if the server does not offer it.
            case startTLS
            /// TLS from the first byte (RFC 8314), usually port 465.
            case implicitTLS
            /// No TLS at all: only for a relay on this machine (loopback), as in local testing.
            case none
        }

        /// Which certificate authorities vouch for the relay's certificate.
        public enum TrustRoots: Sendable, Equatable {
            /// The system's CA store.
            case system
            /// Only the CA certificates in this PEM file (a private CA).
            case pemFile(String)
        }

        public var host: String
        public var port: Int
        public var security: Security
        public var username: String?
        public var password: String?
        /// `From:` and the envelope sender: `Name <address>` or `address`.
        public var from: String
        /// The name this client gives in EHLO, ideally its public host name.
        public var heloName: String
        /// How long to wait to connect and for each reply.
        public var timeout: Duration
        public var trustRoots: TrustRoots

        /// `port` defaults to 465 for implicit TLS and 587 otherwise; `heloName` to the sender's domain.
        public init(
            host: String,
            port: Int? = nil,
            security: Security = .startTLS,
            username: String? = nil,
            password: String? = nil,
            from: String,
            heloName: String? = nil,
            timeout: Duration = .seconds(60),
            trustRoots: TrustRoots = .system
        ) throws {
            self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
            self.port = port ?? (security == .implicitTLS ? 465 : 587)
            self.security = security
            self.username = username
            self.password = password
            self.from = from
            self.heloName = try heloName ?? String(Mailbox(parsing: from, field: "sender address").domain)
            self.timeout = timeout
            self.trustRoots = trustRoots
            try validate()
        }

        func validate() throws {
            guard !host.isEmpty, !host.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F || "/[]".unicodeScalars.contains($0) })
            else {
                throw MailError(.invalidSettings, "the SMTP host \"\(host)\" is not a host name or IP address")
            }
            guard (1...65535).contains(port) else { throw MailError(.invalidSettings, "the SMTP port \(port) is not between 1 and 65535") }
            if security == .none && !Self.isLoopback(host) {
                throw MailError(
                    .invalidSettings,
                    "SMTP without TLS would send mail and passwords in the clear; it is allowed only to a relay on this machine "
                        + "(localhost, 127.0.0.1, ::1), not \(host). Use STARTTLS or implicit TLS"
                )
            }
            guard (username == nil) == (password == nil) else {
                throw MailError(.invalidSettings, "set both an SMTP user name and a password, or neither")
            }
            if let username, let password {
                guard !username.isEmpty, !password.isEmpty, !username.contains("\0"), !password.contains("\0") else {
                    throw MailError(.invalidSettings, "the SMTP user name and password must not be empty or contain NUL characters")
                }
            }
            _ = try Mailbox(parsing: from, field: "sender address")
            guard !heloName.isEmpty, heloName.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
                throw MailError(.invalidSettings, "the EHLO name \"\(heloName)\" must be a host name")
            }
            guard timeout > .zero else { throw MailError(.invalidSettings, "the SMTP timeout must be positive") }
        }

        /// Loopback names and addresses: traffic to them never leaves the machine.
        static func isLoopback(_ host: String) -> Bool {
            if host.lowercased() == "localhost" { return true }
            guard let address = try? SocketAddress(ipAddress: host, port: 0), let text = address.ipAddress else { return false }
            switch address {
            case .v4: return text.hasPrefix("127.")
            case .v6: return text == "::1"
            default: return false
            }
        }

        /// The name to check the certificate against and send as SNI; an IP address is checked against the certificate's IP entries instead.
        var serverHostname: String? {
            (try? SocketAddress(ipAddress: host, port: 0)) == nil ? host : nil
        }

        /// EHLO's argument: the name, or an address literal (RFC 5321 §4.1.3) when the name is an IP address.
        var heloArgument: String {
            switch try? SocketAddress(ipAddress: heloName, port: 0) {
            case .v4: return "[\(heloName)]"
            case .v6: return "[IPv6:\(heloName)]"
            default: return heloName
            }
        }

        func makeTLSContext() throws -> NIOSSLContext {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.minimumTLSVersion = .tlsv12
            if case .pemFile(let path) = trustRoots {
                let certificates: [NIOSSLCertificate]
                do {
                    certificates = try NIOSSLCertificate.fromPEMFile(path)
                } catch {
                    throw MailError(.invalidSettings, "cannot read the SMTP CA file \(path) as PEM certificates: \(error)")
                }
                guard !certificates.isEmpty else { throw MailError(.invalidSettings, "the SMTP CA file \(path) holds no certificate") }
                configuration.trustRoots = .certificates(certificates)
            }
            do {
                return try NIOSSLContext(configuration: configuration)
            } catch {
                throw MailError(.tlsFailed, "cannot set up TLS for the SMTP server \(host):\(port): \(error)")
            }
        }
    }
}

extension SMTPMailTransport.Settings: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Everything but the password, so settings can be logged.
    public var description: String {
        "SMTP \(host):\(port) security=\(security.rawValue) user=\(username ?? "-") password=\(password == nil ? "-" : "<redacted>") from=\(from)"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: ["description": description], displayStyle: .struct)
    }
}

/// Why a session description was refused: a stable code for programs and tests, the 1-based line it
/// was found on when there is one, and a reason for people. Never carries ICE passwords.
public struct SDPError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// Larger than ``SessionDescription/Limits/maximumBytes``.
        case tooLarge
        /// A line longer than ``SessionDescription/Limits/maximumLineBytes``.
        case lineTooLong
        /// More media sections than ``SessionDescription/Limits/maximumMediaSections``.
        case tooManyMediaSections
        /// More lines in one section than ``SessionDescription/Limits/maximumLinesPerSection``.
        case tooManyLines
        /// Not UTF-8, or a control character other than the line ending.
        case invalidText
        /// Not of the form `<letter>=<value>`, or an empty line.
        case malformedLine
        /// A type letter RFC 8866 does not define; §5 has parsers reject those.
        case unknownLineType
        /// A line where its type may not appear (for example `v=` after the first line).
        case misplacedLine
        /// A required line is absent (`v=`, `o=`, `s=`, `t=`).
        case missingLine
        /// `v=` other than 0.
        case unsupportedVersion
        /// A known line or attribute whose value does not follow its grammar.
        case malformedValue
        /// The offer or answer has no usable ICE ufrag and password.
        case missingICECredentials
        /// The offer or answer has no DTLS fingerprint with an algorithm we can check.
        case missingFingerprint
        /// An accepted media section lacks `a=rtcp-mux` (RFC 8843 bundling needs it).
        case missingRTCPMux
        /// A media section has no `a=mid`, or two sections share one.
        case badMid
        /// Accepted media sections are not all in one BUNDLE group: the SFU uses a single transport.
        case notBundled
        /// The DTLS role asked for cannot be met: the SFU is always the DTLS server.
        case unsupportedSetup
        /// An answer that does not match the offer it answers.
        case answerMismatch
    }

    public let code: Code
    /// 1-based line number in the parsed text, when the problem is on one line.
    public let line: Int?
    public let reason: String

    public init(code: Code, line: Int? = nil, reason: String) {
        self.code = code
        self.line = line
        self.reason = reason
    }

    public var description: String {
        guard let line else { return reason }
        return "line \(line): \(reason)"
    }
}

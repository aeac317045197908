/// An error of the DigitalMeet domain: a stable code that tests and clients compare, and a reason for people.
public struct MeetError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable, machine-readable error code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let invalidInput = Code("invalid_input")
        public static let weakPassword = Code("weak_password")
        public static let notFound = Code("not_found")
        public static let conflict = Code("conflict")
        public static let expired = Code("expired")
        public static let unauthorized = Code("unauthorized")
        public static let busy = Code("busy")
    }

    public let code: Code
    public let reason: String
    /// The input field the error is about, so a form can show it next to that field.
    public let field: String?

    public init(_ code: Code, _ reason: String, field: String? = nil) {
        self.code = code
        self.reason = reason
        self.field = field
    }

    public var description: String { "\(code): \(reason)" }
}

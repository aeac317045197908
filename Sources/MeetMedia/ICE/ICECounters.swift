/// What an ``ICELiteAgent`` did with the STUN messages it was given, for metrics and tests.
public struct ICECounters: Hashable, Sendable {
    /// Binding requests answered with success.
    public var successes = 0
    /// Successful requests that carried USE-CANDIDATE.
    public var nominations = 0
    /// Not a STUN message, or not a well-formed one: dropped.
    public var malformed = 0
    /// Responses, indications and other methods: dropped.
    public var ignored = 0
    /// No FINGERPRINT, or a wrong one: dropped without an answer.
    public var missingFingerprint = 0
    public var badFingerprint = 0
    /// No USERNAME or MESSAGE-INTEGRITY: answered 400.
    public var missingCredentials = 0
    /// USERNAME not `<local>:<remote>`: answered 401.
    public var badUsername = 0
    /// MESSAGE-INTEGRITY did not match the local password: answered 401.
    public var badIntegrity = 0
    /// Unknown comprehension-required attributes: answered 420.
    public var unknownAttributes = 0
    /// The peer claimed the controlled role too: answered 487.
    public var roleConflicts = 0
    /// Error responses sent, all codes together.
    public var errorResponses = 0
    public var encodingFailures = 0
    /// Messages that arrived after consent expired: dropped.
    public var afterExpiry = 0
    public var consentExpiries = 0

    public init() {}

    /// Adds another agent's counts, for totals across peers.
    public mutating func add(_ other: ICECounters) {
        successes += other.successes
        nominations += other.nominations
        malformed += other.malformed
        ignored += other.ignored
        missingFingerprint += other.missingFingerprint
        badFingerprint += other.badFingerprint
        missingCredentials += other.missingCredentials
        badUsername += other.badUsername
        badIntegrity += other.badIntegrity
        unknownAttributes += other.unknownAttributes
        roleConflicts += other.roleConflicts
        errorResponses += other.errorResponses
        encodingFailures += other.encodingFailures
        afterExpiry += other.afterExpiry
        consentExpiries += other.consentExpiries
    }
}

/// Why a key, key file or ciphertext was refused: a stable code for programs and tests, a reason for people.
/// Never carries key material or plaintext.
public struct EncryptionError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// A key file could not be read or written.
        case unreadable
        /// A key file or key ring is not in the expected form.
        case malformed
        /// A key file that group or others could read or write.
        case insecurePermissions
        /// A ciphertext shorter than its format allows.
        case truncated
        /// A ciphertext in a format this version does not know.
        case unsupportedVersion
        /// The key a ciphertext names is not available (never existed, retired or destroyed).
        case unknownKey
        /// The ciphertext or wrapped key was altered, moved to another place, or made with another key.
        case authenticationFailed
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }
}

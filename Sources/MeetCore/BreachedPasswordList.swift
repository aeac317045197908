/// A set of passwords known from data breaches or lists of common passwords, which the password policy refuses.
///
/// MeetCore has no cryptography; the bundled set, `PasswordBlocklist`, lives in MeetCrypto. Tests can supply a small one.
public protocol BreachedPasswordList: Sendable {
    /// Whether the password is listed, compared after Unicode NFC and lower-casing.
    func contains(_ password: String) -> Bool
}

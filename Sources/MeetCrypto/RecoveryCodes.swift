import Crypto
import Foundation
import MeetCore

/// Single-use MFA recovery codes: ten per enrolment, 50 random bits each (SECURITY-REQUIREMENTS.md asks
/// for at least 20), shown once as `xxxxx-xxxxx` and stored only as keyed hashes, so a stolen database
/// does not reveal them and cannot be brute-forced without the server's key.
public enum RecoveryCodes {
    public static let count = 10
    static let length = 10
    /// Lower-case base32: no look-alike pairs such as 0/O or 1/l.
    static let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")

    /// Fresh codes from the system's cryptographic random source.
    public static func generate() -> [String] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in
            let characters = (0..<length).map { _ in alphabet[Int(generator.next(upperBound: UInt8(alphabet.count)))] }
            return String(characters[0..<5]) + "-" + String(characters[5...])
        }
    }

    /// The canonical form of what a person typed (case, spaces and dashes ignored), or nil if it cannot be a code.
    public static func normalize(_ input: String) -> String? {
        let kept = input.lowercased().filter { $0 != "-" && !$0.isWhitespace }
        guard kept.count == length, kept.allSatisfy(alphabet.contains) else { return nil }
        return kept
    }

    /// The stored form: HMAC-SHA256 under the deployment's recovery-code key.
    public static func hash(_ code: String, key: SymmetricKey) -> [UInt8]? {
        guard let normalized = normalize(code) else { return nil }
        return Array(HMAC<SHA256>.authenticationCode(for: Array("digitalmeet.recovery.v1|\(normalized)".utf8), using: key))
    }

    /// The index of the stored hash `code` matches, comparing every candidate in constant time.
    public static func match(_ code: String, storedHashes: [[UInt8]], key: SymmetricKey) -> Int? {
        guard let candidate = hash(code, key: key) else { return nil }
        var found: Int?
        for (index, stored) in storedHashes.enumerated() where ConstantTime.equal(stored, candidate) {
            if found == nil { found = index }
        }
        return found
    }
}

/// The per-session token state-changing requests must echo (SECURITY-REQUIREMENTS.md, CSRF). Derived
/// from the session token, so it needs no storage and dies with the session; a page gets it from
/// the session endpoint, never from a cookie another site could make the browser send.
public enum CSRFToken {
    public static func derive(from session: SecureToken) -> String {
        Base64URL.encode(Array(HMAC<SHA256>.authenticationCode(for: Array("digitalmeet.csrf.v1".utf8), using: SymmetricKey(data: session.bytes))))
    }

    public static func verify(_ candidate: String, session: SecureToken) -> Bool {
        ConstantTime.equal(Array(derive(from: session).utf8), Array(candidate.utf8))
    }
}

import Foundation

/// The password rules of NIST SP 800-63B rev 4 §3.1.1.2: length counted in Unicode code points after NFC,
/// no composition rules, and rejection of breached, repetitive, sequential and context-derived passwords.
public struct PasswordPolicy: Sendable {
    /// Minimum length when the password is the only factor.
    public var minimumLengthSingleFactor: Int
    /// Minimum length when MFA is enforced for the account.
    public var minimumLengthWithMFA: Int
    /// Longest password accepted; longer input is refused before any hashing work.
    public var maximumLength: Int
    /// Passwords known from breaches or lists of common passwords, refused after the length rules; nil checks none.
    public var breachedPasswords: (any BreachedPasswordList)?

    public init(
        minimumLengthSingleFactor: Int = 15,
        minimumLengthWithMFA: Int = 8,
        maximumLength: Int = 256,
        breachedPasswords: (any BreachedPasswordList)? = nil
    ) {
        self.minimumLengthSingleFactor = minimumLengthSingleFactor
        self.minimumLengthWithMFA = minimumLengthWithMFA
        self.maximumLength = maximumLength
        self.breachedPasswords = breachedPasswords
    }

    /// Normalises a password the way it is hashed: NFC.
    public static func normalize(_ password: String) -> String {
        password.precomposedStringWithCanonicalMapping
    }

    /// Checks a candidate password; throws `MeetError.weakPassword` with a reason a person can act on.
    /// - Parameter contextWords: words that must not make up the password (product name, the user's name and email).
    public func validate(_ password: String, mfaEnforced: Bool, contextWords: [String] = []) throws {
        let normalized = Self.normalize(password)
        let length = normalized.unicodeScalars.count
        let minimum = mfaEnforced ? minimumLengthWithMFA : minimumLengthSingleFactor
        guard length >= minimum else {
            throw MeetError(.weakPassword, "Use at least \(minimum) characters; this one has \(length).", field: "password")
        }
        guard length <= maximumLength else {
            throw MeetError(.weakPassword, "Use at most \(maximumLength) characters.", field: "password")
        }
        if let breachedPasswords, breachedPasswords.contains(normalized) {
            throw MeetError(
                .weakPassword,
                "This password appears in lists of passwords exposed in data breaches; choose another.",
                field: "password"
            )
        }
        let scalars = Array(normalized.lowercased().unicodeScalars)
        if Self.isRepetitive(scalars) {
            throw MeetError(.weakPassword, "This password repeats the same few characters; choose something less predictable.", field: "password")
        }
        if Self.isSequential(scalars) {
            throw MeetError(.weakPassword, "This password is a simple sequence; choose something less predictable.", field: "password")
        }
        // Take the context words out; if little but digits and symbols is left, the password is the context.
        var remainder = normalized.lowercased().filter { $0.isLetter || $0.isNumber }
        var removedAny = false
        for word in Self.contextTokens(["digitalmeet", "digital meet"] + contextWords).sorted(by: { $0.count > $1.count })
        where remainder.contains(word) {
            remainder = remainder.replacingOccurrences(of: word, with: "")
            removedAny = true
        }
        if removedAny && remainder.filter({ !$0.isNumber }).count < 4 {
            throw MeetError(.weakPassword, "This password is too close to your name, email or the product name.", field: "password")
        }
    }

    /// A password made of one short unit repeated (e.g. "abcabcabcabcabc", "aaaaaaaaaaaaaaa").
    static func isRepetitive(_ scalars: [Unicode.Scalar]) -> Bool {
        guard !scalars.isEmpty else { return false }
        for unit in 1...min(4, scalars.count) {
            if (unit..<scalars.count).allSatisfy({ scalars[$0] == scalars[$0 % unit] }) { return true }
        }
        return Set(scalars).count <= 2
    }

    /// A password that walks up or down by one code point all the way ("abcdefghijklmno"), digits wrapping
    /// around in either direction ("1234567890123", "9876543210987").
    static func isSequential(_ scalars: [Unicode.Scalar]) -> Bool {
        guard scalars.count >= 3 else { return false }
        let steps = zip(scalars.dropFirst(), scalars).map { Int($0.value) - Int($1.value) }
        let digitSteps = zip(scalars.dropFirst(), scalars).map { next, previous -> Int? in
            guard let n = Int(String(next)), let p = Int(String(previous)) else { return nil }
            return (n - p + 10) % 10
        }
        let digitsWrapUp = digitSteps.allSatisfy { $0 == 1 }
        let digitsWrapDown = digitSteps.allSatisfy { $0 == 9 }
        return steps.allSatisfy { $0 == 1 } || steps.allSatisfy { $0 == -1 } || digitsWrapUp || digitsWrapDown
    }

    /// Splits context such as "Ada Lovelace" or "ada.lovelace@example.com" into comparable lowercase tokens.
    static func contextTokens(_ words: [String]) -> [String] {
        var tokens: Set<String> = []
        for word in words {
            let lowered = word.lowercased()
            let whole = lowered.filter { $0.isLetter || $0.isNumber }
            if whole.count >= 3 { tokens.insert(whole) }
            let local = lowered.split(separator: "@").first.map(String.init) ?? lowered
            for part in local.split(whereSeparator: { !($0.isLetter || $0.isNumber) }) where part.count >= 3 {
                tokens.insert(String(part))
            }
        }
        return tokens.sorted()
    }
}

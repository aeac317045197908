import Foundation
import Testing

@testable import MeetCore

@Suite struct PasswordPolicyTests {
    let policy = PasswordPolicy()

    @Test func acceptsALongUnpredictablePassphrase() throws {
        try policy.validate("correct horse battery staple", mfaEnforced: false)
    }

    @Test(arguments: [
        ("short passwd 1", false),  // 14 code points, password is the only factor
        ("short", true),  // 5 code points, even with MFA (minimum 8)
    ])
    func rejectsShortPasswords(password: String, mfa: Bool) {
        #expect(throws: MeetError.self) { try policy.validate(password, mfaEnforced: mfa) }
        do {
            try policy.validate(password, mfaEnforced: mfa)
        } catch let error as MeetError {
            #expect(error.code == .weakPassword)
            #expect(error.field == "password")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func mfaLowersTheMinimumToEight() throws {
        try policy.validate("tiger-lamp", mfaEnforced: true)
        #expect(throws: MeetError.self) { try policy.validate("tiger-lamp", mfaEnforced: false) }
    }

    @Test func countsCodePointsAfterNFC() throws {
        // "é" written as e + combining acute is two scalars but one code point after NFC.
        let decomposed = "cafe\u{301} noir au lait"  // 18 scalars, 17 after NFC
        try policy.validate(decomposed, mfaEnforced: false)
        // 15 scalars but 14 code points after NFC: too short, so the count must happen after normalisation.
        let candidate = "e\u{301}cole du sud 1"
        #expect(PasswordPolicy.normalize(candidate).unicodeScalars.count == 14)
        #expect(candidate.unicodeScalars.count == 15)
        #expect(throws: MeetError.self) { try policy.validate(candidate, mfaEnforced: false) }
    }

    @Test func acceptsLongPasswordsUpTo256AndRefusesLonger() throws {
        let allowed = String((0..<256).map { Character(Unicode.Scalar(0x4E00 + ($0 * 7919) % 2000)!) })
        try policy.validate(allowed, mfaEnforced: false)
        #expect(throws: MeetError.self) { try policy.validate(allowed + "z", mfaEnforced: false) }
    }

    @Test(arguments: ["aaaaaaaaaaaaaaaa", "abcabcabcabcabcabc", "abababababababab", "1212121212121212"])
    func rejectsRepetition(password: String) {
        #expect(throws: MeetError.self) { try policy.validate(password, mfaEnforced: false) }
    }

    @Test(arguments: ["abcdefghijklmnop", "1234567890123456", "zyxwvutsrqponmlk", "98765432109876543"])
    func rejectsSequences(password: String) {
        #expect(throws: MeetError.self) { try policy.validate(password, mfaEnforced: false) }
    }

    @Test(arguments: ["DigitalMeet2024!!", "adalovelace1815", "ada.lovelace@example.com"])
    func rejectsContextWords(password: String) {
        #expect(throws: MeetError.self) {
            try policy.validate(password, mfaEnforced: false, contextWords: ["Ada Lovelace", "ada.lovelace@example.com"])
        }
    }

    @Test func randomDigitsAreNotMistakenForContext() throws {
        try policy.validate("839274619283746501", mfaEnforced: false, contextWords: ["Ada Lovelace"])
    }

    @Test func contextWordInsideALongerPassphraseIsAllowed() throws {
        try policy.validate("ada rides a purple bicycle to the harbour", mfaEnforced: false, contextWords: ["Ada Lovelace"])
    }

    @Test func rejectsAListedPasswordAndSaysWhy() throws {
        let policy = PasswordPolicy(breachedPasswords: FixedList(["tr0ub4dor and three", "abcdefghijklmnop"]))
        let expected = MeetError(
            .weakPassword,
            "This password appears in lists of passwords exposed in data breaches; choose another.",
            field: "password"
        )
        for password in ["tr0ub4dor and three", "Tr0ub4dor AND Three"] {
            #expect(throws: expected) { try policy.validate(password, mfaEnforced: false) }
        }
        // The list is consulted before the sequence rule, so a listed sequence gets the breach reason.
        #expect(throws: expected) { try policy.validate("abcdefghijklmnop", mfaEnforced: false) }
        try policy.validate("correct horse battery staple", mfaEnforced: false)
        try policy.validate("tr0ub4dor and four", mfaEnforced: false)
    }

    @Test func checksLengthBeforeTheList() {
        let short = PasswordPolicy(minimumLengthSingleFactor: 30, breachedPasswords: FixedList(["tr0ub4dor and three"]))
        #expect(throws: MeetError(.weakPassword, "Use at least 30 characters; this one has 19.", field: "password")) {
            try short.validate("tr0ub4dor and three", mfaEnforced: false)
        }
    }

    @Test func withoutAListNothingIsRefusedForBeingListed() throws {
        #expect(policy.breachedPasswords == nil)
        try policy.validate("tr0ub4dor and three", mfaEnforced: false)
    }
}

/// A breached-password list of a few entries, compared the way the bundled one compares: NFC, then lower case.
private struct FixedList: BreachedPasswordList {
    let entries: Set<String>

    init(_ entries: [String]) {
        self.entries = Set(entries.map { $0.precomposedStringWithCanonicalMapping.lowercased() })
    }

    func contains(_ password: String) -> Bool {
        entries.contains(password.precomposedStringWithCanonicalMapping.lowercased())
    }
}

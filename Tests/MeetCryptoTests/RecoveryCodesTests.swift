import Crypto
import Testing

@testable import MeetCrypto

@Suite struct RecoveryCodesTests {
    let key = SymmetricKey(size: .bits256)

    @Test func tenDistinctCodesOfFiftyBitsEach() {
        let codes = RecoveryCodes.generate()
        #expect(codes.count == 10)
        #expect(Set(codes).count == 10)
        for code in codes {
            #expect(code.count == 11)
            #expect(code.contains("-"))
            #expect(RecoveryCodes.normalize(code) != nil)
        }
        // 32 symbols × 10 positions = 50 bits.
        #expect(RecoveryCodes.alphabet.count == 32)
        #expect(RecoveryCodes.length == 10)
    }

    @Test func typingVariationsMatchAndOthersDoNot() throws {
        let codes = RecoveryCodes.generate()
        let stored = codes.compactMap { RecoveryCodes.hash($0, key: key) }
        #expect(stored.count == 10)
        let third = codes[2]
        #expect(RecoveryCodes.match(third, storedHashes: stored, key: key) == 2)
        #expect(RecoveryCodes.match(third.uppercased(), storedHashes: stored, key: key) == 2)
        #expect(RecoveryCodes.match(" " + third.replacingOccurrences(of: "-", with: " ") + " ", storedHashes: stored, key: key) == 2)
        #expect(RecoveryCodes.match(third, storedHashes: stored, key: SymmetricKey(size: .bits256)) == nil)
        #expect(RecoveryCodes.match("aaaaa-aaaaa", storedHashes: stored, key: key) == nil)
    }

    @Test(arguments: ["", "abcde", "abcde-abcd1", "abcde-abcdef", "0bcde-abcde", "ééééé-ééééé"])
    func malformedInputIsNotACode(input: String) {
        #expect(RecoveryCodes.normalize(input) == nil)
        #expect(RecoveryCodes.hash(input, key: key) == nil)
    }

    @Test func storedHashesDoNotContainTheCode() throws {
        let code = RecoveryCodes.generate()[0]
        let stored = try #require(RecoveryCodes.hash(code, key: key))
        #expect(stored.count == 32)
        #expect(!String(decoding: stored, as: UTF8.self).contains(code.prefix(5)))
    }
}

@Suite struct CSRFTokenTests {
    @Test func isBoundToItsSession() {
        let session = SecureToken()
        let token = CSRFToken.derive(from: session)
        #expect(token.utf8.count == 43)
        #expect(CSRFToken.verify(token, session: session))
        #expect(!CSRFToken.verify(token, session: SecureToken()))
        #expect(!CSRFToken.verify("", session: session))
        #expect(!CSRFToken.verify(String(token.dropLast()) + (token.hasSuffix("A") ? "B" : "A"), session: session))
        #expect(token != session.text, "the CSRF token never reveals the session token")
    }
}

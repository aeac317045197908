import Crypto
import MeetCore
import Testing

@testable import MeetCrypto

@Suite struct SecureTokenTests {
    @Test func hasFullEntropyAndRoundTripsThroughText() throws {
        let token = SecureToken()
        #expect(token.bytes.count == 32)
        #expect(token.text.utf8.count == 43)
        let parsed = try #require(SecureToken(text: token.text))
        #expect(parsed == token)
        #expect(token.hash == Array(SHA256.hash(data: token.bytes)))
        #expect(SecureToken() != token)
    }

    @Test(arguments: [
        "", "short", String(repeating: "A", count: 42), String(repeating: "A", count: 44), String(repeating: "+", count: 43),
        String(repeating: "A", count: 42) + "=",
    ])
    func rejectsMalformedText(text: String) {
        #expect(SecureToken(text: text) == nil)
    }

    @Test func base64URLMatchesRFC4648Examples() {
        #expect(Base64URL.encode(Array("foobar".utf8)) == "Zm9vYmFy")
        #expect(Base64URL.encode([0xFB, 0xFF]) == "-_8")
        #expect(Base64URL.decode("-_8") == [0xFB, 0xFF])
        #expect(Base64URL.decode("+/8") == nil)
    }
}

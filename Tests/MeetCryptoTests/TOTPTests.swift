import Foundation
import Testing

@testable import MeetCrypto

@Suite struct TOTPTests {
    /// RFC 6238 Appendix B, SHA-1 rows. The RFC prints 8 digits; a 6-digit code is the same value mod 10^6.
    static let secret = Array("12345678901234567890".utf8)

    @Test(arguments: [
        (59.0, "94287082"),
        (1_111_111_109, "07081804"),
        (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"),
        (20_000_000_000, "65353130"),
    ])
    func matchesRFC6238(time: Double, expected: String) {
        let totp = TOTP(secret: Self.secret)
        let date = Date(timeIntervalSince1970: time)
        #expect(totp.code(step: TOTP.step(at: date), digits: 8) == expected)
        #expect(totp.code(at: date) == String(expected.suffix(6)))
    }

    @Test func acceptsOneStepEitherSideOnly() {
        let totp = TOTP.generate()
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let step = TOTP.step(at: now)
        #expect(totp.verify(totp.code(step: step - 1), at: now, lastUsedStep: nil) == step - 1)
        #expect(totp.verify(totp.code(step: step + 1), at: now, lastUsedStep: nil) == step + 1)
        #expect(totp.verify(totp.code(step: step - 2), at: now, lastUsedStep: nil) == nil)
        #expect(totp.verify(totp.code(step: step + 2), at: now, lastUsedStep: nil) == nil)
    }

    @Test func aCodeCannotBeReplayedNorAnOlderOneUsed() {
        let totp = TOTP.generate()
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let step = TOTP.step(at: now)
        let used = totp.verify(totp.code(step: step), at: now, lastUsedStep: nil)
        #expect(used == step)
        #expect(totp.verify(totp.code(step: step), at: now, lastUsedStep: used) == nil)
        #expect(totp.verify(totp.code(step: step - 1), at: now, lastUsedStep: used) == nil)
        #expect(totp.verify(totp.code(step: step + 1), at: now.addingTimeInterval(30), lastUsedStep: used) == step + 1)
    }

    @Test(arguments: ["", "12345", "1234567", "abcdef", "12 34 5x", "١٢٣٤٥٦"])
    func malformedCodesAreRejected(code: String) {
        #expect(TOTP.generate().verify(code, at: Date(), lastUsedStep: nil) == nil)
    }

    @Test func base32MatchesRFC4648AndRoundTrips() {
        #expect(Base32.encode(Array("foobar".utf8)) == "MZXW6YTBOI")
        #expect(Base32.encode(Array("f".utf8)) == "MY")
        #expect(Base32.decode("MZXW6YTBOI======") == Array("foobar".utf8))
        #expect(Base32.decode("MZXW6YTB0I") == nil)
        let secret = TOTP.generate().secret
        #expect(secret.count == 20)
        #expect(Base32.decode(Base32.encode(secret)) == secret)
    }

    @Test func provisioningURIFollowsTheKeyURIFormat() throws {
        let totp = TOTP(secret: Self.secret)
        let uri = totp.provisioningURI(account: "ada@example.com", issuer: "DigitalMeet")
        let components = try #require(URLComponents(string: uri))
        #expect(components.scheme == "otpauth")
        #expect(components.host == "totp")
        #expect(components.path == "/DigitalMeet:ada@example.com")
        #expect(components.queryItems?.first { $0.name == "secret" }?.value == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
    }
}

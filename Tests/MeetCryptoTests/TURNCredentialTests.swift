import Foundation
import Testing

@testable import MeetCrypto

@Suite struct TURNCredentialTests {
    /// Expected values computed independently with Python's `hmac` and `base64` modules, the way
    /// coturn checks them.
    @Test(arguments: [
        (
            "north", 1_699_999_000, "8f14e45f-ceea-467f-a0e6-1c2b4d5e6f70", "1700000000:8f14e45f-ceea-467f-a0e6-1c2b4d5e6f70",
            "9xJpPvAADjls0zl+6/uHZJIw5XE="
        ),
        ("4080218913d8b1a4b7a96d1c05e2fe6f", 1_794_999_000, "guest", "1795000000:guest", "SYF3pHhjTkhaivxRt0DtCAr7PTc="),
    ])
    func theUsernameCarriesTheExpiryAndThePasswordIsItsHMAC(secret: String, now: Int, user: String, username: String, password: String) {
        let issuer = TURNCredentialIssuer(secret: secret, lifetime: .seconds(1000))
        let credential = issuer.credential(for: user, now: Date(timeIntervalSince1970: TimeInterval(now)))
        #expect(credential.username == username)
        #expect(credential.password == password)
        #expect(credential.expiresAt == Date(timeIntervalSince1970: TimeInterval(now + 1000)))
    }

    @Test func anotherSecretOrUserGivesAnotherPassword() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let a = TURNCredentialIssuer(secret: "first secret", lifetime: .seconds(3600)).credential(for: "u", now: now)
        let b = TURNCredentialIssuer(secret: "second secret", lifetime: .seconds(3600)).credential(for: "u", now: now)
        let c = TURNCredentialIssuer(secret: "first secret", lifetime: .seconds(3600)).credential(for: "v", now: now)
        #expect(a.username == b.username && a.password != b.password)
        #expect(a.password != c.password)
    }
}

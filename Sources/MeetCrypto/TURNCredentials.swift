import Crypto
import Foundation

/// Time-limited TURN credentials in the "TURN REST API" scheme that coturn checks under
/// `use-auth-secret`: the username is `<expiry unix time>:<user>` and the password is
/// base64(HMAC-SHA1(shared secret, username)). The TURN server recomputes the HMAC with the secret it
/// shares with us and refuses the username once its time has passed, so a leaked credential dies
/// by itself and no long-lived TURN password ever reaches a browser. (HMAC-SHA1 is what the scheme
/// and coturn define; it is used only as a MAC here, where SHA-1's collision weakness does not apply.)
public struct TURNCredentialIssuer: Sendable {
    public struct Credential: Sendable, Equatable {
        public let username: String
        public let password: String
        public let expiresAt: Date
    }

    private let key: SymmetricKey
    public let lifetime: Duration

    public init(secret: String, lifetime: Duration) {
        key = SymmetricKey(data: Data(secret.utf8))
        self.lifetime = lifetime
    }

    /// A credential for `user` (an opaque id, never an email address or a name: the TURN server logs it).
    public func credential(for user: String, now: Date) -> Credential {
        let expiry = Int64(now.timeIntervalSince1970) + lifetime.components.seconds
        let username = "\(expiry):\(user)"
        return Credential(
            username: username,
            password: Self.password(username: username, key: key),
            expiresAt: Date(timeIntervalSince1970: TimeInterval(expiry))
        )
    }

    static func password(username: String, key: SymmetricKey) -> String {
        Data(HMAC<Insecure.SHA1>.authenticationCode(for: Data(username.utf8), using: key)).base64EncodedString()
    }
}

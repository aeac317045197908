import Crypto
import MeetCore

extension E2EEPublicKey {
    /// A key announced by a client: base64url of an uncompressed P-256 point that is on the curve
    /// (an off-curve point would let a browser be tricked into an invalid-curve key agreement).
    public static func parse(_ text: String) -> E2EEPublicKey? {
        guard let bytes = Base64URL.decode(text), let key = E2EEPublicKey(x963: bytes),
            (try? P256.KeyAgreement.PublicKey(x963Representation: bytes)) != nil
        else { return nil }
        return key
    }

    /// A fresh key whose private half nobody keeps: what the test hook that plays a malicious
    /// server (`DIGITALMEET_TEST_SUBSTITUTE_E2EE_KEY`) puts in place of an announced key.
    public static func unrelated() -> E2EEPublicKey? {
        E2EEPublicKey(x963: [UInt8](P256.KeyAgreement.PrivateKey().publicKey.x963Representation))
    }
}

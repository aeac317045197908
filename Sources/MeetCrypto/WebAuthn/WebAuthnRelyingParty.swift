import Crypto
import Foundation
import MeetCore

public enum WebAuthnError: Error, Equatable, Sendable {
    case malformed(String)
    case unsupportedKey(String)
    case unsupportedAttestation(String)
    /// clientDataJSON's type is not the ceremony's ("webauthn.create" or "webauthn.get").
    case wrongType
    case wrongChallenge
    case wrongOrigin
    /// The ceremony ran in a cross-origin iframe.
    case crossOrigin
    /// The authenticator data's rpIdHash is not SHA-256 of this relying party's id.
    case wrongRelyingParty
    case userNotPresent
    case userNotVerified
    case badSignature
    /// The signature counter did not move forward: the authenticator may have been cloned.
    case signCountNotIncreasing(stored: UInt32, received: UInt32)
}

/// The relying party checks of WebAuthn Level 2 §7.1 (registration) and §7.2 (authentication) that do
/// not need storage: the caller looks up and claims the challenge and the credential, and stores the
/// result.
///
/// Attestation: DigitalMeet asks for attestation "none" and makes no trust decision on the authenticator's
/// make. It accepts fmt "none" (empty statement) and "packed"; a packed self-attestation (no `x5c`) has
/// its signature checked with the credential's own key; a packed statement with a certificate chain is
/// accepted without verifying the chain (it is treated like "none"). Other formats are refused.
public struct WebAuthnRelyingParty: Sendable {
    /// The RP ID: the public URL's host.
    public let id: String
    /// The public URL's origin, e.g. "https://meet.example.com" (no default port).
    public let origin: String

    public init(id: String, origin: String) {
        self.id = id
        self.origin = origin
    }

    /// The relying party for a public URL: its host is the RP ID, its scheme, host and port the origin.
    public init?(publicURL: URL) {
        guard let scheme = publicURL.scheme?.lowercased(), let host = publicURL.host?.lowercased(), !host.isEmpty else { return nil }
        var origin = "\(scheme)://\(host.contains(":") ? "[\(host)]" : host)"
        if let port = publicURL.port, !(scheme == "https" && port == 443), !(scheme == "http" && port == 80) { origin += ":\(port)" }
        self.init(id: host, origin: origin)
    }

    public var idHash: [UInt8] { Array(SHA256.hash(data: Array(id.utf8))) }

    /// The fields of clientDataJSON (WebAuthn §5.8.1) the checks use.
    public struct ClientData: Sendable, Equatable, Decodable {
        public var type: String
        /// base64url, as the client encoded it.
        public var challenge: String
        public var origin: String
        public var crossOrigin: Bool?

        /// The challenge's bytes, if it is valid base64url.
        public var challengeBytes: [UInt8]? { Base64URL.decode(challenge) }

        public static func parse(_ json: [UInt8]) throws(WebAuthnError) -> ClientData {
            guard json.count <= 16 * 1024 else { throw .malformed("clientDataJSON is too large") }
            do { return try JSONDecoder().decode(ClientData.self, from: Data(json)) } catch {
                throw .malformed("clientDataJSON is not the expected JSON")
            }
        }
    }

    /// What a registration yields for storage.
    public struct Registration: Sendable, Equatable {
        public var credentialID: [UInt8]
        public var publicKeyCOSE: [UInt8]
        public var signCount: UInt32
        public var flags: AuthenticatorData.Flags
        public var format: String
    }

    func checkClientData(_ json: [UInt8], type: String, challenge: [UInt8]) throws(WebAuthnError) {
        let clientData = try ClientData.parse(json)
        guard clientData.type == type else { throw .wrongType }
        guard let received = clientData.challengeBytes, received.count == challenge.count, ConstantTime.equal(received, challenge) else {
            throw .wrongChallenge
        }
        guard clientData.origin == origin else { throw .wrongOrigin }
        guard clientData.crossOrigin != true else { throw .crossOrigin }
    }

    func checkFlags(_ data: AuthenticatorData, requireUserVerification: Bool) throws(WebAuthnError) {
        guard ConstantTime.equal(data.rpIDHash, idHash) else { throw .wrongRelyingParty }
        guard data.flags.contains(.userPresent) else { throw .userNotPresent }
        if requireUserVerification && !data.flags.contains(.userVerified) { throw .userNotVerified }
    }

    /// Verifies a `navigator.credentials.create()` response (WebAuthn §7.1).
    public func verifyRegistration(
        clientDataJSON: [UInt8],
        attestationObject: [UInt8],
        challenge: [UInt8],
        requireUserVerification: Bool = false
    ) throws(WebAuthnError) -> Registration {
        try checkClientData(clientDataJSON, type: "webauthn.create", challenge: challenge)
        let object: CBOR
        do { object = try CBORDecoder(maximumDepth: 8, maximumBytes: 32 * 1024).decode(attestationObject) } catch {
            throw .malformed("attestationObject: \(error)")
        }
        guard let format = object["fmt"]?.textString, let statement = object["attStmt"], case .map(let statementPairs) = statement,
            let authData = object["authData"]?.byteString
        else { throw .malformed("attestationObject needs fmt, attStmt and authData") }
        let data = try AuthenticatorData(authData)
        try checkFlags(data, requireUserVerification: requireUserVerification)
        guard let credential = data.attestedCredential else { throw .malformed("the authenticator data has no attested credential") }
        let key = try COSEPublicKey(cbor: credential.publicKeyCOSE)
        switch format {
        case "none":
            guard statementPairs.isEmpty else { throw .unsupportedAttestation("a \"none\" attestation must have an empty statement") }
        case "packed":
            guard let algorithm = statement["alg"]?.int, let signature = statement["sig"]?.byteString else {
                throw .unsupportedAttestation("a packed attestation needs alg and sig")
            }
            if statement["x5c"] == nil {
                // Self attestation: signed by the credential key itself (WebAuthn §8.2, step 4).
                guard algorithm == key.algorithm else { throw .unsupportedAttestation("the self-attestation algorithm is not the key's") }
                let signed = authData + Array(SHA256.hash(data: clientDataJSON))
                guard key.isValidSignature(signature, for: signed) else { throw .badSignature }
            }
        // With x5c, the chain is not verified: attestation "none" was requested and nothing relies on it.
        default:
            throw .unsupportedAttestation("attestation format \"\(format)\" is not supported")
        }
        return Registration(
            credentialID: credential.credentialID,
            publicKeyCOSE: credential.publicKeyCOSE,
            signCount: data.signCount,
            flags: data.flags,
            format: format
        )
    }

    /// Verifies a `navigator.credentials.get()` response (WebAuthn §7.2) against the stored key and
    /// counter; returns the authenticator data, whose `signCount` is the one to store.
    public func verifyAssertion(
        clientDataJSON: [UInt8],
        authenticatorData: [UInt8],
        signature: [UInt8],
        challenge: [UInt8],
        publicKeyCOSE: [UInt8],
        storedSignCount: UInt32,
        requireUserVerification: Bool = false
    ) throws(WebAuthnError) -> AuthenticatorData {
        try checkClientData(clientDataJSON, type: "webauthn.get", challenge: challenge)
        let data = try AuthenticatorData(authenticatorData)
        try checkFlags(data, requireUserVerification: requireUserVerification)
        let key = try COSEPublicKey(cbor: publicKeyCOSE)
        guard key.isValidSignature(signature, for: authenticatorData + Array(SHA256.hash(data: clientDataJSON))) else { throw .badSignature }
        // §7.2 step 21: a counter that does not grow (unless both are zero: no counter) signals a clone.
        if data.signCount != 0 || storedSignCount != 0, data.signCount <= storedSignCount {
            throw .signCountNotIncreasing(stored: storedSignCount, received: data.signCount)
        }
        return data
    }

}

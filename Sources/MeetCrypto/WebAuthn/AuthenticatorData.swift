/// The authenticator data structure (WebAuthn §6.1): what the authenticator signs besides the hash
/// of the client data.
public struct AuthenticatorData: Sendable, Equatable {
    public struct Flags: OptionSet, Sendable, Equatable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        /// User present.
        public static let userPresent = Flags(rawValue: 0x01)
        /// User verified (PIN, biometrics).
        public static let userVerified = Flags(rawValue: 0x04)
        /// Backup eligible and backed up (WebAuthn Level 3).
        public static let backupEligible = Flags(rawValue: 0x08)
        public static let backedUp = Flags(rawValue: 0x10)
        /// Attested credential data included.
        public static let attestedCredentialData = Flags(rawValue: 0x40)
        /// Extension data included.
        public static let extensionData = Flags(rawValue: 0x80)
    }

    public struct AttestedCredential: Sendable, Equatable {
        public var aaguid: [UInt8]
        public var credentialID: [UInt8]
        /// The COSE_Key bytes exactly as the authenticator encoded them (what is stored).
        public var publicKeyCOSE: [UInt8]
    }

    public var rpIDHash: [UInt8]
    public var flags: Flags
    public var signCount: UInt32
    public var attestedCredential: AttestedCredential?
    public var extensions: CBOR?

    /// Credential ids longer than this are refused (WebAuthn §5.8.3).
    public static let maximumCredentialIDLength = 1023

    public init(_ bytes: [UInt8]) throws(WebAuthnError) {
        guard bytes.count >= 37 else { throw .malformed("authenticator data is shorter than 37 bytes") }
        guard bytes.count <= 16 * 1024 else { throw .malformed("authenticator data is too large") }
        rpIDHash = Array(bytes[0..<32])
        flags = Flags(rawValue: bytes[32])
        signCount = bytes[33..<37].reduce(0) { $0 << 8 | UInt32($1) }
        var position = 37
        let decoder = CBORDecoder(maximumDepth: 8, maximumBytes: 16 * 1024)
        if flags.contains(.attestedCredentialData) {
            guard bytes.count - position >= 18 else { throw .malformed("attested credential data is truncated") }
            let aaguid = Array(bytes[position..<position + 16])
            let length = Int(bytes[position + 16]) << 8 | Int(bytes[position + 17])
            position += 18
            guard length >= 1, length <= Self.maximumCredentialIDLength else { throw .malformed("the credential id length is not valid") }
            guard bytes.count - position >= length else { throw .malformed("the credential id is truncated") }
            let credentialID = Array(bytes[position..<position + length])
            position += length
            let keyLength: Int
            do { (_, keyLength) = try decoder.decodePrefix(bytes[position...]) } catch {
                throw .malformed("credential public key: \(error)")
            }
            attestedCredential = AttestedCredential(
                aaguid: aaguid,
                credentialID: credentialID,
                publicKeyCOSE: Array(bytes[position..<position + keyLength])
            )
            position += keyLength
        }
        if flags.contains(.extensionData) {
            do {
                let (item, length) = try decoder.decodePrefix(bytes[position...])
                guard case .map = item else { throw WebAuthnError.malformed("extensions are not a map") }
                extensions = item
                position += length
            } catch let error as WebAuthnError {
                throw error
            } catch {
                throw .malformed("extensions: \(error)")
            }
        }
        guard position == bytes.count else { throw .malformed("authenticator data has trailing bytes") }
    }
}

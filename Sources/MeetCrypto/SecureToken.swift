import Crypto
import Foundation
import MeetCore

/// An opaque bearer secret of 256 random bits, shown once and stored only as its SHA-256 hash.
public struct SecureToken: Sendable, Hashable {
    public let bytes: [UInt8]

    /// Makes a new token from the system's cryptographic random source.
    public init() {
        bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
    }

    /// Parses the URL-safe text form; `nil` unless it is exactly 32 bytes of base64url.
    public init?(text: String) {
        guard text.utf8.count == 43, let bytes = Base64URL.decode(text), bytes.count == 32 else { return nil }
        self.bytes = bytes
    }

    /// The URL-safe base64 text given to the holder.
    public var text: String { Base64URL.encode(bytes) }

    /// What the database stores.
    public var hash: [UInt8] { Array(SHA256.hash(data: bytes)) }
}

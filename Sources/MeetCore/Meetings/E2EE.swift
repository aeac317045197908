import Foundation

/// Base64 with the URL-safe alphabet and no padding (RFC 4648 §5): tokens, WebAuthn fields and the
/// binary values of end-to-end encrypted meetings.
public enum Base64URL {
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The bytes, or nil for padding or characters outside the URL-safe alphabet.
    public static func decode(_ text: String) -> [UInt8]? {
        guard text.utf8.allSatisfy({ $0.isBase64URL }) else { return nil }
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while standard.utf8.count % 4 != 0 { standard += "=" }
        return Data(base64Encoded: standard).map { Array($0) }
    }
}

extension UInt8 {
    fileprivate var isBase64URL: Bool {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || self == UInt8(ascii: "-") || self == UInt8(ascii: "_")
    }
}

/// A participant's public key for an end-to-end encrypted meeting (docs/e2ee.md): an uncompressed
/// P-256 point (0x04 || x || y). The format is checked here; that the point is on the curve is
/// checked where the key is read from a client (`E2EEPublicKey.parse` in MeetCrypto), which has the
/// curve arithmetic. In JSON it is its base64url text.
public struct E2EEPublicKey: Sendable, Hashable, Codable, CustomStringConvertible {
    public static let byteCount = 65
    public let bytes: [UInt8]

    public init?(x963 bytes: [UInt8]) {
        guard bytes.count == Self.byteCount, bytes.first == 0x04 else { return nil }
        self.bytes = bytes
    }

    public var description: String { Base64URL.encode(bytes) }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let key = Base64URL.decode(text).flatMap(E2EEPublicKey.init(x963:)) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an uncompressed P-256 point"))
        }
        self = key
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// What a participant of an E2EE meeting carries: their announced key, and the meeting-wide order
/// of its announcement (the smallest present order is the key leader).
public struct E2EEIdentity: Sendable, Equatable, Codable {
    public var publicKey: E2EEPublicKey
    public var order: Int

    public init(publicKey: E2EEPublicKey, order: Int) {
        self.publicKey = publicKey
        self.order = order
    }
}

/// A key epoch: a positive integer that JavaScript numbers hold exactly (at most 2^53).
public struct E2EEEpoch: Sendable, Hashable, Codable, Comparable {
    public static let range: ClosedRange<Int> = 1...(1 << 53)
    public let value: Int

    public init?(_ value: Int) {
        guard Self.range.contains(value) else { return nil }
        self.value = value
    }

    public static func < (lhs: E2EEEpoch, rhs: E2EEEpoch) -> Bool { lhs.value < rhs.value }

    public init(from decoder: any Decoder) throws {
        let value = try decoder.singleValueContainer().decode(Int.self)
        guard let epoch = E2EEEpoch(value) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "an epoch is 1 to 2^53"))
        }
        self = epoch
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}

/// A meeting secret wrapped for one recipient (`e2ee_key`): opaque to the server, bounded in size.
public struct E2EEKeyPayload: Sendable, Hashable, CustomStringConvertible {
    public static let maximumBytes = 1024
    public let bytes: [UInt8]

    public init?(_ bytes: [UInt8]) {
        guard (1...Self.maximumBytes).contains(bytes.count) else { return nil }
        self.bytes = bytes
    }

    public var description: String { Base64URL.encode(bytes) }
}

/// An end-to-end encrypted chat message: AES-256-GCM ciphertext (tag included) of at most
/// `MeetingRoom.maximumChatLength` characters (4 UTF-8 bytes each at most), its 12-byte nonce and
/// the epoch of its key. In JSON: `{"epoch", "nonce", "ciphertext"}`, the bytes in base64url.
public struct E2EEChatMessage: Sendable, Hashable, Codable {
    public static let nonceBytes = 12
    public static let tagBytes = 16
    /// A message is 1 to 2,000 characters: at most 8,000 bytes of UTF-8, plus the tag.
    public static let ciphertextBytes = (tagBytes + 1)...(MeetingRoom.maximumChatLength * 4 + tagBytes)

    public let epoch: E2EEEpoch
    public let nonce: [UInt8]
    public let ciphertext: [UInt8]

    public init?(epoch: E2EEEpoch, nonce: [UInt8], ciphertext: [UInt8]) {
        guard nonce.count == Self.nonceBytes, Self.ciphertextBytes.contains(ciphertext.count) else { return nil }
        self.epoch = epoch
        self.nonce = nonce
        self.ciphertext = ciphertext
    }

    enum CodingKeys: String, CodingKey {
        case epoch, nonce, ciphertext
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let epoch = try container.decode(E2EEEpoch.self, forKey: .epoch)
        guard let nonce = Base64URL.decode(try container.decode(String.self, forKey: .nonce)),
            let ciphertext = Base64URL.decode(try container.decode(String.self, forKey: .ciphertext)),
            let message = E2EEChatMessage(epoch: epoch, nonce: nonce, ciphertext: ciphertext)
        else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an encrypted chat message"))
        }
        self = message
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(epoch, forKey: .epoch)
        try container.encode(Base64URL.encode(nonce), forKey: .nonce)
        try container.encode(Base64URL.encode(ciphertext), forKey: .ciphertext)
    }
}

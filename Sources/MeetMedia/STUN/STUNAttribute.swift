/// One STUN attribute, decoded when this layer knows its type and kept as raw bytes otherwise.
///
/// MESSAGE-INTEGRITY and FINGERPRINT appear here when parsed, but are not meant to be put into a
/// message being built: ``STUNMessage/encoded(integrityKey:fingerprint:)`` computes and appends them.
public enum STUNAttribute: Hashable, Sendable {
    case mappedAddress(STUNAddress)
    case xorMappedAddress(STUNAddress)
    /// Text as sent. Swift compares strings by canonical equivalence; compare `utf8` views where
    /// byte equality matters.
    case username(String)
    /// The 20-byte HMAC-SHA1 as received; check it with ``STUNMessage/verifyMessageIntegrity(key:)``.
    case messageIntegrity(ArraySlice<UInt8>)
    /// The received CRC value; check it with ``STUNMessage/verifyFingerprint()``.
    case fingerprint(UInt32)
    /// `code` is the three-digit number, 300–699.
    case errorCode(code: UInt16, reason: String)
    case unknownAttributes([STUNAttributeType])
    case software(String)
    /// ICE candidate priority (RFC 8445 §7.1.1).
    case priority(UInt32)
    /// ICE nomination (RFC 8445 §7.1.2).
    case useCandidate
    /// ICE role and tie-breaker (RFC 8445 §7.1.3).
    case iceControlled(tieBreaker: UInt64)
    case iceControlling(tieBreaker: UInt64)
    /// Any other type, its value without padding. A parsed value is a slice of the datagram.
    case other(STUNAttributeType, ArraySlice<UInt8>)

    public var type: STUNAttributeType {
        switch self {
        case .mappedAddress: .mappedAddress
        case .xorMappedAddress: .xorMappedAddress
        case .username: .username
        case .messageIntegrity: .messageIntegrity
        case .fingerprint: .fingerprint
        case .errorCode: .errorCode
        case .unknownAttributes: .unknownAttributes
        case .software: .software
        case .priority: .priority
        case .useCandidate: .useCandidate
        case .iceControlled: .iceControlled
        case .iceControlling: .iceControlling
        case .other(let type, _): type
        }
    }
}

/// A STUN attribute type code (RFC 8489 §14, RFC 8445 §16.1).
public struct STUNAttributeType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    public static let mappedAddress = STUNAttributeType(rawValue: 0x0001)
    public static let username = STUNAttributeType(rawValue: 0x0006)
    public static let messageIntegrity = STUNAttributeType(rawValue: 0x0008)
    public static let errorCode = STUNAttributeType(rawValue: 0x0009)
    public static let unknownAttributes = STUNAttributeType(rawValue: 0x000A)
    /// Long-term credentials only; this layer keeps it as raw bytes.
    public static let realm = STUNAttributeType(rawValue: 0x0014)
    /// Long-term credentials only; this layer keeps it as raw bytes.
    public static let nonce = STUNAttributeType(rawValue: 0x0015)
    public static let xorMappedAddress = STUNAttributeType(rawValue: 0x0020)
    public static let priority = STUNAttributeType(rawValue: 0x0024)
    public static let useCandidate = STUNAttributeType(rawValue: 0x0025)
    public static let software = STUNAttributeType(rawValue: 0x8022)
    public static let fingerprint = STUNAttributeType(rawValue: 0x8028)
    public static let iceControlled = STUNAttributeType(rawValue: 0x8029)
    public static let iceControlling = STUNAttributeType(rawValue: 0x802A)

    /// Types below 0x8000 must be understood by the receiver, which otherwise answers a request
    /// with 420 (RFC 8489 §14).
    public var isComprehensionRequired: Bool { rawValue < 0x8000 }

    public var description: String {
        let hex = String(rawValue, radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: 4 - hex.count) + hex
    }
}

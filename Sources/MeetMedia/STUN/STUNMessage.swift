/// A STUN message (RFC 8489): its class, method, transaction id and attributes in order.
///
/// Build one with ``init(_:_:transactionID:attributes:)`` and turn it into bytes with
/// ``encoded(integrityKey:fingerprint:)``; read one with ``init(parsing:maximumSize:)``. A parsed
/// message keeps a reference to the datagram it came from (attribute values are slices of it, not
/// copies), because MESSAGE-INTEGRITY and FINGERPRINT can only be checked against those exact bytes.
public struct STUNMessage: Sendable, Equatable {
    /// The fixed header: type, length, magic cookie, transaction id.
    public static let headerSize = 20
    /// Identifies RFC 5389/8489 STUN and seeds the XOR of XOR-MAPPED-ADDRESS.
    public static let magicCookie: UInt32 = 0x2112_A442
    /// Larger datagrams are refused before any parsing: no STUN message used by ICE comes near an
    /// Ethernet MTU, and a cap bounds the work a hostile sender can cause.
    public static let defaultMaximumSize = 1500

    public let messageClass: STUNMessageClass
    public let method: STUNMethod
    public let transactionID: STUNTransactionID
    /// Attributes in wire order. When parsed, attributes after MESSAGE-INTEGRITY other than
    /// FINGERPRINT are left out, as RFC 8489 §14.5 tells receivers to ignore them.
    public let attributes: [STUNAttribute]

    /// The datagram this message was parsed from; empty for a message built in code.
    let received: ArraySlice<UInt8>
    /// Offsets from the start of `received` of the MESSAGE-INTEGRITY and FINGERPRINT headers.
    let integrityOffset: Int?
    let fingerprintOffset: Int?

    public init(
        _ messageClass: STUNMessageClass,
        _ method: STUNMethod,
        transactionID: STUNTransactionID = .random(),
        attributes: [STUNAttribute] = []
    ) {
        self.init(
            messageClass: messageClass,
            method: method,
            transactionID: transactionID,
            attributes: attributes,
            received: [],
            integrityOffset: nil,
            fingerprintOffset: nil
        )
    }

    init(
        messageClass: STUNMessageClass,
        method: STUNMethod,
        transactionID: STUNTransactionID,
        attributes: [STUNAttribute],
        received: ArraySlice<UInt8>,
        integrityOffset: Int?,
        fingerprintOffset: Int?
    ) {
        self.messageClass = messageClass
        self.method = method
        self.transactionID = transactionID
        self.attributes = attributes
        self.received = received
        self.integrityOffset = integrityOffset
        self.fingerprintOffset = fingerprintOffset
    }

    /// Equal when class, method, transaction id and attributes are; where a message came from
    /// does not matter.
    public static func == (lhs: STUNMessage, rhs: STUNMessage) -> Bool {
        lhs.messageClass == rhs.messageClass && lhs.method == rhs.method && lhs.transactionID == rhs.transactionID
            && lhs.attributes == rhs.attributes
    }

    /// The success response to a Binding request, telling the peer the address its request came
    /// from (RFC 8489 §6.3.1; for ICE, RFC 8445 §7.3.1.4).
    public static func bindingSuccess(
        for request: STUNMessage,
        mappedAddress: STUNAddress,
        software: String? = nil
    ) -> STUNMessage {
        var attributes: [STUNAttribute] = [.xorMappedAddress(mappedAddress)]
        if let software { attributes.append(.software(software)) }
        return STUNMessage(.successResponse, request.method, transactionID: request.transactionID, attributes: attributes)
    }

    /// An error response to `request` (RFC 8489 §6.3.4); for 420 pass the unknown attributes
    /// so they are listed in UNKNOWN-ATTRIBUTES.
    public static func errorResponse(
        for request: STUNMessage,
        code: UInt16,
        reason: String,
        unknownAttributes: [STUNAttributeType] = []
    ) -> STUNMessage {
        var attributes: [STUNAttribute] = [.errorCode(code: code, reason: reason)]
        if !unknownAttributes.isEmpty { attributes.append(.unknownAttributes(unknownAttributes)) }
        return STUNMessage(.errorResponse, request.method, transactionID: request.transactionID, attributes: attributes)
    }
}

/// The class bits of a STUN message type (RFC 8489 §5).
public enum STUNMessageClass: UInt8, Sendable, CaseIterable {
    case request = 0b00
    case indication = 0b01
    case successResponse = 0b10
    case errorResponse = 0b11
}

/// The 12-bit method of a STUN message type; only Binding is defined for ICE.
public struct STUNMethod: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16

    /// Fails for values that do not fit the 12 method bits.
    public init?(rawValue: UInt16) {
        guard rawValue <= 0x0FFF else { return nil }
        self.rawValue = rawValue
    }

    private init(known rawValue: UInt16) {
        self.rawValue = rawValue
    }

    public static let binding = STUNMethod(known: 0x001)

    public var description: String { self == .binding ? "Binding" : "method 0x\(String(rawValue, radix: 16))" }
}

extension STUNMessage {
    /// The 14-bit message type: method and class bits interleaved as RFC 8489 §5 Figure 3 draws them.
    static func messageType(_ messageClass: STUNMessageClass, _ method: STUNMethod) -> UInt16 {
        let m = method.rawValue
        let c = UInt16(messageClass.rawValue)
        return (m & 0x000F) | ((m & 0x0070) << 1) | ((m & 0x0F80) << 2) | ((c & 0b01) << 4) | ((c & 0b10) << 7)
    }

    /// Splits a message type whose top two bits are already known to be zero.
    static func split(messageType t: UInt16) -> (STUNMessageClass, STUNMethod) {
        let m = (t & 0x000F) | ((t >> 1) & 0x0070) | ((t >> 2) & 0x0F80)
        let c = ((t >> 4) & 0b01) | ((t >> 7) & 0b10)
        // Both values are masked to their widths, so neither initialiser can fail.
        return (STUNMessageClass(rawValue: UInt8(c)) ?? .request, STUNMethod(rawValue: m) ?? .binding)
    }
}

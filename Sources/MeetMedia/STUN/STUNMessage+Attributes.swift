extension STUNMessage {
    // Where an attribute appears more than once, RFC 8489 §14 has receivers use the first.

    public var mappedAddress: STUNAddress? {
        for case .mappedAddress(let address) in attributes { return address }
        return nil
    }

    public var xorMappedAddress: STUNAddress? {
        for case .xorMappedAddress(let address) in attributes { return address }
        return nil
    }

    public var username: String? {
        for case .username(let username) in attributes { return username }
        return nil
    }

    public var software: String? {
        for case .software(let software) in attributes { return software }
        return nil
    }

    public var errorCode: (code: UInt16, reason: String)? {
        for case .errorCode(let code, let reason) in attributes { return (code, reason) }
        return nil
    }

    public var unknownAttributes: [STUNAttributeType]? {
        for case .unknownAttributes(let types) in attributes { return types }
        return nil
    }

    public var priority: UInt32? {
        for case .priority(let priority) in attributes { return priority }
        return nil
    }

    public var useCandidate: Bool {
        attributes.contains(.useCandidate)
    }

    public var iceControlled: UInt64? {
        for case .iceControlled(let tieBreaker) in attributes { return tieBreaker }
        return nil
    }

    public var iceControlling: UInt64? {
        for case .iceControlling(let tieBreaker) in attributes { return tieBreaker }
        return nil
    }

    /// The value of the first attribute of a type this layer does not decode (REALM, NONCE, …).
    public func rawValue(of type: STUNAttributeType) -> ArraySlice<UInt8>? {
        for case .other(type, let value) in attributes { return value }
        return nil
    }

    /// Comprehension-required attribute types (below 0x8000) this layer does not understand, each
    /// once, in order of appearance. If a request has any, the agent must answer 420 listing them
    /// in UNKNOWN-ATTRIBUTES (RFC 8489 §6.3.1.1); see ``errorResponse(for:code:reason:unknownAttributes:)``.
    public var unknownComprehensionRequiredAttributes: [STUNAttributeType] {
        var types: [STUNAttributeType] = []
        for case .other(let type, _) in attributes where type.isComprehensionRequired && !types.contains(type) {
            types.append(type)
        }
        return types
    }
}

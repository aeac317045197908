/// One RTP payload type of a media section, with what its `a=rtpmap`, `a=fmtp` and `a=rtcp-fb`
/// lines say about it.
public struct SDPCodec: Hashable, Sendable {
    public var payloadType: UInt8
    public var name: String
    public var clockRate: UInt32
    public var channels: UInt16?
    /// The `a=fmtp` parameters as written, such as `minptime=10;useinbandfec=1`.
    public var parameters: String?
    /// Feedback for this payload type; `payloadType` of each entry is ignored when writing.
    public var feedback: [SDPFeedback]

    public init(
        payloadType: UInt8,
        name: String,
        clockRate: UInt32,
        channels: UInt16? = nil,
        parameters: String? = nil,
        feedback: [SDPFeedback] = []
    ) {
        self.payloadType = payloadType
        self.name = name
        self.clockRate = clockRate
        self.channels = channels
        self.parameters = parameters
        self.feedback = feedback
    }

    /// The fmtp parameters as `key=value` pairs (keys lower-cased); a parameter without `=` maps to "".
    public var parameterMap: [String: String] {
        var map: [String: String] = [:]
        for item in (parameters ?? "").split(separator: ";") {
            let trimmed = item.trimmingCharacters(in: " ")
            guard !trimmed.isEmpty else { continue }
            let pair = trimmed.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            map[pair[0].lowercased()] = pair.count == 2 ? String(pair[1]) : ""
        }
        return map
    }

    /// True for RTX (RFC 4588), whose `apt` parameter names the payload type it repairs.
    public var isRTX: Bool { name.lowercased() == "rtx" }

    /// The `apt` of an RTX payload type.
    public var associatedPayloadType: UInt8? {
        guard isRTX, let apt = parameterMap["apt"] else { return nil }
        return SDPGrammar.payloadType(Substring(apt))
    }

    /// The lines that describe this codec in a media section.
    public var attributes: [SDPAttribute] {
        var attributes: [SDPAttribute] = [
            .rtpmap(SDPRtpMap(payloadType: payloadType, encodingName: name, clockRate: clockRate, channels: channels))
        ]
        for item in feedback {
            attributes.append(.rtcpFeedback(SDPFeedback(payloadType: payloadType, type: item.type, parameter: item.parameter)))
        }
        if let parameters { attributes.append(.fmtp(payloadType: payloadType, parameters: parameters)) }
        return attributes
    }
}

extension MediaDescription {
    /// The payload types of the `m=` line that have an `a=rtpmap`, in `m=` line order (the
    /// offerer's preference), with their parameters and feedback. Wildcard feedback applies to all.
    public var codecs: [SDPCodec] {
        var maps: [UInt8: SDPRtpMap] = [:]
        var parameters: [UInt8: String] = [:]
        var feedback: [SDPFeedback] = []
        for attribute in attributes {
            switch attribute {
            case .rtpmap(let map) where maps[map.payloadType] == nil: maps[map.payloadType] = map
            case .fmtp(let payloadType, let text) where parameters[payloadType] == nil: parameters[payloadType] = text
            case .rtcpFeedback(let item): feedback.append(item)
            default: break
            }
        }
        var seen: Set<UInt8> = []
        return payloadTypes.compactMap { payloadType in
            guard seen.insert(payloadType).inserted, let map = maps[payloadType] else { return nil }
            return SDPCodec(
                payloadType: payloadType,
                name: map.encodingName,
                clockRate: map.clockRate,
                channels: map.channels,
                parameters: parameters[payloadType],
                feedback: feedback.filter { $0.payloadType == nil || $0.payloadType == payloadType }
            )
        }
    }
}

extension StringProtocol {
    func trimmingCharacters(in character: Character) -> Substring {
        var text = Substring(self)
        while text.first == character { text.removeFirst() }
        while text.last == character { text.removeLast() }
        return text
    }
}

/// The extension ids a meeting negotiated (SDP a=extmap), one table for the whole meeting so the
/// router can read and rewrite elements without a per-peer mapping. A nil id is not in use.
public struct RTPHeaderExtensionIDs: Sendable, Equatable {
    /// urn:ietf:params:rtp-hdrext:sdes:mid (RFC 9143).
    public var mid: UInt8?
    /// urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id (RFC 8852).
    public var rid: UInt8?
    /// urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id (RFC 8852).
    public var repairedRID: UInt8?
    /// http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time.
    public var absSendTime: UInt8?
    /// urn:ietf:params:rtp-hdrext:ssrc-audio-level (RFC 6464).
    public var audioLevel: UInt8?
    /// http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01.
    public var transportWideCC: UInt8?

    public init(
        mid: UInt8? = nil,
        rid: UInt8? = nil,
        repairedRID: UInt8? = nil,
        absSendTime: UInt8? = nil,
        audioLevel: UInt8? = nil,
        transportWideCC: UInt8? = nil
    ) {
        self.mid = mid
        self.rid = rid
        self.repairedRID = repairedRID
        self.absSendTime = absSendTime
        self.audioLevel = audioLevel
        self.transportWideCC = transportWideCC
    }
}

/// RFC 6464 audio level: the voice activity flag and the level in −dBov (0 loudest, 127 silence).
public struct RTPAudioLevel: Sendable, Equatable {
    public var voiceActivity: Bool
    public var level: UInt8

    public init(voiceActivity: Bool, level: UInt8) {
        self.voiceActivity = voiceActivity
        self.level = level
    }
}

extension RTPPacket {
    /// A text element (mid, rid, repaired-rid) as a string; nil if absent, empty or not UTF-8.
    public func stringExtension(id: UInt8?) -> String? {
        guard let id, let value = extensionElement(id: id), !value.isEmpty else { return nil }
        return String(validating: value, as: UTF8.self)
    }

    /// The abs-send-time element: 6.18 fixed-point seconds in 24 bits; nil unless exactly 3 bytes.
    public func absSendTime(id: UInt8?) -> UInt32? {
        guard let id, let value = extensionElement(id: id), value.count == 3 else { return nil }
        return Self.read24(value)
    }

    /// The RFC 6464 audio level element; nil if absent or empty.
    public func audioLevel(id: UInt8?) -> RTPAudioLevel? {
        guard let id, let value = extensionElement(id: id), let byte = value.first else { return nil }
        return RTPAudioLevel(voiceActivity: byte & 0x80 != 0, level: byte & 0x7F)
    }

    /// The transport-wide sequence number; nil unless the element has at least 2 bytes (version 2
    /// of the extension appends a feedback request, which is ignored here).
    public func transportWideSequenceNumber(id: UInt8?) -> UInt16? {
        guard let id, let value = extensionElement(id: id), value.count >= 2 else { return nil }
        return value.bigEndian(at: 0)
    }

    public func mid(_ ids: RTPHeaderExtensionIDs) -> String? { stringExtension(id: ids.mid) }
    public func rid(_ ids: RTPHeaderExtensionIDs) -> String? { stringExtension(id: ids.rid) }
    public func repairedRID(_ ids: RTPHeaderExtensionIDs) -> String? { stringExtension(id: ids.repairedRID) }

    static func read24(_ value: ArraySlice<UInt8>) -> UInt32 {
        let start = value.startIndex
        return UInt32(value[start]) << 16 | UInt32(value[start + 1]) << 8 | UInt32(value[start + 2])
    }
}

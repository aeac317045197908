/// The payload types the router writes on every subscribe connection. Publishers number their
/// codecs as they like; one fixed numbering on the subscribe side keeps bundled sections from
/// different publishers consistent (RFC 8843 §9.1: one payload type, one codec per transport).
enum ForwardedCodecs {
    static func payloadType(of codec: MediaCapabilities.Codec) -> UInt8 {
        switch codec {
        case .opus: 111
        case .vp8: 96
        case .h264: 102
        }
    }

    /// RTX payload types for video codecs.
    static func rtxPayloadType(of codec: MediaCapabilities.Codec) -> UInt8? {
        switch codec {
        case .opus: nil
        case .vp8: 97
        case .h264: 103
        }
    }
}

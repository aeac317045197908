/// What the SFU's router can receive and forward: the codecs, RTP header extensions and RTCP
/// feedback an answer may accept and an offer may propose.
public struct MediaCapabilities: Hashable, Sendable {
    /// A codec the router forwards.
    public enum Codec: String, Hashable, Sendable, CaseIterable {
        /// Opus, 48 kHz, stereo signalling (RFC 7587).
        case opus
        /// VP8 (RFC 7741).
        case vp8
        /// H.264 Constrained Baseline with packetization-mode=1 (RFC 6184), any level.
        case h264

        public var kind: SDPMediaKind { self == .opus ? .audio : .video }

        /// Whether an offered payload type is this codec in a form the router can forward.
        public func accepts(_ codec: SDPCodec) -> Bool {
            switch self {
            case .opus:
                return codec.name.lowercased() == "opus" && codec.clockRate == 48000 && codec.channels == 2
            case .vp8:
                return codec.name.lowercased() == "vp8" && codec.clockRate == 90000
            case .h264:
                guard codec.name.lowercased() == "h264", codec.clockRate == 90000 else { return false }
                let parameters = codec.parameterMap
                // RFC 6184 §8.1: packetization-mode defaults to 0 (single NAL unit), which cannot
                // carry the fragmented frames browsers send.
                guard parameters["packetization-mode"] == "1", let profile = parameters["profile-level-id"] else { return false }
                return Self.isConstrainedBaseline(profileLevelID: profile)
            }
        }

        /// The codec as the SFU describes it when it proposes it itself.
        public func codec(payloadType: UInt8, feedback: [SDPFeedback]) -> SDPCodec {
            switch self {
            case .opus:
                SDPCodec(payloadType: payloadType, name: "opus", clockRate: 48000, channels: 2, parameters: "minptime=10;useinbandfec=1")
            case .vp8:
                SDPCodec(payloadType: payloadType, name: "VP8", clockRate: 90000, feedback: feedback)
            case .h264:
                SDPCodec(
                    payloadType: payloadType,
                    name: "H264",
                    clockRate: 90000,
                    parameters: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
                    feedback: feedback
                )
            }
        }

        /// Constrained Baseline as RFC 6184 §8.1 Table 5 spells it: profile_idc 0x42 with
        /// constraint_set1, 0x4D with constraint_set0, or 0x58 with both; the level is free.
        static func isConstrainedBaseline(profileLevelID: String) -> Bool {
            guard profileLevelID.utf8.count == 6, let value = UInt32(profileLevelID, radix: 16) else { return false }
            let profile = UInt8(value >> 16)
            let constraints = UInt8(truncatingIfNeeded: value >> 8)
            switch profile {
            case 0x42: return constraints & 0x40 != 0
            case 0x4D: return constraints & 0x80 != 0
            case 0x58: return constraints & 0xC0 == 0xC0
            default: return false
            }
        }
    }

    /// Header extension URIs the router reads or writes.
    public enum HeaderExtension {
        public static let mid = "urn:ietf:params:rtp-hdrext:sdes:mid"
        public static let rtpStreamID = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"
        public static let repairedRTPStreamID = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"
    }

    /// In order of preference, which is the order a subscribe offer lists them in.
    public var codecs: [Codec]
    /// Whether RTX (RFC 4588) is accepted for video codecs.
    public var rtx: Bool
    public var headerExtensions: [String]
    /// The feedback accepted for video codecs, matched on type and parameter, and proposed in
    /// subscribe offers.
    public var videoFeedback: [SDPFeedback]
    /// Whether publish answers accept `goog-remb` for video: the router then sends publishers REMB
    /// (``SFU/Configuration/maximumPublishBitrate``). Subscribe offers never propose it, since the
    /// router does not act on subscribers' estimates.
    public var remb: Bool

    /// The feedback type of REMB (draft-alvestrand-rmcat-remb-03 §2.1).
    static let rembFeedback = "goog-remb"

    public init(
        codecs: [Codec] = Codec.allCases,
        rtx: Bool = true,
        headerExtensions: [String] = [HeaderExtension.mid, HeaderExtension.rtpStreamID, HeaderExtension.repairedRTPStreamID],
        remb: Bool = true
    ) {
        self.codecs = codecs
        self.rtx = rtx
        self.headerExtensions = headerExtensions
        self.remb = remb
        videoFeedback = [
            SDPFeedback(payloadType: nil, type: "nack"),
            SDPFeedback(payloadType: nil, type: "nack", parameter: "pli"),
            SDPFeedback(payloadType: nil, type: "ccm", parameter: "fir"),
        ]
    }

    /// The supported codec an offered payload type matches, if any.
    func supportedCodec(for codec: SDPCodec, kind: SDPMediaKind) -> Codec? {
        codecs.first { $0.kind == kind && $0.accepts(codec) }
    }

    /// The offered feedback a publish answer accepts (none for audio: Opus needs none here).
    func acceptedFeedback(_ offered: [SDPFeedback], kind: SDPMediaKind) -> [SDPFeedback] {
        guard kind == .video else { return [] }
        var supported = videoFeedback
        if remb { supported.append(SDPFeedback(payloadType: nil, type: Self.rembFeedback)) }
        var accepted: [SDPFeedback] = []
        for item in offered where supported.contains(where: { $0.type == item.type && $0.parameter == item.parameter }) {
            let normalized = SDPFeedback(payloadType: nil, type: item.type, parameter: item.parameter)
            if !accepted.contains(normalized) { accepted.append(normalized) }
        }
        return accepted
    }
}

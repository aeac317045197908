/// What one accepted media section of a publish offer carries into the router: payload types,
/// header extension ids and the remote streams, all in the offerer's numbering.
public struct NegotiatedMedia: Hashable, Sendable {
    /// A codec the browser may send, and the payload type of its retransmissions.
    public struct Codec: Hashable, Sendable {
        public var codec: SDPCodec
        /// The RTX payload type whose `apt` is this codec, if RTX was negotiated.
        public var rtxPayloadType: UInt8?

        public init(codec: SDPCodec, rtxPayloadType: UInt8? = nil) {
            self.codec = codec
            self.rtxPayloadType = rtxPayloadType
        }
    }

    /// An `a=ssrc-group:FID` pair: a media SSRC and the SSRC of its retransmissions.
    public struct SourcePair: Hashable, Sendable {
        public var media: UInt32
        public var rtx: UInt32

        public init(media: UInt32, rtx: UInt32) {
            self.media = media
            self.rtx = rtx
        }
    }

    public var mid: String
    public var kind: SDPMediaKind
    /// The direction the SFU answered: `recvonly`, or `inactive` if the browser sends nothing.
    public var direction: SDPDirection
    /// In the offerer's order of preference.
    public var codecs: [Codec]
    /// Accepted header extensions with the offerer's ids.
    public var headerExtensions: [SDPExtmap]
    /// SSRCs the browser announced (`a=ssrc`); empty for rid-based simulcast.
    public var remoteSSRCs: [UInt32]
    public var sourcePairs: [SourcePair]
    /// The simulcast rids the SFU agreed to receive, in the offerer's order.
    public var rids: [String]
    public var msid: SDPMediaStreamID?

    /// The local id of a header extension, if negotiated.
    public func extensionID(_ uri: String) -> UInt16? {
        headerExtensions.first { $0.uri == uri }?.id
    }

    /// The payload type RTX packets for `payloadType` use, if any.
    public func rtxPayloadType(for payloadType: UInt8) -> UInt8? {
        codecs.first { $0.codec.payloadType == payloadType }?.rtxPayloadType
    }
}

/// The outcome of answering a publish offer: the answer to send back and what it agreed to.
public struct PublishNegotiation: Hashable, Sendable {
    public var answer: SessionDescription
    public var remote: RemoteTransport
    /// The accepted sections, in `m=` line order.
    public var media: [NegotiatedMedia]
    /// Sections answered with port 0, and why.
    public var rejected: [RejectedSection]

    public init(answer: SessionDescription, remote: RemoteTransport, media: [NegotiatedMedia], rejected: [RejectedSection]) {
        self.answer = answer
        self.remote = remote
        self.media = media
        self.rejected = rejected
    }
}

/// A media section an answer turned down (port 0), by mid, and why.
public struct RejectedSection: Hashable, Sendable {
    public var mid: String
    public var reason: String

    public init(mid: String, reason: String) {
        self.mid = mid
        self.reason = reason
    }
}

/// One `a=` line, decoded when its name is one WebRTC negotiation uses and kept verbatim otherwise,
/// so that a description survives a parse and serialize round trip.
public enum SDPAttribute: Hashable, Sendable {
    /// `a=group:BUNDLE 0 1` (RFC 5888, RFC 8843).
    case group(SDPGroup)
    /// `a=ice-lite` (RFC 8839 §5.3).
    case iceLite
    /// `a=ice-ufrag` and `a=ice-pwd` (RFC 8839 §5.4), checked to be `ice-char`s of a valid length.
    case iceUfrag(String)
    case icePwd(String)
    /// `a=ice-options:trickle` (RFC 8839 §5.6).
    case iceOptions([String])
    /// `a=fingerprint:sha-256 AB:…` (RFC 8122 §5).
    case fingerprint(SDPFingerprint)
    /// `a=setup` (RFC 4145 §4, RFC 8842).
    case setup(SDPSetupRole)
    /// `a=msid-semantic`, kept as written (Chromium puts a space after the colon).
    case msidSemantic(String)
    /// `a=mid` (RFC 5888 §4).
    case mid(String)
    /// `a=sendrecv`, `a=sendonly`, `a=recvonly`, `a=inactive` (RFC 8866 §6.7).
    case direction(SDPDirection)
    /// `a=rtcp-mux` (RFC 5761 §5.1.1).
    case rtcpMux
    /// `a=rtcp-rsize` (RFC 5506 §5).
    case rtcpReducedSize
    /// `a=extmap` (RFC 8285 §8).
    case extmap(SDPExtmap)
    /// `a=rtpmap` (RFC 8866 §6.6).
    case rtpmap(SDPRtpMap)
    /// `a=fmtp:<pt> <parameters>` (RFC 8866 §6.15), parameters as written.
    case fmtp(payloadType: UInt8, parameters: String)
    /// `a=rtcp-fb` (RFC 4585 §4.2).
    case rtcpFeedback(SDPFeedback)
    /// `a=ssrc:<ssrc> <attribute>[:<value>]` (RFC 5576 §4.1).
    case ssrc(SDPSourceAttribute)
    /// `a=ssrc-group:FID <ssrc> <ssrc>` (RFC 5576 §4.2).
    case ssrcGroup(SDPSourceGroup)
    /// `a=msid:<stream> [<track>]` (RFC 8830 §2).
    case msid(SDPMediaStreamID)
    /// `a=rid` (RFC 8851 §4).
    case rid(SDPRid)
    /// `a=simulcast` (RFC 8853 §5.1).
    case simulcast(SDPSimulcast)
    /// `a=candidate` (RFC 8839 §5.1).
    case candidate(ICECandidate)
    /// `a=end-of-candidates` (RFC 8840 §8.2).
    case endOfCandidates
    /// Anything else: the name and the text after the first colon, or nil for a flag.
    case other(name: String, value: String?)
}

/// `a=group:<semantics> <mid> …`.
public struct SDPGroup: Hashable, Sendable {
    public var semantics: String
    public var mids: [String]

    public init(semantics: String, mids: [String]) {
        self.semantics = semantics
        self.mids = mids
    }
}

/// Which way media flows in a section, from the point of view of the description's author.
public enum SDPDirection: String, Hashable, Sendable, CaseIterable {
    case sendrecv
    case sendonly
    case recvonly
    case inactive

    /// The direction the other side sees: what one sends, the other receives.
    public var reversed: SDPDirection {
        switch self {
        case .sendrecv: .sendrecv
        case .sendonly: .recvonly
        case .recvonly: .sendonly
        case .inactive: .inactive
        }
    }

    public var sends: Bool { self == .sendrecv || self == .sendonly }
    public var receives: Bool { self == .sendrecv || self == .recvonly }
}

/// The DTLS role `a=setup` asks for (RFC 4145 §4): `active` connects (DTLS client), `passive` waits.
public enum SDPSetupRole: String, Hashable, Sendable, CaseIterable {
    case active
    case passive
    case actpass
    case holdconn
}

/// `a=extmap:<id>[/<direction>] <uri> [<attributes>]`: a header extension and its local id.
public struct SDPExtmap: Hashable, Sendable {
    public var id: UInt16
    public var direction: SDPDirection?
    public var uri: String
    public var attributes: String?

    public init(id: UInt16, direction: SDPDirection? = nil, uri: String, attributes: String? = nil) {
        self.id = id
        self.direction = direction
        self.uri = uri
        self.attributes = attributes
    }
}

/// `a=rtpmap:<pt> <encoding>/<clock rate>[/<channels>]`.
public struct SDPRtpMap: Hashable, Sendable {
    public var payloadType: UInt8
    public var encodingName: String
    public var clockRate: UInt32
    public var channels: UInt16?

    public init(payloadType: UInt8, encodingName: String, clockRate: UInt32, channels: UInt16? = nil) {
        self.payloadType = payloadType
        self.encodingName = encodingName
        self.clockRate = clockRate
        self.channels = channels
    }
}

/// `a=rtcp-fb:<pt or *> <type> [<parameter>]`, for example `nack pli` or `ccm fir`.
public struct SDPFeedback: Hashable, Sendable {
    /// Nil for `*`, which applies to every payload type of the section.
    public var payloadType: UInt8?
    public var type: String
    public var parameter: String?

    public init(payloadType: UInt8?, type: String, parameter: String? = nil) {
        self.payloadType = payloadType
        self.type = type
        self.parameter = parameter
    }
}

/// `a=ssrc:<ssrc> <name>[:<value>]`, such as `cname:…` or `msid:<stream> <track>`.
public struct SDPSourceAttribute: Hashable, Sendable {
    public var ssrc: UInt32
    public var name: String
    public var value: String?

    public init(ssrc: UInt32, name: String, value: String? = nil) {
        self.ssrc = ssrc
        self.name = name
        self.value = value
    }
}

/// `a=ssrc-group:<semantics> <ssrc> …`; `FID` pairs a media SSRC with its RTX SSRC.
public struct SDPSourceGroup: Hashable, Sendable {
    public var semantics: String
    public var ssrcs: [UInt32]

    public init(semantics: String, ssrcs: [UInt32]) {
        self.semantics = semantics
        self.ssrcs = ssrcs
    }
}

/// `a=msid:<stream id> [<track id>]`; a stream id of `-` means no stream.
public struct SDPMediaStreamID: Hashable, Sendable {
    public var streamID: String
    public var trackID: String?

    public init(streamID: String, trackID: String? = nil) {
        self.streamID = streamID
        self.trackID = trackID
    }
}

/// `a=rid:<id> send|recv [<restrictions>]`: one RTP stream of a simulcast section.
public struct SDPRid: Hashable, Sendable {
    public enum Direction: String, Hashable, Sendable {
        case send
        case recv
    }

    public var id: String
    public var direction: Direction
    /// `pt=…;max-width=…` and the like, as written.
    public var restrictions: String?

    public init(id: String, direction: Direction, restrictions: String? = nil) {
        self.id = id
        self.direction = direction
        self.restrictions = restrictions
    }
}

/// `a=simulcast:send <alternatives>;… [recv …]`: each inner list holds alternatives for one stream.
public struct SDPSimulcast: Hashable, Sendable {
    /// A rid, paused when written with a leading `~`.
    public struct Stream: Hashable, Sendable {
        public var rid: String
        public var paused: Bool

        public init(rid: String, paused: Bool = false) {
            self.rid = rid
            self.paused = paused
        }
    }

    public var send: [[Stream]]
    public var receive: [[Stream]]

    public init(send: [[Stream]] = [], receive: [[Stream]] = []) {
        self.send = send
        self.receive = receive
    }
}

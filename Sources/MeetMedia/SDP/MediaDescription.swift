/// One media section of a ``SessionDescription``: the `m=` line and the lines after it.
public struct MediaDescription: Hashable, Sendable {
    public var kind: SDPMediaKind
    /// 0 marks a rejected or stopped section (RFC 8829 §5.2.2, §5.3.1).
    public var port: UInt16
    /// The optional `/<count>` after the port; WebRTC never writes it.
    public var portCount: UInt16?
    /// `UDP/TLS/RTP/SAVPF` for WebRTC media, `UDP/DTLS/SCTP` for data channels.
    public var proto: String
    /// Payload type numbers for RTP, `webrtc-datachannel` for SCTP.
    public var formats: [String]
    public var connection: SDPConnection?
    public var bandwidths: [SDPBandwidth]
    /// `i=` and `k=` lines, kept but not interpreted.
    public var otherLines: [SDPLine]
    public var attributes: [SDPAttribute]

    public init(
        kind: SDPMediaKind,
        port: UInt16 = 9,
        portCount: UInt16? = nil,
        proto: String = "UDP/TLS/RTP/SAVPF",
        formats: [String],
        connection: SDPConnection? = .unspecified,
        bandwidths: [SDPBandwidth] = [],
        otherLines: [SDPLine] = [],
        attributes: [SDPAttribute] = []
    ) {
        self.kind = kind
        self.port = port
        self.portCount = portCount
        self.proto = proto
        self.formats = formats
        self.connection = connection
        self.bandwidths = bandwidths
        self.otherLines = otherLines
        self.attributes = attributes
    }

    var sdpLines: [String] {
        let port = portCount.map { "\(self.port)/\($0)" } ?? "\(self.port)"
        var lines = ["m=" + ([kind.rawValue, port, proto] + formats).joined(separator: " ")]
        lines += otherLines.filter { $0.type == "i" }.map(\.description)
        if let connection { lines.append("c=\(connection)") }
        lines += bandwidths.map { "b=\($0)" }
        lines += otherLines.filter { $0.type == "k" }.map(\.description)
        lines += attributes.map { "a=" + $0.sdpText }
        return lines
    }

    /// True for the RTP profiles; their formats are payload type numbers.
    public var isRTP: Bool { proto.contains("RTP/") }

    public var mid: String? {
        for case .mid(let mid) in attributes { return mid }
        return nil
    }

    /// The direction attribute; RFC 8866 §6.7 makes `sendrecv` the default.
    public var direction: SDPDirection {
        for case .direction(let direction) in attributes { return direction }
        return .sendrecv
    }

    public var payloadTypes: [UInt8] { formats.compactMap { SDPGrammar.payloadType(Substring($0)) } }

    public var iceUfrag: String? {
        for case .iceUfrag(let ufrag) in attributes { return ufrag }
        return nil
    }

    public var icePassword: String? {
        for case .icePwd(let password) in attributes { return password }
        return nil
    }

    public var fingerprints: [SDPFingerprint] {
        attributes.compactMap { if case .fingerprint(let fingerprint) = $0 { fingerprint } else { nil } }
    }

    public var setup: SDPSetupRole? {
        for case .setup(let role) in attributes { return role }
        return nil
    }

    public var hasRTCPMux: Bool { attributes.contains(.rtcpMux) }

    /// `a=bundle-only` (RFC 8843 §6): port 0 here means "only in the BUNDLE transport", not "rejected"
    /// (Firefox marks every section after the first so under `max-bundle`).
    public var isBundleOnly: Bool { attributes.contains(.other(name: "bundle-only", value: nil)) }

    /// Whether the section is in use: a port, or port 0 with bundle-only inside the BUNDLE group.
    public func isActive(bundle: [String]?) -> Bool {
        port != 0 || (isBundleOnly && mid.map { bundle?.contains($0) == true } == true)
    }

    public var extmaps: [SDPExtmap] {
        attributes.compactMap { if case .extmap(let extmap) = $0 { extmap } else { nil } }
    }

    public var sources: [SDPSourceAttribute] {
        attributes.compactMap { if case .ssrc(let source) = $0 { source } else { nil } }
    }

    public var sourceGroups: [SDPSourceGroup] {
        attributes.compactMap { if case .ssrcGroup(let group) = $0 { group } else { nil } }
    }

    /// The SSRCs named by `a=ssrc` lines, each once, in order of appearance.
    public var ssrcs: [UInt32] {
        var seen: Set<UInt32> = []
        return sources.map(\.ssrc).filter { seen.insert($0).inserted }
    }

    public var rids: [SDPRid] {
        attributes.compactMap { if case .rid(let rid) = $0 { rid } else { nil } }
    }

    public var simulcast: SDPSimulcast? {
        for case .simulcast(let simulcast) in attributes { return simulcast }
        return nil
    }

    public var msid: SDPMediaStreamID? {
        for case .msid(let msid) in attributes { return msid }
        return nil
    }

    public var candidates: [ICECandidate] {
        attributes.compactMap { if case .candidate(let candidate) = $0 { candidate } else { nil } }
    }
}

/// The media type of an `m=` line.
public struct SDPMediaKind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public static let audio = SDPMediaKind(rawValue: "audio")
    public static let video = SDPMediaKind(rawValue: "video")
    public static let application = SDPMediaKind(rawValue: "application")

    public var description: String { rawValue }
}

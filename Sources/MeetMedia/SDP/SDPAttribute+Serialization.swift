extension SDPAttribute {
    /// The text after `a=`.
    public var sdpText: String {
        switch self {
        case .group(let group): return (["group:" + group.semantics] + group.mids).joined(separator: " ")
        case .iceLite: return "ice-lite"
        case .iceUfrag(let ufrag): return "ice-ufrag:" + ufrag
        case .icePwd(let password): return "ice-pwd:" + password
        case .iceOptions(let options): return "ice-options:" + options.joined(separator: " ")
        case .fingerprint(let fingerprint): return "fingerprint:\(fingerprint)"
        case .setup(let role): return "setup:" + role.rawValue
        case .msidSemantic(let value): return "msid-semantic:" + value
        case .mid(let mid): return "mid:" + mid
        case .direction(let direction): return direction.rawValue
        case .rtcpMux: return "rtcp-mux"
        case .rtcpReducedSize: return "rtcp-rsize"
        case .extmap(let extmap):
            var text = "extmap:\(extmap.id)"
            if let direction = extmap.direction { text += "/" + direction.rawValue }
            text += " " + extmap.uri
            if let attributes = extmap.attributes { text += " " + attributes }
            return text
        case .rtpmap(let map):
            var text = "rtpmap:\(map.payloadType) \(map.encodingName)/\(map.clockRate)"
            if let channels = map.channels { text += "/\(channels)" }
            return text
        case .fmtp(let payloadType, let parameters): return "fmtp:\(payloadType) \(parameters)"
        case .rtcpFeedback(let feedback):
            var text = "rtcp-fb:\(feedback.payloadType.map(String.init) ?? "*") \(feedback.type)"
            if let parameter = feedback.parameter { text += " " + parameter }
            return text
        case .ssrc(let source):
            var text = "ssrc:\(source.ssrc) \(source.name)"
            if let value = source.value { text += ":" + value }
            return text
        case .ssrcGroup(let group): return "ssrc-group:" + ([group.semantics] + group.ssrcs.map(String.init)).joined(separator: " ")
        case .msid(let msid): return "msid:" + msid.streamID + (msid.trackID.map { " " + $0 } ?? "")
        case .rid(let rid): return "rid:\(rid.id) \(rid.direction.rawValue)" + (rid.restrictions.map { " " + $0 } ?? "")
        case .simulcast(let simulcast):
            var parts: [String] = []
            if !simulcast.send.isEmpty { parts.append("send " + Self.streamList(simulcast.send)) }
            if !simulcast.receive.isEmpty { parts.append("recv " + Self.streamList(simulcast.receive)) }
            return "simulcast:" + parts.joined(separator: " ")
        case .candidate(let candidate): return "candidate:\(candidate)"
        case .endOfCandidates: return "end-of-candidates"
        case .other(let name, let value): return value.map { name + ":" + $0 } ?? name
        }
    }

    private static func streamList(_ streams: [[SDPSimulcast.Stream]]) -> String {
        streams.map { alternatives in
            alternatives.map { ($0.paused ? "~" : "") + $0.rid }.joined(separator: ",")
        }
        .joined(separator: ";")
    }
}

extension SDPAttribute {
    /// Parses the text after `a=`. `line` only labels errors.
    init(sdpLine text: Substring, line: Int) throws(SDPError) {
        let name: Substring
        let value: Substring?
        if let colon = text.firstIndex(of: ":") {
            name = text[..<colon]
            value = text[text.index(after: colon)...]
        } else {
            name = text
            value = nil
        }
        guard SDPGrammar.isToken(name) else {
            throw SDPError(code: .malformedLine, line: line, reason: "attribute name is not a token")
        }
        func fail(_ reason: String) -> SDPError {
            SDPError(code: .malformedValue, line: line, reason: "a=\(name): \(reason)")
        }
        func flag(_ attribute: SDPAttribute) throws(SDPError) -> SDPAttribute {
            guard value == nil else { throw fail("takes no value") }
            return attribute
        }
        func required() throws(SDPError) -> Substring {
            guard let value, !value.isEmpty else { throw fail("needs a value") }
            return value
        }
        func words(_ value: Substring) -> [Substring] {
            value.split(separator: " ", omittingEmptySubsequences: true)
        }

        switch name {
        case "ice-lite": self = try flag(.iceLite)
        case "rtcp-mux": self = try flag(.rtcpMux)
        case "rtcp-rsize": self = try flag(.rtcpReducedSize)
        case "end-of-candidates": self = try flag(.endOfCandidates)
        case "sendrecv": self = try flag(.direction(.sendrecv))
        case "sendonly": self = try flag(.direction(.sendonly))
        case "recvonly": self = try flag(.direction(.recvonly))
        case "inactive": self = try flag(.direction(.inactive))
        case "group":
            let parts = words(try required())
            guard let semantics = parts.first, SDPGrammar.isToken(semantics), parts.dropFirst().allSatisfy(SDPGrammar.isToken) else {
                throw fail("expected '<semantics> <mid> …'")
            }
            self = .group(SDPGroup(semantics: String(semantics), mids: parts.dropFirst().map(String.init)))
        case "ice-ufrag", "ice-pwd":
            // RFC 8839 §5.4: 4–256 characters for the ufrag, 22–256 for the password.
            let text = try required()
            let range = name == "ice-ufrag" ? 4...256 : 22...256
            guard range.contains(text.utf8.count), text.utf8.allSatisfy(\.isICEChar) else {
                throw fail("must be \(range.lowerBound)–\(range.upperBound) ice-chars")
            }
            self = name == "ice-ufrag" ? .iceUfrag(String(text)) : .icePwd(String(text))
        case "ice-options":
            let options = words(try required())
            guard options.allSatisfy(SDPGrammar.isToken) else { throw fail("options must be tokens") }
            self = .iceOptions(options.map(String.init))
        case "fingerprint":
            guard let fingerprint = SDPFingerprint(sdpValue: try required()) else {
                throw fail("expected '<hash function> <hex pairs>' of the hash's size")
            }
            self = .fingerprint(fingerprint)
        case "setup":
            guard let role = SDPSetupRole(rawValue: String(try required())) else { throw fail("unknown role") }
            self = .setup(role)
        case "msid-semantic":
            self = .msidSemantic(String(try required()))
        case "mid":
            let mid = try required()
            guard mid.utf8.count <= 64, SDPGrammar.isToken(mid) else { throw fail("must be a token of at most 64 characters") }
            self = .mid(String(mid))
        case "extmap": self = .extmap(try Self.parseExtmap(try required(), fail: fail))
        case "rtpmap": self = .rtpmap(try Self.parseRtpMap(try required(), fail: fail))
        case "fmtp":
            let text = try required()
            guard let space = text.firstIndex(of: " "), let payloadType = SDPGrammar.payloadType(text[..<space]) else {
                throw fail("expected '<payload type> <parameters>'")
            }
            let parameters = text[text.index(after: space)...]
            guard !parameters.isEmpty else { throw fail("has no parameters") }
            self = .fmtp(payloadType: payloadType, parameters: String(parameters))
        case "rtcp-fb":
            let parts = words(try required())
            guard (2...3).contains(parts.count), parts.allSatisfy(SDPGrammar.isToken) else {
                throw fail("expected '<payload type> <type> [<parameter>]'")
            }
            let payloadType = SDPGrammar.payloadType(parts[0])
            guard payloadType != nil || parts[0] == "*" else { throw fail("bad payload type") }
            self = .rtcpFeedback(SDPFeedback(payloadType: payloadType, type: String(parts[1]), parameter: parts.count == 3 ? String(parts[2]) : nil))
        case "ssrc": self = .ssrc(try Self.parseSource(try required(), fail: fail))
        case "ssrc-group":
            let parts = words(try required())
            guard parts.count >= 2, SDPGrammar.isToken(parts[0]) else { throw fail("expected '<semantics> <ssrc> …'") }
            var ssrcs: [UInt32] = []
            for part in parts.dropFirst() {
                guard let ssrc = SDPGrammar.parse(part, as: UInt32.self) else { throw fail("bad SSRC") }
                ssrcs.append(ssrc)
            }
            self = .ssrcGroup(SDPSourceGroup(semantics: String(parts[0]), ssrcs: ssrcs))
        case "msid":
            let parts = words(try required())
            guard (1...2).contains(parts.count), parts.allSatisfy({ $0.utf8.count <= 64 && SDPGrammar.isToken($0) }) else {
                throw fail("expected '<stream id> [<track id>]' of at most 64 characters each")
            }
            self = .msid(SDPMediaStreamID(streamID: String(parts[0]), trackID: parts.count == 2 ? String(parts[1]) : nil))
        case "rid":
            let parts = words(try required())
            guard (2...3).contains(parts.count), Self.isRid(parts[0]), let direction = SDPRid.Direction(rawValue: String(parts[1])) else {
                throw fail("expected '<rid> send|recv [<restrictions>]'")
            }
            self = .rid(SDPRid(id: String(parts[0]), direction: direction, restrictions: parts.count == 3 ? String(parts[2]) : nil))
        case "simulcast": self = .simulcast(try Self.parseSimulcast(try required(), fail: fail))
        case "candidate": self = .candidate(try ICECandidate(sdpValue: try required(), line: line))
        default: self = .other(name: String(name), value: value.map(String.init))
        }
    }

    /// RFC 8851 `rid-id`: alphanumerics, `-` and `_`; at most 16 characters, which also fits
    /// the RTP header extension that carries it.
    static func isRid(_ text: Substring) -> Bool {
        (1...16).contains(text.utf8.count)
            && text.utf8.allSatisfy { $0.isDecimalDigit || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) || $0 == 0x2D || $0 == 0x5F }
    }

    private static func parseExtmap(_ text: Substring, fail: (String) -> SDPError) throws(SDPError) -> SDPExtmap {
        let parts = text.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard parts.count >= 2 else { throw fail("expected '<id>[/<direction>] <uri> [<attributes>]'") }
        let idAndDirection = parts[0].split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(idAndDirection.count), let id = SDPGrammar.parse(idAndDirection[0], as: UInt16.self) else {
            throw fail("bad id")
        }
        // RFC 8285 §6: 1–14 for one-byte headers, up to 255 for two-byte ones; 4096–4351 in offers.
        guard (1...255).contains(id) || (4096...4351).contains(id) else { throw fail("id \(id) is out of range") }
        var direction: SDPDirection?
        if idAndDirection.count == 2 {
            guard let parsed = SDPDirection(rawValue: String(idAndDirection[1])) else { throw fail("bad direction") }
            direction = parsed
        }
        guard parts[1].utf8.count <= 256, parts[1].utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { throw fail("bad URI") }
        return SDPExtmap(id: id, direction: direction, uri: String(parts[1]), attributes: parts.count == 3 ? String(parts[2]) : nil)
    }

    private static func parseRtpMap(_ text: Substring, fail: (String) -> SDPError) throws(SDPError) -> SDPRtpMap {
        let parts = text.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 2, let payloadType = SDPGrammar.payloadType(parts[0]) else { throw fail("expected '<payload type> <encoding>'") }
        let encoding = parts[1].split(separator: "/", omittingEmptySubsequences: false)
        guard (2...3).contains(encoding.count), SDPGrammar.isToken(encoding[0]), encoding[0].utf8.count <= 32,
            let clockRate = SDPGrammar.parse(encoding[1], as: UInt32.self), clockRate > 0
        else { throw fail("expected '<name>/<clock rate>[/<channels>]'") }
        var channels: UInt16?
        if encoding.count == 3 {
            guard let parsed = SDPGrammar.parse(encoding[2], as: UInt16.self), parsed > 0 else { throw fail("bad channel count") }
            channels = parsed
        }
        return SDPRtpMap(payloadType: payloadType, encodingName: String(encoding[0]), clockRate: clockRate, channels: channels)
    }

    private static func parseSource(_ text: Substring, fail: (String) -> SDPError) throws(SDPError) -> SDPSourceAttribute {
        guard let space = text.firstIndex(of: " "), let ssrc = SDPGrammar.parse(text[..<space], as: UInt32.self) else {
            throw fail("expected '<ssrc> <attribute>[:<value>]'")
        }
        let attribute = text[text.index(after: space)...]
        let name = attribute.prefix { $0 != ":" }
        guard SDPGrammar.isToken(name) else { throw fail("bad source attribute name") }
        let value = name.endIndex == attribute.endIndex ? nil : String(attribute[attribute.index(after: name.endIndex)...])
        return SDPSourceAttribute(ssrc: ssrc, name: String(name), value: value)
    }

    private static func parseSimulcast(_ text: Substring, fail: (String) -> SDPError) throws(SDPError) -> SDPSimulcast {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2 || parts.count == 4 else { throw fail("expected 'send|recv <streams> [send|recv <streams>]'") }
        var simulcast = SDPSimulcast()
        var seen: Set<Substring> = []
        for index in stride(from: 0, to: parts.count, by: 2) {
            guard parts[index] == "send" || parts[index] == "recv", seen.insert(parts[index]).inserted else {
                throw fail("expected 'send' or 'recv', each at most once")
            }
            var streams: [[SDPSimulcast.Stream]] = []
            for alternatives in parts[index + 1].split(separator: ";", omittingEmptySubsequences: false) {
                var list: [SDPSimulcast.Stream] = []
                for item in alternatives.split(separator: ",", omittingEmptySubsequences: false) {
                    let paused = item.hasPrefix("~")
                    let rid = paused ? item.dropFirst() : item
                    guard isRid(rid) else { throw fail("bad rid in stream list") }
                    list.append(SDPSimulcast.Stream(rid: String(rid), paused: paused))
                }
                streams.append(list)
            }
            if parts[index] == "send" { simulcast.send = streams } else { simulcast.receive = streams }
        }
        return simulcast
    }
}

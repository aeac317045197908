extension PublishAnswerer {
    /// What the answer will say about one accepted section.
    struct SectionPlan {
        var offered: MediaDescription
        var media: NegotiatedMedia
        /// Accepted payload types, RTX included, in the offer's order, as the answer lists them.
        var codecs: [SDPCodec]
        var simulcastReceive: [[SDPSimulcast.Stream]]
    }

    enum Decision {
        case accept(SectionPlan)
        case reject(String)
    }

    /// The only protocol WebRTC media uses (RFC 8829 §5.1.2).
    static let mediaProtocol = "UDP/TLS/RTP/SAVPF"

    func plan(_ section: MediaDescription, bundle: [String]?) -> Decision {
        let mid = section.mid ?? ""
        guard section.isActive(bundle: bundle) else { return .reject("the offer has port 0") }
        guard section.kind == .audio || section.kind == .video else { return .reject("media kind \(section.kind) is not forwarded") }
        guard section.proto == Self.mediaProtocol else { return .reject("protocol \(section.proto) is not \(Self.mediaProtocol)") }
        if let bundle, !bundle.contains(mid) { return .reject("not in the BUNDLE group") }

        let offered = section.codecs
        let primaries = offered.filter { !$0.isRTX && capabilities.supportedCodec(for: $0, kind: section.kind) != nil }
        guard !primaries.isEmpty else { return .reject("no codec in common") }
        let primaryTypes = Set(primaries.map(\.payloadType))
        var rtxFor: [UInt8: UInt8] = [:]
        if capabilities.rtx, section.kind == .video {
            for codec in offered where codec.isRTX {
                guard let apt = codec.associatedPayloadType, primaryTypes.contains(apt), rtxFor[apt] == nil else { continue }
                rtxFor[apt] = codec.payloadType
            }
        }
        let rtxTypes = Set(rtxFor.values)
        var codecs: [SDPCodec] = []
        var negotiated: [NegotiatedMedia.Codec] = []
        for codec in offered {
            var accepted = codec
            if primaryTypes.contains(codec.payloadType) {
                accepted.feedback = capabilities.acceptedFeedback(codec.feedback, kind: section.kind)
                negotiated.append(NegotiatedMedia.Codec(codec: accepted, rtxPayloadType: rtxFor[codec.payloadType]))
            } else if rtxTypes.contains(codec.payloadType) {
                accepted.feedback = []
            } else {
                continue
            }
            codecs.append(accepted)
        }

        var extensions: [SDPExtmap] = []
        for extmap in section.extmaps where capabilities.headerExtensions.contains(extmap.uri) {
            guard !extensions.contains(where: { $0.uri == extmap.uri || $0.id == extmap.id }) else { continue }
            extensions.append(SDPExtmap(id: extmap.id, uri: extmap.uri))
        }

        // RFC 8853 §5.3: the answer reverses the offer's send streams; only rids the offer declared
        // for sending count, and without the rid header extension the SFU could not tell them apart.
        var receive: [[SDPSimulcast.Stream]] = []
        if let simulcast = section.simulcast, extensions.contains(where: { $0.uri == MediaCapabilities.HeaderExtension.rtpStreamID }) {
            let declared = Set(section.rids.filter { $0.direction == .send }.map(\.id))
            var seen: Set<String> = []
            for alternatives in simulcast.send {
                let kept = alternatives.filter { declared.contains($0.rid) && seen.insert($0.rid).inserted }
                if !kept.isEmpty { receive.append(kept) }
            }
        }

        let pairs = section.sourceGroups.filter { $0.semantics == "FID" && $0.ssrcs.count == 2 }.map {
            NegotiatedMedia.SourcePair(media: $0.ssrcs[0], rtx: $0.ssrcs[1])
        }
        let media = NegotiatedMedia(
            mid: mid,
            kind: section.kind,
            direction: section.direction.sends ? .recvonly : .inactive,
            codecs: negotiated,
            headerExtensions: extensions,
            remoteSSRCs: section.ssrcs,
            sourcePairs: pairs,
            rids: receive.flatMap { $0.map(\.rid) },
            msid: section.msid
        )
        return .accept(SectionPlan(offered: section, media: media, codecs: codecs, simulcastReceive: receive))
    }
}

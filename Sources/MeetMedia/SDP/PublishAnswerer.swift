/// Answers a browser's publish offer (the browser sends, the SFU receives) as an ICE-lite,
/// DTLS-passive, fully bundled endpoint (RFC 8829 §5.3, RFC 8843).
///
/// Each accepted section keeps the offerer's payload type numbers and header extension ids, is
/// `recvonly`, and lists the intersection of the offered codecs with ``MediaCapabilities``; any
/// other section is answered with port 0. Offers without ICE credentials, a usable fingerprint,
/// `a=rtcp-mux` on accepted sections, or a BUNDLE group when several sections are accepted throw.
public struct PublishAnswerer: Sendable {
    public var capabilities: MediaCapabilities
    public var transport: SFUTransportParameters

    public init(capabilities: MediaCapabilities = MediaCapabilities(), transport: SFUTransportParameters) {
        self.capabilities = capabilities
        self.transport = transport
    }

    /// Answers `offer`. `version` is the answer's `o=` session version, incremented by the caller
    /// on each new answer of the same peer connection.
    public func answer(_ offer: SessionDescription, version: UInt64 = 1) throws(SDPError) -> PublishNegotiation {
        var mids: Set<String> = []
        for section in offer.media {
            guard let mid = section.mid else { throw SDPError(code: .badMid, reason: "a media section has no a=mid") }
            guard mids.insert(mid).inserted else { throw SDPError(code: .badMid, reason: "mid \(mid) appears twice") }
        }
        let bundle = offer.bundleGroup
        var plans: [SectionPlan] = []
        var rejected: [RejectedSection] = []
        for section in offer.media {
            switch plan(section, bundle: bundle) {
            case .accept(let plan): plans.append(plan)
            case .reject(let reason): rejected.append(RejectedSection(mid: section.mid ?? "", reason: reason))
            }
        }
        if plans.count > 1, bundle == nil {
            throw SDPError(code: .notBundled, reason: "\(plans.count) media sections and no BUNDLE group; the SFU uses one transport")
        }
        for plan in plans where !plan.offered.hasRTCPMux {
            throw SDPError(code: .missingRTCPMux, reason: "section \(plan.media.mid) has no a=rtcp-mux")
        }
        // The tagged section is the first accepted one in the group's order (RFC 8843 §7.3.1).
        let tag = plans.min { (bundle?.firstIndex(of: $0.media.mid) ?? 0) < (bundle?.firstIndex(of: $1.media.mid) ?? 0) }
        guard let transportSection = tag?.offered ?? offer.media.first else {
            throw SDPError(code: .missingICECredentials, reason: "the offer has no media section")
        }
        let remote = try RemoteTransport(description: offer, section: transportSection)
        if let setup = remote.setup, setup != .actpass, setup != .active {
            throw SDPError(code: .unsupportedSetup, reason: "offer asks for setup \(setup.rawValue); the SFU is always the DTLS server")
        }

        var answer = SessionDescription(origin: transport.origin(version: version))
        let accepted = offer.media.compactMap(\.mid).filter { mid in plans.contains { $0.media.mid == mid } }
        if !accepted.isEmpty { answer.attributes.append(.group(SDPGroup(semantics: "BUNDLE", mids: accepted))) }
        answer.attributes.append(.iceLite)
        for section in offer.media {
            if let plan = plans.first(where: { $0.offered.mid == section.mid }) {
                answer.media.append(answerSection(plan))
            } else {
                answer.media.append(rejectedSection(section))
            }
        }
        return PublishNegotiation(answer: answer, remote: remote, media: plans.map(\.media), rejected: rejected)
    }

    /// A section answered with port 0: its kind, protocol and formats kept, and its mid. The
    /// transport lines and `a=rtcp-mux` are not needed there, but aiortc refuses a description without them.
    private func rejectedSection(_ offered: MediaDescription) -> MediaDescription {
        var attributes = transport.transportAttributes(setup: .passive) + [.mid(offered.mid ?? ""), .direction(.inactive)]
        if offered.isRTP { attributes.append(.rtcpMux) }
        return MediaDescription(kind: offered.kind, port: 0, proto: offered.proto, formats: offered.formats, attributes: attributes)
    }

    private func answerSection(_ plan: SectionPlan) -> MediaDescription {
        let destination = transport.defaultDestination
        var attributes = transport.transportAttributes(setup: .passive)
        attributes.append(.mid(plan.media.mid))
        attributes += plan.media.headerExtensions.map { .extmap(SDPExtmap(id: $0.id, uri: $0.uri)) }
        attributes.append(.direction(plan.media.direction))
        attributes.append(.rtcpMux)
        if plan.offered.attributes.contains(.rtcpReducedSize) { attributes.append(.rtcpReducedSize) }
        var formats: [String] = []
        for codec in plan.codecs {
            formats.append(String(codec.payloadType))
            attributes += codec.attributes
        }
        if !plan.media.rids.isEmpty {
            attributes += plan.media.rids.map { .rid(SDPRid(id: $0, direction: .recv)) }
            attributes.append(.simulcast(SDPSimulcast(receive: plan.simulcastReceive)))
        }
        attributes += transport.candidateAttributes
        return MediaDescription(
            kind: plan.media.kind,
            port: destination.port,
            formats: formats,
            connection: destination.connection,
            attributes: attributes
        )
    }
}

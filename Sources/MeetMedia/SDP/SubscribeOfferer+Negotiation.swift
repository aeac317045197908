extension SubscribeOfferer {
    /// What a subscriber's answer agreed to.
    public struct Answer: Hashable, Sendable {
        public var remote: RemoteTransport
        /// Sections the browser accepted and will receive on.
        public var acceptedMids: [String]
        /// Sections the browser answered with port 0 although a track was offered there.
        public var rejectedMids: [String]
    }

    /// The next offer: ICE-lite, `a=setup:actpass` (RFC 8842 §5.2), every sending section
    /// bundled, stopped sections with port 0 (except the BUNDLE tag, kept idle). Each call
    /// increments the `o=` version.
    public mutating func makeOffer() -> SessionDescription {
        version += 1
        var offer = SessionDescription(origin: transport.origin(version: version))
        let bundle = bundledMids
        if !bundle.isEmpty { offer.attributes.append(.group(SDPGroup(semantics: "BUNDLE", mids: bundle))) }
        offer.attributes.append(.iceLite)
        // "*": every stream id below is a WebRTC media stream (aiortc reads msid only for listed streams).
        offer.attributes.append(.msidSemantic(" WMS *"))
        for slot in slots {
            switch slot.state {
            case .sending(let track):
                offer.media.append(section(for: track, mid: slot.mid))
            case .idle:
                offer.media.append(idleSection(slot))
            case .stopped:
                // Transport lines, rtcp-mux and the codecs as in every section: aiortc refuses a
                // description without them.
                var attributes = transport.transportAttributes(setup: .actpass) + [.mid(slot.mid), .direction(.inactive), .rtcpMux]
                attributes += slot.codecs.flatMap(\.attributes)
                offer.media.append(
                    MediaDescription(kind: slot.kind, port: 0, formats: slot.codecs.map { String($0.payloadType) }, attributes: attributes)
                )
            }
        }
        pendingMids = slots.map(\.mid)
        return offer
    }

    /// Applies the browser's answer to the last offer. Throws `.answerMismatch` if there is no
    /// offer outstanding or the sections do not line up with it; the offer stays outstanding then.
    public mutating func applyAnswer(_ answer: SessionDescription) throws(SDPError) -> Answer {
        guard let pendingMids else { throw SDPError(code: .answerMismatch, reason: "no offer is waiting for an answer") }
        guard answer.media.count == pendingMids.count else {
            throw SDPError(code: .answerMismatch, reason: "answer has \(answer.media.count) media sections, the offer \(pendingMids.count)")
        }
        for (index, section) in answer.media.enumerated() where section.mid != pendingMids[index] {
            throw SDPError(code: .answerMismatch, reason: "answer section \(index) has mid \(section.mid ?? "none"), not \(pendingMids[index])")
        }
        var accepted: [String] = []
        var rejected: [String] = []
        for (index, section) in answer.media.enumerated() {
            guard let slot = slots.firstIndex(where: { $0.mid == pendingMids[index] }), case .sending = slots[slot].state else { continue }
            if !section.isActive(bundle: answer.bundleGroup) {
                rejected.append(pendingMids[index])
                continue
            }
            guard section.hasRTCPMux else { throw SDPError(code: .missingRTCPMux, reason: "answer section \(pendingMids[index]) has no a=rtcp-mux") }
            accepted.append(pendingMids[index])
        }
        if accepted.count > 1 {
            guard let bundle = answer.bundleGroup, accepted.allSatisfy(bundle.contains) else {
                throw SDPError(code: .notBundled, reason: "the answer does not bundle every accepted section")
            }
        }
        let transportSection = answer.media.first { $0.mid == (answer.bundleGroup?.first ?? accepted.first) } ?? answer.media.first
        guard let transportSection else { throw SDPError(code: .answerMismatch, reason: "the answer has no media section") }
        let remote = try RemoteTransport(description: answer, section: transportSection)
        // The SFU offered actpass and is always the DTLS server, so the browser must be active.
        guard remote.setup == .active || remote.setup == nil else {
            throw SDPError(code: .unsupportedSetup, reason: "answer chose setup \(remote.setup?.rawValue ?? ""); the SFU is the DTLS server")
        }
        // Only now is the answer known to be good: stopped sections it covered may be recycled.
        for index in slots.indices where slots[index].state == .stopped(confirmed: false) && pendingMids.contains(slots[index].mid) {
            slots[index].state = .stopped(confirmed: true)
        }
        self.pendingMids = nil
        return Answer(remote: remote, acceptedMids: accepted, rejectedMids: rejected)
    }

    /// The BUNDLE tag without a track: its transport, `a=inactive`, the codecs of its last track.
    private func idleSection(_ slot: Slot) -> MediaDescription {
        let destination = transport.defaultDestination
        var attributes = transport.transportAttributes(setup: .actpass) + [.mid(slot.mid), .direction(.inactive), .rtcpMux, .rtcpReducedSize]
        attributes += slot.codecs.flatMap(\.attributes)
        attributes += transport.candidateAttributes
        return MediaDescription(
            kind: slot.kind,
            port: destination.port,
            formats: slot.codecs.map { String($0.payloadType) },
            connection: destination.connection,
            attributes: attributes
        )
    }

    private func section(for track: Track, mid: String) -> MediaDescription {
        let destination = transport.defaultDestination
        var attributes = transport.transportAttributes(setup: .actpass)
        attributes.append(.mid(mid))
        attributes.append(.extmap(SDPExtmap(id: 1, uri: MediaCapabilities.HeaderExtension.mid)))
        attributes.append(.direction(.sendonly))
        attributes.append(.msid(SDPMediaStreamID(streamID: track.streamID, trackID: track.trackID)))
        attributes.append(.rtcpMux)
        attributes.append(.rtcpReducedSize)
        let codecs = Self.codecs(of: track)
        attributes += codecs.flatMap(\.attributes)
        if let rtx = track.rtx {
            attributes.append(.ssrcGroup(SDPSourceGroup(semantics: "FID", ssrcs: [track.ssrc, rtx.ssrc])))
        }
        for ssrc in [track.ssrc] + (track.rtx.map { [$0.ssrc] } ?? []) {
            attributes.append(.ssrc(SDPSourceAttribute(ssrc: ssrc, name: "cname", value: track.cname)))
            attributes.append(.ssrc(SDPSourceAttribute(ssrc: ssrc, name: "msid", value: "\(track.streamID) \(track.trackID)")))
        }
        attributes += transport.candidateAttributes
        return MediaDescription(
            kind: track.kind,
            port: destination.port,
            formats: codecs.map { String($0.payloadType) },
            connection: destination.connection,
            attributes: attributes
        )
    }
}

extension MediaRouter {
    /// Creates producers from an answered publish offer. Sections whose source is not in
    /// `allowedSources` are refused in the answer; sections no longer offered close their producers.
    /// `sourceByMid` names each section's source; unnamed audio sections become the microphone
    /// then screen audio, unnamed video sections the camera then the screen.
    func publish(
        participant id: String,
        negotiation: inout PublishNegotiation,
        allowedSources: Set<TrackSource>,
        sourceByMid: [String: TrackSource],
        now: ContinuousClock.Instant,
        outbox: inout [Transmit],
        events: inout [SFUEvent]
    ) {
        batchingOffers(events: &events) { events in
            addProducers(
                participant: id,
                negotiation: &negotiation,
                allowedSources: allowedSources,
                sourceByMid: sourceByMid,
                outbox: &outbox,
                events: &events
            )
        }
    }

    private func addProducers(
        participant id: String,
        negotiation: inout PublishNegotiation,
        allowedSources: Set<TrackSource>,
        sourceByMid: [String: TrackSource],
        outbox: inout [Transmit],
        events: inout [SFUEvent]
    ) {
        let member = participant(id)
        var assigned: [String: TrackSource] = [:]
        var used: Set<TrackSource> = []
        for media in negotiation.media where media.direction != .inactive {
            let defaults: [TrackSource] = media.kind == .audio ? [.microphone, .screenAudio] : [.camera, .screen]
            guard let source = sourceByMid[media.mid] ?? defaults.first(where: { !used.contains($0) }), !used.contains(source) else {
                negotiation.refuse(mid: media.mid, reason: "no source left for this section")
                continue
            }
            guard allowedSources.contains(source) else {
                negotiation.refuse(mid: media.mid, reason: "the meeting does not allow \(source.rawValue) for this participant")
                continue
            }
            used.insert(source)
            assigned[media.mid] = source
        }
        // Sections gone from the offer, or now carrying another source, close their producers.
        for (mid, source) in member.sourceByMid where assigned[mid] != source {
            closeProducer(ProducerKey(participant: id, source: source), outbox: &outbox, events: &events)
        }
        member.sourceByMid = assigned
        for media in negotiation.media {
            guard let source = assigned[media.mid] else { continue }
            let key = ProducerKey(participant: id, source: source)
            guard producers[key] == nil, let producer = makeProducer(key: key, media: media) else { continue }
            producers[key] = producer
            if let ssrc = producer.ssrc { member.sourceBySSRC[ssrc] = source }
            if let rtxSSRC = producer.rtxSSRC { member.sourceBySSRC[rtxSSRC] = source }
            if let midID = media.extensionID(MediaCapabilities.HeaderExtension.mid) { member.midExtensionID = UInt8(exactly: midID) }
            for other in participants.values where other.id != id {
                guard let subscription = other.subscription else { continue }
                addConsumer(of: key, to: subscription, subscriber: other.id)
                requestOffer(for: other, events: &events)
            }
        }
    }

    func makeProducer(key: ProducerKey, media: NegotiatedMedia) -> Producer? {
        let capabilities = configuration.capabilities
        guard let chosen = media.codecs.first(where: { !$0.codec.isRTX && capabilities.supportedCodec(for: $0.codec, kind: media.kind) != nil }),
            let forwarded = capabilities.supportedCodec(for: chosen.codec, kind: media.kind)
        else { return nil }
        var stripped: [UInt8] = []
        if let midID = media.extensionID(MediaCapabilities.HeaderExtension.mid).flatMap(UInt8.init(exactly:)) { stripped.append(midID) }
        // The subscribe side announces id 1 for mid; anything else the publisher sends as 1 would be misread.
        if let other = media.headerExtensions.first(where: { $0.id == 1 }), other.uri != MediaCapabilities.HeaderExtension.mid {
            stripped.append(1)
        }
        return Producer(
            key: key,
            mid: media.mid,
            kind: media.kind,
            codec: chosen.codec,
            forwardedCodec: forwarded,
            rtxPayloadType: chosen.rtxPayloadType,
            acceptsREMB: chosen.codec.feedback.contains { $0.type == MediaCapabilities.rembFeedback && $0.parameter == nil },
            ssrc: media.sourcePairs.first?.media ?? media.remoteSSRCs.first,
            rtxSSRC: media.sourcePairs.first?.rtx,
            strippedExtensionIDs: stripped,
            receiverStatistics: ReceiverStatistics(clockRate: chosen.codec.clockRate)
        )
    }
}

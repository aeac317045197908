extension MediaRouter {
    /// Starts (or restarts) a participant's subscription with every other participant's producers
    /// and returns the first offer.
    func subscribe(participant id: String, transport: PeerTransport, offerer: SubscribeOfferer) -> String {
        let member = participant(id)
        let subscription = Subscription(transport: transport, offerer: offerer)
        member.subscription = subscription
        for key in producers.keys.sorted(by: { $0.description < $1.description }) where key.participant != id {
            addConsumer(of: key, to: subscription, subscriber: id)
        }
        let offer = subscription.offerer.makeOffer()
        // An offer without sections needs no answer (and a browser makes no transport for it).
        subscription.awaitingAnswer = !offer.media.isEmpty
        return offer.sdpText
    }

    /// Applies a subscriber's answer; consumers of accepted sections start once the transport connects.
    func applySubscribeAnswer(
        participant id: String,
        answer: SessionDescription,
        now: ContinuousClock.Instant,
        outbox: inout [Transmit],
        events: inout [SFUEvent]
    ) throws {
        guard let member = participants[id], let subscription = member.subscription else {
            throw MediaError(.notReceived, "participant \(id) has no subscription")
        }
        if answer.media.isEmpty && !subscription.awaitingAnswer { return }
        let agreed = try subscription.offerer.applyAnswer(answer)
        subscription.awaitingAnswer = false
        try subscription.transport.setRemote(agreed.remote, now: now)
        let accepted = Set(agreed.acceptedMids)
        for key in Array(subscription.consumers.keys) {
            guard var consumer = subscription.consumers[key] else { continue }
            let starting = !consumer.accepted && accepted.contains(consumer.mid)
            consumer.accepted = accepted.contains(consumer.mid)
            if starting { consumer.rewriter.resynchronize() }
            subscription.consumers[key] = consumer
            if starting && subscription.transport.isConnected { requestKeyFrame(key, now: now, outbox: &outbox) }
        }
        if subscription.needsOffer {
            subscription.needsOffer = false
            requestOffer(for: member, events: &events)
        }
    }

    func addConsumer(of key: ProducerKey, to subscription: Subscription, subscriber: String) {
        guard subscription.consumers[key] == nil, let producer = producers[key] else { return }
        let ssrc = freshSSRC(in: subscription)
        let rtxPayloadType = ForwardedCodecs.rtxPayloadType(of: producer.forwardedCodec)
        let rtx = rtxPayloadType.map { SubscribeOfferer.RTXStream(payloadType: $0, ssrc: freshSSRC(in: subscription, besides: ssrc)) }
        let payloadType = ForwardedCodecs.payloadType(of: producer.forwardedCodec)
        let feedback = producer.kind == .video ? configuration.capabilities.videoFeedback : []
        let track = SubscribeOfferer.Track(
            kind: producer.kind,
            codec: producer.forwardedCodec.codec(payloadType: payloadType, feedback: feedback),
            ssrc: ssrc,
            rtx: rtx,
            streamID: key.participant,
            trackID: "\(key.participant)-\(key.source.rawValue)",
            cname: key.participant
        )
        guard let mid = try? subscription.offerer.addTrack(track) else {
            counters.consumersRefused += 1
            return
        }
        subscription.consumers[key] = Consumer(
            producer: key,
            mid: mid,
            ssrc: ssrc,
            rtxSSRC: rtx?.ssrc,
            payloadType: payloadType,
            clockRate: producer.codec.clockRate
        )
        subscription.producerBySSRC[ssrc] = key
        producers[key]?.consumers.insert(subscriber)
    }

    func removeConsumer(of key: ProducerKey, from member: Participant, events: inout [SFUEvent]) {
        guard let subscription = member.subscription, let consumer = subscription.consumers.removeValue(forKey: key) else { return }
        subscription.producerBySSRC[consumer.ssrc] = nil
        subscription.offerer.removeTrack(mid: consumer.mid)
        requestOffer(for: member, events: &events)
    }

    /// Sends a new offer now, or once the outstanding one is answered.
    func requestOffer(for member: Participant, events: inout [SFUEvent]) {
        guard let subscription = member.subscription else { return }
        if batchedOffers != nil {
            batchedOffers?.insert(member.id)
            return
        }
        guard !subscription.awaitingAnswer else {
            subscription.needsOffer = true
            return
        }
        subscription.awaitingAnswer = true
        let offer = subscription.offerer.makeOffer().sdpText
        events.append(.subscribeOfferNeeded(meeting: meeting, participant: member.id, offer: offer))
    }

    /// Runs `body`, which may change many tracks, and then offers once to each subscriber it touched.
    func batchingOffers(events: inout [SFUEvent], _ body: (inout [SFUEvent]) -> Void) {
        guard batchedOffers == nil else { return body(&events) }
        batchedOffers = []
        body(&events)
        let touched = batchedOffers ?? []
        batchedOffers = nil
        for id in touched.sorted() {
            if let member = participants[id] { requestOffer(for: member, events: &events) }
        }
    }

    private func freshSSRC(in subscription: Subscription, besides taken: UInt32 = 0) -> UInt32 {
        while true {
            let candidate = UInt32.random(in: 1...UInt32.max)
            if candidate != taken, candidate != rtcpSenderSSRC, subscription.producerBySSRC[candidate] == nil { return candidate }
        }
    }
}

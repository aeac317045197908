extension SFU {
    /// Answers a participant's publish offer. Producers are created for the sections whose source
    /// is in `allowedSources`; other sections are refused in the answer. A second offer on the same
    /// connection (the browser added or removed a track) keeps the transport.
    public func publish(
        meeting: String,
        participant: String,
        offer offerText: String,
        allowedSources: Set<TrackSource>,
        sourceByMid: [String: TrackSource] = [:],
        now: ContinuousClock.Instant
    ) throws -> String {
        let offer = try SessionDescription(parsing: offerText)
        let router = router(meeting)
        let member = router.participant(participant)
        let transport: PeerTransport
        let parameters: SFUTransportParameters
        if let existing = member.publish, let known = member.publishTransportParameters {
            transport = existing
            parameters = known
        } else {
            transport = try makeTransport(meeting: meeting, participant: participant, role: .publish, remote: nil, now: now)
            parameters = transportParameters(for: transport)
        }
        member.publishAnswerVersion += 1
        var negotiation: PublishNegotiation
        do {
            negotiation = try PublishAnswerer(capabilities: configuration.capabilities, transport: parameters)
                .answer(offer, version: member.publishAnswerVersion)
            try transport.setRemote(negotiation.remote, now: now)
        } catch {
            if member.publish == nil { retire(transport) }
            throw error
        }
        member.publish = transport
        member.publishTransportParameters = parameters
        router.publish(
            participant: participant,
            negotiation: &negotiation,
            allowedSources: allowedSources,
            sourceByMid: sourceByMid,
            now: now,
            outbox: &outbox,
            events: &events
        )
        return negotiation.answer.sdpText
    }

    /// Starts a participant's subscribe connection and returns the SFU's first offer, listing every
    /// other participant's producers. Later changes arrive as ``SFUEvent/subscribeOfferNeeded(meeting:participant:offer:)``.
    public func subscribe(meeting: String, participant: String, now: ContinuousClock.Instant) throws -> String {
        let router = router(meeting)
        let member = router.participant(participant)
        if let old = member.subscription {
            old.transport.close(.closedByRouter)
            collectEvents(of: old.transport, now: now)
        }
        let transport = try makeTransport(meeting: meeting, participant: participant, role: .subscribe, remote: nil, now: now)
        return router.subscribe(
            participant: participant,
            transport: transport,
            offerer: SubscribeOfferer(transport: transportParameters(for: transport))
        )
    }

    /// Applies a subscriber's answer to the last offer.
    public func applySubscribeAnswer(meeting: String, participant: String, answer: String, now: ContinuousClock.Instant) throws {
        guard let router = routers[meeting] else { throw MediaError(.notReceived, "no meeting \(meeting)") }
        try router.applySubscribeAnswer(
            participant: participant,
            answer: try SessionDescription(parsing: answer),
            now: now,
            outbox: &outbox,
            events: &events
        )
    }

    /// Pauses a producer (a host muted it); false if there is none.
    @discardableResult
    public func pauseProducer(meeting: String, participant: String, source: TrackSource) -> Bool {
        routers[meeting]?.pauseProducer(ProducerKey(participant: participant, source: source)) ?? false
    }

    /// Resumes a paused producer; false if there is none.
    @discardableResult
    public func resumeProducer(meeting: String, participant: String, source: TrackSource, now: ContinuousClock.Instant) -> Bool {
        routers[meeting]?.resumeProducer(ProducerKey(participant: participant, source: source), now: now, outbox: &outbox) ?? false
    }

    /// Closes a producer; subscribers get new offers without it. False if there is none.
    @discardableResult
    public func closeProducer(meeting: String, participant: String, source: TrackSource) -> Bool {
        routers[meeting]?.closeProducer(ProducerKey(participant: participant, source: source), outbox: &outbox, events: &events) ?? false
    }

    /// Closes both of a participant's transports at once and removes their tracks everywhere.
    public func removeParticipant(meeting: String, participant: String, now: ContinuousClock.Instant) {
        guard let router = routers[meeting] else { return }
        for transport in router.removeParticipant(participant, outbox: &outbox, events: &events) {
            collectEvents(of: transport, now: now)
        }
        if router.isEmpty { closeMeeting(meeting, now: now) }
    }

    /// Closes every transport of a meeting and forgets it.
    public func closeMeeting(_ meeting: String, now: ContinuousClock.Instant) {
        guard let router = routers[meeting] else { return }
        let before = events.count
        for id in router.participants.keys.sorted() {
            for transport in router.removeParticipant(id, outbox: &outbox, events: &events) { collectEvents(of: transport, now: now) }
        }
        // Offers to participants of a meeting that is gone would only confuse signaling.
        let added = events[before...].filter { if case .subscribeOfferNeeded = $0 { false } else { true } }
        events.removeSubrange(before...)
        events += added
        retiredRouterCounters.add(router.counters)
        routers[meeting] = nil
    }
}

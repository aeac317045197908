extension MediaRouter {
    /// Stops forwarding a producer without telling subscribers: a host muted it.
    func pauseProducer(_ key: ProducerKey) -> Bool {
        guard producers[key] != nil else { return false }
        producers[key]?.paused = true
        return true
    }

    /// Resumes a paused producer; consumers continue their sequence and timestamp space, and a key
    /// frame is requested so video resumes at once.
    func resumeProducer(_ key: ProducerKey, now: ContinuousClock.Instant, outbox: inout [Transmit]) -> Bool {
        guard let producer = producers[key] else { return false }
        producers[key]?.paused = false
        guard producer.paused else { return true }
        for subscriberID in producer.consumers {
            participants[subscriberID]?.subscription?.consumers[key]?.rewriter.resynchronize()
        }
        producers[key]?.lastKeyFrameRequest = nil
        requestKeyFrame(key, now: now, outbox: &outbox)
        return true
    }

    /// Closes a producer: its consumers go, and their subscribers get a new offer without it.
    @discardableResult
    func closeProducer(_ key: ProducerKey, outbox: inout [Transmit], events: inout [SFUEvent]) -> Bool {
        guard let producer = producers.removeValue(forKey: key) else { return false }
        if let member = participants[key.participant] {
            member.sourceBySSRC = member.sourceBySSRC.filter { $0.value != key.source }
            member.sourceByMid = member.sourceByMid.filter { $0.value != key.source }
        }
        for subscriberID in producer.consumers.sorted() {
            guard let subscriber = participants[subscriberID] else { continue }
            removeConsumer(of: key, from: subscriber, events: &events)
        }
        return true
    }

    /// Closes a participant's transports at once and forgets their producers and consumers.
    /// Returns the transports closed, for the SFU to stop routing to.
    func removeParticipant(_ id: String, outbox: inout [Transmit], events: inout [SFUEvent]) -> [PeerTransport] {
        guard let member = participants[id] else { return [] }
        var closed: [PeerTransport] = []
        batchingOffers(events: &events) { events in
            for source in TrackSource.allCases {
                closeProducer(ProducerKey(participant: id, source: source), outbox: &outbox, events: &events)
            }
        }
        dropSubscription(of: member)
        if let publish = member.publish { closed.append(publish) }
        if let subscribe = member.subscription?.transport { closed.append(subscribe) }
        for transport in closed { transport.close(.closedByRouter) }
        participants[id] = nil
        return closed
    }

    /// Reacts to a transport that closed by itself (consent expired, DTLS failed).
    func transportClosed(participant id: String, role: PeerRole, outbox: inout [Transmit], events: inout [SFUEvent]) {
        guard let member = participants[id] else { return }
        switch role {
        case .publish:
            batchingOffers(events: &events) { events in
                for source in TrackSource.allCases {
                    closeProducer(ProducerKey(participant: id, source: source), outbox: &outbox, events: &events)
                }
            }
            member.publish = nil
            member.nextReceiverFeedback = nil
            member.sourceByMid = [:]
            member.sourceBySSRC = [:]
        case .subscribe:
            dropSubscription(of: member)
            member.subscription = nil
        }
    }

    /// A transport finished its handshake: a publisher starts getting receiver feedback, a new
    /// subscriber needs key frames.
    func transportConnected(participant id: String, role: PeerRole, now: ContinuousClock.Instant, outbox: inout [Transmit]) {
        if role == .publish, let member = participants[id] { startReceiverFeedback(for: member, now: now) }
        guard role == .subscribe, let subscription = participants[id]?.subscription else { return }
        for (key, consumer) in subscription.consumers where consumer.accepted {
            requestKeyFrame(key, now: now, outbox: &outbox)
        }
    }

    private func dropSubscription(of member: Participant) {
        guard let subscription = member.subscription else { return }
        for key in subscription.consumers.keys { producers[key]?.consumers.remove(member.id) }
    }
}

extension SFU {
    /// Handles one datagram that arrived on the SFU's port from `source`. Anything that belongs to
    /// no peer is dropped after one look-up (or one STUN parse) and counted.
    public func handle(datagram: [UInt8], from source: STUNAddress, now: ContinuousClock.Instant) {
        switch demultiplexer.route(datagram, from: source) {
        case .drop:
            return
        case .stun(let id, let message):
            guard let record = peers[id] else { return }
            record.transport.handle(stun: message, from: source, now: now)
            afterInput(record, now: now)
        case .media(let id, _):
            guard let record = peers[id] else { return }
            record.transport.handle(datagram: datagram, from: source, now: now)
            afterInput(record, now: now)
        }
    }

    /// Fires every transport's due timers, then sends the receiver feedback due to publishers.
    public func handleTimeout(now: ContinuousClock.Instant) {
        for record in Array(peers.values) {
            guard let due = record.transport.nextTimeout(), due <= now else { continue }
            record.transport.handleTimeout(now: now)
            afterInput(record, now: now)
        }
        for router in routers.values { router.sendDueReceiverFeedback(now: now, outbox: &outbox) }
    }

    /// The earliest time any transport, or any publisher's receiver feedback, needs ``handleTimeout(now:)``.
    public func nextTimeout() -> ContinuousClock.Instant? {
        var earliest: ContinuousClock.Instant?
        for record in peers.values {
            guard let due = record.transport.nextTimeout() else { continue }
            earliest = earliest.map { min($0, due) } ?? due
        }
        for router in routers.values {
            guard let due = router.nextReceiverFeedback else { continue }
            earliest = earliest.map { min($0, due) } ?? due
        }
        return earliest
    }

    /// Follows a transport's selected address, sends what it queued and acts on its events.
    func afterInput(_ record: PeerRecord, now: ContinuousClock.Instant) {
        let transport = record.transport
        if let id = peerIDs[ObjectIdentifier(transport)] {
            if let selected = transport.selectedAddress {
                if demultiplexer.selectedAddress(of: id) != selected { demultiplexer.select(selected, for: id) }
            } else if demultiplexer.selectedAddress(of: id) != nil {
                demultiplexer.clearSelection(for: id)
            }
        }
        collectEvents(of: transport, now: now)
    }

    /// Drains a transport's datagrams and events and routes the events to its meeting's router.
    func collectEvents(of transport: PeerTransport, now: ContinuousClock.Instant) {
        transport.drainTransmits(into: &outbox)
        guard let id = peerIDs[ObjectIdentifier(transport)], let record = peers[id] else {
            transport.drainEvents(into: &transportEvents)
            transportEvents.removeAll(keepingCapacity: true)
            return
        }
        transport.drainEvents(into: &transportEvents)
        guard !transportEvents.isEmpty else { return }
        let router = routers[record.meeting]
        let member = router?.participants[record.participant]
        for event in transportEvents {
            switch event {
            case .rtp(let packet):
                if record.role == .publish, let router, let member { router.forwardRTP(packet, from: member, now: now, outbox: &outbox) }
            case .rtcp(let packet):
                guard let router, let member else { continue }
                switch record.role {
                case .subscribe: router.handleSubscriberRTCP(packet, from: member, now: now, outbox: &outbox)
                case .publish: router.handlePublisherRTCP(packet, from: member, now: now, outbox: &outbox)
                }
            case .connected:
                events.append(.connected(meeting: record.meeting, participant: record.participant, role: record.role))
                router?.transportConnected(participant: record.participant, role: record.role, now: now, outbox: &outbox)
            case .closed(let reason):
                events.append(.closed(meeting: record.meeting, participant: record.participant, role: record.role, reason: reason))
                if reason != .closedByRouter, let router, member?.transport(record.role) === transport {
                    router.transportClosed(participant: record.participant, role: record.role, outbox: &outbox, events: &events)
                }
                retire(transport)
            }
        }
        transportEvents.removeAll(keepingCapacity: true)
    }
}

extension MediaRouter.Participant {
    func transport(_ role: PeerRole) -> PeerTransport? {
        role == .publish ? publish : subscription?.transport
    }
}

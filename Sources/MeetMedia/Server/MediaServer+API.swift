extension MediaServer {
    /// Answers a participant's publish offer; sections whose source is not allowed are refused.
    public func publish(
        meeting: String,
        participant: String,
        offerSDP: String,
        allowedSources: Set<TrackSource>,
        sourceByMid: [String: TrackSource] = [:]
    ) async throws -> String {
        try await withSFU { sfu, now in
            try sfu.publish(
                meeting: meeting,
                participant: participant,
                offer: offerSDP,
                allowedSources: allowedSources,
                sourceByMid: sourceByMid,
                now: now
            )
        }
    }

    /// Opens a participant's subscribe connection and returns the SFU's offer.
    public func subscribe(meeting: String, participant: String) async throws -> String {
        try await withSFU { sfu, now in try sfu.subscribe(meeting: meeting, participant: participant, now: now) }
    }

    /// Applies the participant's answer to the last subscribe offer.
    public func applySubscribeAnswer(meeting: String, participant: String, answerSDP: String) async throws {
        try await withSFU { sfu, now in try sfu.applySubscribeAnswer(meeting: meeting, participant: participant, answer: answerSDP, now: now) }
    }

    /// Pauses a producer, as when a host mutes it; false if there is none.
    @discardableResult
    public func pauseProducer(meeting: String, participant: String, source: TrackSource) async throws -> Bool {
        try await withSFU { sfu, _ in sfu.pauseProducer(meeting: meeting, participant: participant, source: source) }
    }

    @discardableResult
    public func resumeProducer(meeting: String, participant: String, source: TrackSource) async throws -> Bool {
        try await withSFU { sfu, now in sfu.resumeProducer(meeting: meeting, participant: participant, source: source, now: now) }
    }

    @discardableResult
    public func closeProducer(meeting: String, participant: String, source: TrackSource) async throws -> Bool {
        try await withSFU { sfu, _ in sfu.closeProducer(meeting: meeting, participant: participant, source: source) }
    }

    /// Closes both of a participant's peer connections at once.
    public func removeParticipant(meeting: String, participant: String) async throws {
        try await withSFU { sfu, now in sfu.removeParticipant(meeting: meeting, participant: participant, now: now) }
    }

    public func closeMeeting(_ meeting: String) async throws {
        try await withSFU { sfu, now in sfu.closeMeeting(meeting, now: now) }
    }

    /// The SFU's counters now, with the datagrams the driver itself dropped.
    public func metrics() async throws -> SFUMetrics {
        let engine = self.engine
        return try await channel.eventLoop.submit { engine.value.metrics }.get()
    }
}

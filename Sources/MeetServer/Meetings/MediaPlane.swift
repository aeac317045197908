import MeetMedia

/// What the meeting hub asks of the SFU: the calls of `MediaServer` in MeetMedia, as a protocol so
/// the hub can be built without a UDP socket (HTTP-only unit tests). Participants are seat ids.
protocol MediaPlane: Sendable {
    /// Answers a publish offer; sections whose source is not allowed are refused in the answer.
    func publish(
        meeting: String,
        participant: String,
        offerSDP: String,
        allowedSources: Set<TrackSource>,
        sourceByMid: [String: TrackSource]
    ) async throws -> String
    /// Opens (or reopens) a participant's subscribe connection and returns the SFU's first offer.
    func subscribe(meeting: String, participant: String) async throws -> String
    func applySubscribeAnswer(meeting: String, participant: String, answerSDP: String) async throws
    @discardableResult func pauseProducer(meeting: String, participant: String, source: TrackSource) async throws -> Bool
    @discardableResult func resumeProducer(meeting: String, participant: String, source: TrackSource) async throws -> Bool
    @discardableResult func closeProducer(meeting: String, participant: String, source: TrackSource) async throws -> Bool
    /// Closes both of the participant's peer connections at once.
    func removeParticipant(meeting: String, participant: String) async throws
    func closeMeeting(_ meeting: String) async throws
}

/// A track the browser announces with its publish offer.
struct PublishedTrack: Sendable, Equatable {
    let mid: String
    let source: TrackSource
}

import Foundation
import Logging
import MeetCore
import MeetMedia

/// The hub's side of the SFU: it answers publish and subscribe requests for seats in the meeting,
/// numbers the SFU's renegotiation offers, and after every change of the meeting state hands the
/// SFU what each participant may send (`MeetingRoom.mediaGrants`), so a host's mute, a refused
/// screen share or a removal is enforced where the packets flow.
extension MeetingHub {
    /// Per meeting: the grants the SFU was last given and the number of each seat's latest subscribe offer.
    struct MediaRoom {
        var applied: [UUID: MediaGrant] = [:]
        var subscribeVersions: [UUID: Int] = [:]
    }

    /// Answers a seat's publish offer. A screen track is accepted only while the state machine has
    /// the seat sharing; audio and camera producers start paused unless the state lets them through.
    func publish(meetingID: String, seat: UUID, offerSDP: String, tracks: [PublishedTrack]) async throws -> String {
        let grant = try currentGrant(meetingID: meetingID, seat: seat)
        let plane = try requireMedia()
        guard let person = rooms[meetingID]?.room.participant(seat) else { throw MeetError(.notFound, "You are not in this meeting.") }
        if tracks.contains(where: { $0.source == .screen || $0.source == .screenAudio }) && !grant.screen {
            throw MeetError(.forbidden, "Start sharing your screen first (start_screen_share); the meeting decides who may share.")
        }
        let role = Role.meeting(person.role)
        var allowed: Set<TrackSource> = []
        if PermissionTable.allows(role, .meetingPublishAudio) { allowed.insert(.microphone) }
        if PermissionTable.allows(role, .meetingPublishVideo) { allowed.insert(.camera) }
        if grant.screen { allowed.formUnion([.screen, .screenAudio]) }
        let allowedSources = allowed
        let sourceByMid = Dictionary(tracks.map { ($0.mid, $0.source) }, uniquingKeysWith: { first, _ in first })
        let participant = seat.uuidString
        return try await inMediaOrder(meetingID) {
            let answer = try await plane.publish(
                meeting: meetingID,
                participant: participant,
                offerSDP: offerSDP,
                allowedSources: allowedSources,
                sourceByMid: sourceByMid
            )
            // New producers obey the grant in force now (a muted person's audio stays paused).
            let now = await self.mediaRooms[meetingID]?.applied[seat] ?? grant
            for (source, flowing) in [(TrackSource.microphone, now.audio), (.camera, now.camera)] where !flowing {
                try await plane.pauseProducer(meeting: meetingID, participant: participant, source: source)
            }
            return answer
        }
    }

    /// Opens the seat's subscribe connection; the answer carries the first offer, numbered 1.
    func subscribe(meetingID: String, seat: UUID) async throws -> (sdp: String, version: Int) {
        _ = try currentGrant(meetingID: meetingID, seat: seat)
        let plane = try requireMedia()
        let offer = try await inMediaOrder(meetingID) {
            try await plane.subscribe(meeting: meetingID, participant: seat.uuidString)
        }
        mediaRooms[meetingID, default: MediaRoom()].subscribeVersions[seat] = 1
        return (offer, 1)
    }

    /// Applies the seat's answer to the offer it was last sent; an answer to an older offer is a conflict.
    func answerSubscription(meetingID: String, seat: UUID, version: Int, answerSDP: String) async throws {
        _ = try currentGrant(meetingID: meetingID, seat: seat)
        let plane = try requireMedia()
        guard let current = mediaRooms[meetingID]?.subscribeVersions[seat] else {
            throw MeetError(.conflict, "Subscribe first (subscribe).")
        }
        guard version == current else {
            throw MeetError(.conflict, "That answer is for offer \(version); the latest offer is \(current).")
        }
        try await inMediaOrder(meetingID) {
            try await plane.applySubscribeAnswer(meeting: meetingID, participant: seat.uuidString, answerSDP: answerSDP)
        }
    }

    /// What the SFU reports: renegotiation offers go to the subscriber, connection changes to the participant.
    func mediaEvent(_ event: SFUEvent) {
        switch event {
        case .subscribeOfferNeeded(let meetingID, let participant, let offer):
            guard let seat = UUID(uuidString: participant), var media = mediaRooms[meetingID], let version = media.subscribeVersions[seat] else {
                return
            }
            media.subscribeVersions[seat] = version + 1
            mediaRooms[meetingID] = media
            rooms[meetingID]?.connections[seat]?
                .send(.message(["type": "event", "event": "subscribe_offer", "version": version + 1, "sdp": offer]))
        case .connected(let meetingID, let participant, let role):
            guard let seat = UUID(uuidString: participant) else { return }
            rooms[meetingID]?.connections[seat]?.send(.message(["type": "event", "event": "media_connected", "connection": role.rawValue]))
        case .closed(let meetingID, let participant, let role, let reason):
            // The router's own closes follow what the hub asked for (a removal, the end, or a newer
            // publish/subscribe replacing the connection): the participant learns of those otherwise,
            // and a late event about a replaced connection must not touch its successor. The offer
            // numbering is left alone: a new `subscribe` starts it again at 1.
            guard let seat = UUID(uuidString: participant), reason != .closedByRouter else { return }
            rooms[meetingID]?.connections[seat]?
                .send(.message(["type": "event", "event": "media_closed", "connection": role.rawValue, "reason": Self.name(of: reason)]))
        }
    }

    /// Hands the SFU the difference between what it was last told and what the room allows now.
    /// Called after every change of a room; the calls run in the order of the changes.
    func syncMedia(_ meetingID: String) {
        guard let plane = mediaPlane else { return }
        let grants = rooms[meetingID]?.room.mediaGrants ?? [:]
        var state = mediaRooms[meetingID] ?? MediaRoom()
        let before = state.applied
        guard before != grants || rooms[meetingID] == nil else { return }
        state.applied = grants
        for seat in before.keys where grants[seat] == nil { state.subscribeVersions[seat] = nil }
        let ended = rooms[meetingID] == nil
        mediaRooms[meetingID] = ended ? nil : state
        if ended && before.isEmpty { return }
        let logger = logger
        enqueueMedia(meetingID) {
            // Each call stands alone: one the SFU refuses must not skip the others (a removal above all).
            func attempt(_ body: () async throws -> Void) async {
                do {
                    try await body()
                } catch {
                    logger.error("The SFU refused a change of the meeting state", metadata: ["event": "media.sync_failed", "error": "\(error)"])
                }
            }
            if ended {
                await attempt { try await plane.closeMeeting(meetingID) }
                return
            }
            for (seat, old) in before {
                let participant = seat.uuidString
                guard let new = grants[seat] else {
                    await attempt { try await plane.removeParticipant(meeting: meetingID, participant: participant) }
                    continue
                }
                for (source, was, now) in [(TrackSource.microphone, old.audio, new.audio), (.camera, old.camera, new.camera)] where was != now {
                    await attempt {
                        if now {
                            try await plane.resumeProducer(meeting: meetingID, participant: participant, source: source)
                        } else {
                            try await plane.pauseProducer(meeting: meetingID, participant: participant, source: source)
                        }
                    }
                }
                if old.screen && !new.screen {
                    for source in [TrackSource.screen, .screenAudio] {
                        await attempt { try await plane.closeProducer(meeting: meetingID, participant: participant, source: source) }
                    }
                }
            }
        }
    }

    // MARK: Helpers

    /// The `reason` of a `media_closed` event.
    static func name(of reason: PeerCloseReason) -> String {
        switch reason {
        case .consentTimeout: "consentTimeout"
        case .dtlsFailure: "dtlsFailure"
        case .closedByRouter: "closedByRouter"
        case .closedByPeer: "closedByPeer"
        }
    }

    private func requireMedia() throws -> any MediaPlane {
        guard let mediaPlane else { throw MeetError(.conflict, "This server has no media (SFU) configured.") }
        return mediaPlane
    }

    private func currentGrant(meetingID: String, seat: UUID) throws -> MediaGrant {
        guard let room = rooms[meetingID]?.room, let grant = room.mediaGrants[seat] else {
            throw MeetError(.forbidden, "Only people in the meeting send or receive media.")
        }
        return grant
    }

    /// Runs `body` after every SFU call queued before it for this meeting, and returns its result.
    private func inMediaOrder<T: Sendable>(_ meetingID: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let previous = mediaChains[meetingID]
        let task = Task<Result<T, any Error>, Never> {
            await previous?.value
            do { return .success(try await body()) } catch { return .failure(error) }
        }
        mediaChains[meetingID] = Task { _ = await task.value }
        return try await task.value.get()
    }

    /// Queues `body` after every SFU call queued before it for this meeting.
    private func enqueueMedia(_ meetingID: String, _ body: @escaping @Sendable () async -> Void) {
        let previous = mediaChains[meetingID]
        mediaChains[meetingID] = Task {
            await previous?.value
            await body()
        }
    }
}

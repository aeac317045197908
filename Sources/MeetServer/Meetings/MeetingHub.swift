import Foundation
import Logging
import MeetCore
import MeetCrypto
import Metrics

/// The live meetings of this server: each room's state machine, the connections seated in it, and
/// the durable part of its state written through to the database (in order, before a command is
/// acknowledged). Every join and command goes through `MeetingRoom`, nothing else decides.
actor MeetingHub {
    /// How a seat's messages reach its WebSocket.
    struct Connection: Sendable {
        let id: UUID
        let send: @Sendable (SignalingOutbound) -> Void
        /// The session behind a signed-in participant, revalidated while connected.
        let sessionID: UUID?
        let userID: UUID?
    }

    struct LiveRoom {
        var room: MeetingRoom
        var record: MeetingRecord
        var connections: [UUID: Connection] = [:]
        var resumeHashes: [UUID: [UInt8]] = [:]
        var disconnectedSince: [UUID: Date] = [:]
        /// Connections of seats that just left the room (removed, denied, replaced) and must still be told.
        var departed: [UUID: Connection] = [:]
        /// The newest ``MeetingHub/heldPerSeat`` E2EE key messages (opaque to the server) sent to
        /// each seat, sent again after its next resume: a connection can die unnoticed (until the
        /// ping timeout) or be gone, and a browser that missed a rekey could not decrypt anyone
        /// until the next one. Browsers ignore keys and ratchets they already have.
        var heldForResume: [UUID: [SignalingOutbound]] = [:]
        var saved: DurableRoomState
        /// Saves run one after another so the database never goes back to an older state.
        var lastSave: Task<Void, any Error>?
        /// Test hook only: per seat, the key it announced and the one stored in its place.
        var substitutedKeys: [UUID: (announced: E2EEPublicKey, stored: E2EEPublicKey)] = [:]
    }

    let repository: any MeetingRepository
    let organizations: any OrganizationRepository
    /// Where chat messages are kept (encrypted) before they are shown; nil keeps no chat.
    let chat: (any ChatArchive)?
    /// How participants reach the SFU; nil leaves `meeting.media` out (no media on this server).
    let media: MediaSettings?
    /// Test only (`DIGITALMEET_TEST_SUBSTITUTE_E2EE_KEY`): the display name whose announced E2EE key
    /// is replaced, as a malicious server would (MeetingHub+E2EE.swift). nil in production.
    let substituteE2EEKeyOf: String?
    let logger: Logger
    let now: @Sendable () -> Date
    static let resumeWindow: TimeInterval = 30
    /// Internal (not private) for the media extension in MeetingHub+Media.swift.
    var rooms: [String: LiveRoom] = [:]
    /// The SFU; nil when the server runs without media (unit tests of the HTTP side).
    let mediaPlane: (any MediaPlane)?
    var mediaRooms: [String: MediaRoom] = [:]
    /// Per meeting, the last queued SFU call: calls run in the order the room changed.
    var mediaChains: [String: Task<Void, Never>] = [:]

    init(
        repository: any MeetingRepository,
        organizations: any OrganizationRepository,
        chat: (any ChatArchive)? = nil,
        media: MediaSettings? = nil,
        mediaPlane: (any MediaPlane)? = nil,
        substituteE2EEKeyOf: String? = nil,
        logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.repository = repository
        self.organizations = organizations
        self.chat = chat
        self.media = media
        self.mediaPlane = mediaPlane
        self.substituteE2EEKeyOf = substituteE2EEKeyOf
        self.logger = logger
        self.now = now
    }

    // MARK: Rooms

    /// The live room of a meeting, loaded from its record (seats from before a restart wait 30 s for `resume`).
    func room(_ record: MeetingRecord) -> MeetingRoom {
        if let live = rooms[record.id] { return live.room }
        let live = Self.load(record, now: now())
        rooms[record.id] = live
        for seat in live.disconnectedSince.keys { scheduleExpiry(meetingID: record.id, seat: seat) }
        return live.room
    }

    static func load(_ record: MeetingRecord, now: Date) -> LiveRoom {
        let state = record.state
        var removed: [ParticipantIdentity: Bool] = [:]
        for removal in state.removals { removed[removal.identity] = removal.mayRejoin }
        let room = MeetingRoom(
            meetingID: record.id,
            organizationID: record.organizationID,
            title: record.title,
            settings: record.settings,
            hostIdentity: state.hostIdentity ?? .member(record.hostUserID),
            coHostIdentities: Set(state.coHosts),
            locked: state.locked,
            ended: record.endedAt != nil,
            participants: state.seats.map(\.participant),
            removedIdentities: removed,
            removedTickets: Set(state.removedTickets)
        )
        var live = LiveRoom(room: room, record: record, saved: state)
        for seat in state.seats {
            live.resumeHashes[seat.participant.id] = seat.resumeTokenHash
            live.disconnectedSince[seat.participant.id] = now
        }
        return live
    }

    /// Settings, title or passcode changed over HTTPS: the live room follows.
    func recordChanged(_ record: MeetingRecord, by seatlessActor: UUID?) {
        guard var live = rooms[record.id] else { return }
        live.record = record
        live.room.title = record.title
        var settings = record.settings
        // `MeetingService` refuses this change while anyone is seated; should one have joined during
        // the save, the room keeps its encryption until it is empty (`join` catches up).
        if !live.room.participants.isEmpty { settings.e2ee = live.room.settings.e2ee }
        let changed = live.room.settings != settings
        live.room.settings = settings
        rooms[record.id] = live
        if changed { deliver([MeetingDelivery(.inMeeting, .settingsChanged(settings, by: seatlessActor ?? UUID()))], in: record.id) }
    }

    /// Whether a join would be accepted now, by the same rules the join itself applies.
    func admissionCheck(_ record: MeetingRecord, request: MeetingRoom.JoinRequest) throws {
        var copy = room(record)
        _ = try copy.join(request)
    }

    // MARK: Joining

    struct Seated: Sendable {
        let seat: UUID
        /// The account in the seat, if it is not a guest's.
        var userID: UUID? = nil
        let status: Participant.Status
        let resumeToken: SecureToken
        let snapshot: SignalingOutbound.MeetingSnapshot?
        let title: String
        /// Sent right after the answer to a resume: the seat's latest key messages, which it may have missed.
        var held: [SignalingOutbound] = []
    }

    /// Key messages kept per seat for a resume; a rekey sends one, so this covers many.
    static let heldPerSeat = 16

    func join(_ record: MeetingRecord, ticket: JoinTicket, connection: Connection) async throws -> Seated {
        _ = room(record)
        guard var live = rooms[record.id] else { throw MeetError(.notFound, "There is no such meeting.") }
        // An empty room takes up an encryption setting it held back while occupied (`recordChanged`).
        if live.room.participants.isEmpty { live.room.settings.e2ee = live.record.settings.e2ee }
        let request = MeetingRoom.JoinRequest(
            identity: ticket.identity,
            ticketID: ticket.id,
            displayName: ticket.displayName,
            signedIn: ticket.signedIn,
            organizationMember: ticket.organizationMember,
            invited: false,
            at: now()
        )
        let deliveries = try live.room.join(request)
        let token = SecureToken()
        live.connections[request.seat] = connection
        live.resumeHashes[request.seat] = token.hash
        for delivery in deliveries {
            if case .participantLeft(let old, .replaced) = delivery.event { live.forget(old, keepConnection: true) }
        }
        rooms[record.id] = live
        // The joiner's answer carries its own status; everything else (a moderator's waiting list) is delivered.
        let others = deliveries.filter { delivery in
            switch delivery.event {
            case .admitted(let seat), .waitingForHost(let seat, _): seat != request.seat
            default: true
            }
        }
        deliver(others, in: record.id)
        closeSeats(others, in: record.id)
        try await persist(record.id, audit: [])
        syncMedia(record.id)
        Gauge(label: "digitalmeet_meeting_participants").record(rooms.values.reduce(0) { $0 + $1.connections.count })
        let status = live.room.participant(request.seat)?.status ?? .waiting
        return Seated(
            seat: request.seat,
            status: status,
            resumeToken: token,
            snapshot: status == .inMeeting ? snapshot(of: live.room, for: request.seat) : nil,
            title: live.room.title
        )
    }

    /// Takes a kept seat back with its resume token (`<meeting id>.<secret>`); the token is replaced.
    /// After a restart the room is loaded from the database first, with its kept seats.
    func resume(
        meetingID requested: String,
        tokenHash: [UInt8],
        connection: Connection,
        holds: @Sendable (ParticipantIdentity) -> Bool
    ) async throws -> (meetingID: String, seated: Seated) {
        if rooms[requested] == nil, let record = try await repository.meeting(id: requested), record.endedAt == nil {
            _ = room(record)
        }
        for (meetingID, live) in rooms where meetingID == requested {
            guard let seat = live.resumeHashes.first(where: { ConstantTime.equal($0.value, tokenHash) })?.key,
                let participant = live.room.participant(seat)
            else { continue }
            if let since = live.disconnectedSince[seat], now().timeIntervalSince(since) > Self.resumeWindow { break }
            // Like a ticket, a resume token only works for the account or guest whose seat it is.
            guard holds(participant.identity) else { break }
            let token = SecureToken()
            var updated = live
            let userID: UUID? = if case .member(let user) = participant.identity { user } else { nil }
            updated.connections[seat] = Connection(id: connection.id, send: connection.send, sessionID: connection.sessionID, userID: userID)
            updated.disconnectedSince[seat] = nil
            updated.resumeHashes[seat] = token.hash
            let held = updated.heldForResume.removeValue(forKey: seat) ?? []
            rooms[meetingID] = updated
            do {
                try await persist(meetingID, audit: [])
            } catch {
                // Not handed over: kept for the next attempt.
                rooms[meetingID]?.heldForResume[seat] = Array((held + (rooms[meetingID]?.heldForResume[seat] ?? [])).suffix(Self.heldPerSeat))
                throw error
            }
            let status = participant.status
            let seated = Seated(
                seat: seat,
                userID: userID,
                status: status,
                resumeToken: token,
                snapshot: status == .inMeeting ? snapshot(of: updated.room, for: seat) : nil,
                title: updated.room.title,
                held: held
            )
            return (meetingID, seated)
        }
        throw MeetError(.expired, "That place in the meeting is no longer kept; join again.")
    }

    /// A connection went away: the seat is kept for `resumeWindow`, then given up.
    func disconnected(meetingID: String, seat: UUID, connection: UUID) {
        guard var live = rooms[meetingID], live.connections[seat]?.id == connection else { return }
        live.connections[seat] = nil
        live.disconnectedSince[seat] = now()
        rooms[meetingID] = live
        scheduleExpiry(meetingID: meetingID, seat: seat)
    }

    private func scheduleExpiry(meetingID: String, seat: UUID) {
        Task { [weak self] in
            try? await Task.sleep(for: .seconds(Self.resumeWindow + 0.5))
            await self?.expire(meetingID: meetingID, seat: seat)
        }
    }

    func expire(meetingID: String, seat: UUID) async {
        guard let live = rooms[meetingID], let since = live.disconnectedSince[seat], now().timeIntervalSince(since) >= Self.resumeWindow else {
            return
        }
        _ = try? await perform(.leave, meetingID: meetingID, seat: seat, actorUserID: nil)
    }

    // MARK: Commands

    /// Applies a command; the deliveries go out, the durable state and any audit entry are saved, then it returns.
    func perform(_ command: MeetingRoom.Command, meetingID: String, seat: UUID, actorUserID: UUID?) async throws {
        guard var live = rooms[meetingID] else { throw MeetError(.notFound, "There is no such meeting.") }
        let floor = try await organizations.organization(id: live.record.organizationID)?.meetings ?? .standard
        let effective = substitutingE2EEKey(in: command, meetingID: meetingID, seat: seat)
        guard let current = rooms[meetingID] else { throw MeetError(.notFound, "There is no such meeting.") }
        live = current
        let before = live.room
        let deliveries = try live.room.perform(effective, by: seat, floor: floor)
        for delivery in deliveries {
            switch delivery.event {
            case .participantLeft(let gone, _), .removed(let gone, _), .denied(let gone): live.forget(gone, keepConnection: true)
            default: break
            }
        }
        if command == .leave { live.forget(seat, keepConnection: true) }
        rooms[meetingID] = live
        // Archived first: a message the meeting saw is one the archive has (chat changes no room state).
        try await archiveChat(deliveries, meetingID: meetingID, organizationID: live.record.organizationID)
        deliver(deliveries, in: meetingID)
        closeSeats(deliveries, in: meetingID)
        var audit: [AuditEvent] = []
        if let action = command.auditAction, !deliveries.isEmpty {
            audit.append(
                .now(
                    action,
                    organizationID: live.record.organizationID,
                    actorID: actorUserID,
                    target: AuditTarget(type: "meeting", id: meetingID),
                    details: Self.auditDetails(command, before: before),
                    at: now()
                )
            )
        }
        try await persist(meetingID, audit: audit)
        if rooms[meetingID]?.room.ended == true { rooms[meetingID] = nil }
        syncMedia(meetingID)
    }

    /// Ends a meeting from outside (the host over HTTPS).
    func end(_ record: MeetingRecord, byUser userID: UUID) async throws {
        _ = room(record)
        guard var live = rooms[record.id] else { return }
        live.room.ended = true
        let seats = live.room.participants.map(\.id)
        // The host's own seat when they are in the meeting; otherwise nobody in it ended it.
        let by = live.room.participants.first { $0.identity == .member(userID) && $0.status == .inMeeting }?.id
        rooms[record.id] = live
        let deliveries = seats.map { MeetingDelivery(.seat($0), .ended(by: by)) }
        deliver(deliveries, in: record.id)
        closeSeats(deliveries, in: record.id)
        rooms[record.id] = nil
        syncMedia(record.id)
    }

    /// Closes the sockets of a user whose session ended or account was disabled (their seats are given up).
    func signOut(userID: UUID) async {
        for (meetingID, live) in rooms {
            for (seat, connection) in live.connections where connection.userID == userID {
                connection.send(.message(["type": "event", "event": "session_ended"]))
                connection.send(.close(code: 4401, reason: "Your session ended."))
                _ = try? await perform(.leave, meetingID: meetingID, seat: seat, actorUserID: userID)
            }
        }
    }

    func isConnected(userID: UUID, sessionID: UUID) -> Bool {
        rooms.values.contains { $0.connections.values.contains { $0.userID == userID && $0.sessionID == sessionID } }
    }

    // MARK: Delivery

    private func deliver(_ deliveries: [MeetingDelivery], in meetingID: String) {
        guard var live = rooms[meetingID] else { return }
        defer { rooms[meetingID]?.heldForResume = live.heldForResume }
        for delivery in deliveries {
            let message = SignalingOutbound.event(delivery.event, room: live.room, media: mediaAccess)
            if case .ended = delivery.event, delivery.audience == .inMeeting {
                // The room is already empty: everyone still connected is told.
                for connection in live.connections.values { connection.send(message) }
                continue
            }
            let seats: [UUID] =
                switch delivery.audience {
                case .inMeeting: live.room.inMeeting.map(\.id)
                case .moderators: live.room.inMeeting.filter(\.isModerator).map(\.id)
                case .seat(let seat): [seat]
                case .inMeetingExcept(let seat): live.room.inMeeting.map(\.id).filter { $0 != seat }
                }
            for seat in seats {
                live.connections[seat]?.send(message)
                if delivery.event.isE2EEKeyMaterial {
                    live.heldForResume[seat, default: []].append(message)
                    if live.heldForResume[seat, default: []].count > Self.heldPerSeat { live.heldForResume[seat]?.removeFirst() }
                }
            }
            // A removed or denied person is no longer in the room, but is still told.
            if case .seat(let seat) = delivery.audience, live.room.participant(seat) == nil { live.departed[seat]?.send(message) }
        }
    }

    private func closeSeats(_ deliveries: [MeetingDelivery], in meetingID: String) {
        guard var live = rooms[meetingID] else { return }
        for delivery in deliveries {
            switch delivery.event {
            case .removed(let seat, _): live.departed[seat]?.send(.close(code: 4403, reason: "A host removed you from the meeting."))
            case .denied(let seat): live.departed[seat]?.send(.close(code: 4403, reason: "A host did not let you in."))
            case .ended(_):
                if case .seat(let seat) = delivery.audience { live.departed[seat]?.send(.close(code: 4410, reason: "The meeting has ended.")) }
                for connection in live.connections.values { connection.send(.close(code: 4410, reason: "The meeting has ended.")) }
            case .participantLeft(let seat, .replaced):
                live.departed[seat]?.send(.close(code: 4409, reason: "You joined this meeting from another window."))
            default: break
            }
        }
        live.departed = [:]
        rooms[meetingID] = live
    }

    func snapshot(of room: MeetingRoom, for seat: UUID) -> SignalingOutbound.MeetingSnapshot {
        SignalingOutbound.MeetingSnapshot(
            title: room.title,
            settings: room.settings,
            locked: room.locked,
            recording: room.recording,
            you: seat,
            participants: room.inMeeting.map(SignalingOutbound.ParticipantView.init),
            media: mediaAccess(seat)
        )
    }

    /// A seat's way to the SFU, with a TURN credential made now (the seat id is the TURN user name).
    func mediaAccess(_ seat: UUID) -> MediaAccess? {
        media?.access(for: seat, now: now())
    }

    // MARK: Persistence

    private func persist(_ meetingID: String, audit: [AuditEvent]) async throws {
        guard var live = rooms[meetingID] else { return }
        let state = live.durableState
        guard state != live.saved || !audit.isEmpty || live.room.ended else { return }
        live.saved = state
        let previous = live.lastSave
        let endedAt = live.room.ended ? now() : nil
        let repository = repository
        let save = Task {
            _ = try? await previous?.value
            try await repository.saveState(meetingID: meetingID, state: state, endedAt: endedAt, audit: audit)
        }
        live.lastSave = save
        rooms[meetingID] = live
        try await save.value
    }

    static func auditDetails(_ command: MeetingRoom.Command, before: MeetingRoom) -> [String: String] {
        func name(_ seat: UUID) -> String { before.participant(seat)?.displayName ?? "?" }
        switch command {
        case .admit(let seat), .deny(let seat), .makeCoHost(let seat), .removeCoHost(let seat), .transferHost(let seat):
            return ["name": name(seat), "reason": "\(command)".components(separatedBy: "(").first ?? ""]
        case .remove(let seat, let allowRejoin): return ["name": name(seat), "reason": allowRejoin ? "may rejoin" : "may not rejoin"]
        case .admitAll: return ["count": "\(before.waiting.count)"]
        case .setScreenSharing(let rule): return ["changes": "whoMayShareScreen: \(before.settings.whoMayShareScreen.rawValue)→\(rule.rawValue)"]
        default: return [:]
        }
    }
}

extension MeetingHub.LiveRoom {
    /// The durable projection: media flags and hands are not kept; who is where is.
    var durableState: DurableRoomState {
        DurableRoomState(
            hostIdentity: room.hostIdentity,
            coHosts: room.coHostIdentities.sorted { "\($0)" < "\($1)" },
            locked: room.locked,
            removals: room.removedIdentities.map { DurableRoomState.Removal(identity: $0.key, mayRejoin: $0.value) }
                .sorted { "\($0.identity)" < "\($1.identity)" },
            removedTickets: room.removedTickets.sorted { $0.uuidString < $1.uuidString },
            seats: room.participants.map { participant in
                var kept = participant
                kept.audioMuted = true
                kept.videoOn = false
                kept.sharingScreen = false
                kept.handRaised = false
                return DurableRoomState.Seat(participant: kept, resumeTokenHash: resumeHashes[participant.id] ?? [])
            }
        )
    }

    /// Drops a seat's connection bookkeeping; with `keepConnection`, its socket is still told what happened.
    mutating func forget(_ seat: UUID, keepConnection: Bool = false) {
        if keepConnection, let connection = connections[seat] { departed[seat] = connection }
        connections[seat] = nil
        resumeHashes[seat] = nil
        disconnectedSince[seat] = nil
        heldForResume[seat] = nil
    }
}

extension MeetingEvent {
    /// A wrapped meeting secret or a ratchet notice: what a browser needs to keep decrypting.
    var isE2EEKeyMaterial: Bool {
        switch self {
        case .e2eeKey, .e2eeRatchet: true
        default: false
        }
    }
}

import Foundation

/// Who someone is across joins: an account, or a guest identity issued with a guest's join ticket.
public enum ParticipantIdentity: Hashable, Sendable, Codable {
    case member(UUID)
    case guest(UUID)
}

/// One person's place in a meeting (a "seat"): created when they join, kept while they wait or take part.
public struct Participant: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable {
        /// In the waiting room: sees nothing of the meeting but its title.
        case waiting
        case inMeeting = "in_meeting"
    }

    public let id: UUID
    public let identity: ParticipantIdentity
    /// The single-use join ticket this seat came from; a removal blocks it too.
    public let ticketID: UUID
    public var displayName: String
    public var role: MeetingRole
    public var status: Status
    public var audioMuted: Bool
    public var videoOn: Bool
    public var sharingScreen: Bool
    public var handRaised: Bool
    /// Whether this person has agreed to the recording in progress.
    public var recordingConsent: Bool
    public let joinedAt: Date
    /// In an end-to-end encrypted meeting, the key this seat announced (once) and its order.
    public var e2ee: E2EEIdentity? = nil

    public var isModerator: Bool { role == .host || role == .coHost }
}

/// The state of one meeting, as the server holds it, and the rules every join and every host or
/// participant action goes through (`MeetingRoom+Commands.swift`). Pure: no clock, no I/O.
public struct MeetingRoom: Sendable, Equatable {
    public let meetingID: String
    public let organizationID: UUID
    public var title: String
    public var settings: MeetingSettings
    /// The account that hosts the meeting; hosting moves with `transferHost`.
    public var hostIdentity: ParticipantIdentity
    public var coHostIdentities: Set<ParticipantIdentity>
    public var locked: Bool
    public var recording: Bool
    public var ended: Bool
    /// Seats in join order.
    public private(set) var participants: [Participant]
    /// Removed identities, and whether a host has since allowed them back.
    public var removedIdentities: [ParticipantIdentity: Bool]
    public var removedTickets: Set<UUID>
    /// The last `order` given to an announced E2EE key; orders only grow, so the longest present wins.
    public var e2eeLastOrder: Int

    public init(
        meetingID: String,
        organizationID: UUID,
        title: String,
        settings: MeetingSettings,
        hostIdentity: ParticipantIdentity,
        coHostIdentities: Set<ParticipantIdentity> = [],
        locked: Bool = false,
        recording: Bool = false,
        ended: Bool = false,
        participants: [Participant] = [],
        removedIdentities: [ParticipantIdentity: Bool] = [:],
        removedTickets: Set<UUID> = [],
        e2eeLastOrder: Int? = nil
    ) {
        self.meetingID = meetingID
        self.organizationID = organizationID
        self.title = title
        self.settings = settings
        self.hostIdentity = hostIdentity
        self.coHostIdentities = coHostIdentities
        self.locked = locked
        self.recording = recording
        self.ended = ended
        self.participants = participants
        self.removedIdentities = removedIdentities
        self.removedTickets = removedTickets
        // Seats kept over a restart keep their orders; new ones continue after the highest.
        self.e2eeLastOrder = e2eeLastOrder ?? participants.compactMap(\.e2ee?.order).max() ?? 0
    }

    public func participant(_ id: UUID) -> Participant? {
        participants.first { $0.id == id }
    }

    public var inMeeting: [Participant] { participants.filter { $0.status == .inMeeting } }
    public var waiting: [Participant] { participants.filter { $0.status == .waiting } }

    mutating func update(_ id: UUID, _ change: (inout Participant) -> Void) {
        guard let index = participants.firstIndex(where: { $0.id == id }) else { return }
        change(&participants[index])
    }

    mutating func insert(_ participant: Participant) {
        participants.append(participant)
    }

    mutating func remove(_ id: UUID) {
        participants.removeAll { $0.id == id }
    }

    mutating func removeAll() {
        participants.removeAll()
    }
}

/// What happened, for whom. The signaling layer turns each into a message to the named audience.
public struct MeetingDelivery: Sendable, Equatable {
    public enum Audience: Sendable, Equatable {
        /// Everyone in the meeting (not those waiting).
        case inMeeting
        /// Hosts and co-hosts in the meeting.
        case moderators
        /// One seat (in the meeting or waiting).
        case seat(UUID)
        /// Everyone in the meeting but this seat.
        case inMeetingExcept(UUID)
    }

    public let audience: Audience
    public let event: MeetingEvent

    public init(_ audience: Audience, _ event: MeetingEvent) {
        self.audience = audience
        self.event = event
    }
}

/// The events of a meeting.
public enum MeetingEvent: Sendable, Equatable {
    /// To the joiner: they are in (with the current participants), or waiting.
    case admitted(seat: UUID)
    case waitingForHost(seat: UUID, title: String)
    case denied(seat: UUID)
    case participantJoined(Participant)
    case participantLeft(seat: UUID, reason: LeaveReason)
    case participantChanged(Participant)
    case waitingListChanged([Participant])
    /// To the removed person.
    case removed(seat: UUID, mayRejoin: Bool)
    case mutedByHost(seat: UUID, by: UUID)
    case askedToUnmute(seat: UUID, by: UUID)
    case videoStoppedByHost(seat: UUID, by: UUID)
    case screenShareStoppedByHost(seat: UUID, by: UUID)
    case lockChanged(locked: Bool, by: UUID)
    case recordingChanged(recording: Bool, by: UUID)
    case settingsChanged(MeetingSettings, by: UUID)
    case hostChanged(host: UUID?, coHosts: [UUID])
    case chat(from: UUID, name: String, text: String)
    /// An end-to-end encrypted chat message (E2EE meetings carry no `text`).
    case e2eeChat(from: UUID, name: String, message: E2EEChatMessage)
    /// A meeting secret wrapped for the delivery's one seat.
    case e2eeKey(from: UUID, epoch: E2EEEpoch, payload: E2EEKeyPayload)
    /// The sender ratcheted the meeting secret forward to `epoch`.
    case e2eeRatchet(from: UUID, epoch: E2EEEpoch)
    /// The meeting ended: `by` is the seat that ended it, nil when the host ended it from outside
    /// the meeting (over HTTPS, without a seat in it).
    case ended(by: UUID?)

    public enum LeaveReason: String, Sendable, Codable {
        case left
        case removed
        case denied
        case replaced = "joined_elsewhere"
        case ended
    }
}

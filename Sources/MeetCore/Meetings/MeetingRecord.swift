import Foundation

/// A meeting as stored: what it is, who hosts it, and the room state that must survive a restart.
public struct MeetingRecord: Sendable, Equatable {
    /// 128 random bits, base64url: the link.
    public var id: String
    /// Ten digits for typing; reaching a meeting by number always needs its passcode.
    public var number: String
    public var organizationID: UUID
    public var hostUserID: UUID
    public var title: String
    public var scheduledFor: Date?
    public var createdAt: Date
    /// The scrypt hash of the passcode, if it has one.
    public var passcodeHash: String?
    public var settings: MeetingSettings
    public var endedAt: Date?
    public var state: DurableRoomState

    public init(
        id: String,
        number: String,
        organizationID: UUID,
        hostUserID: UUID,
        title: String,
        scheduledFor: Date?,
        createdAt: Date,
        passcodeHash: String?,
        settings: MeetingSettings,
        endedAt: Date? = nil,
        state: DurableRoomState = DurableRoomState()
    ) {
        self.id = id
        self.number = number
        self.organizationID = organizationID
        self.hostUserID = hostUserID
        self.title = title
        self.scheduledFor = scheduledFor
        self.createdAt = createdAt
        self.passcodeHash = passcodeHash
        self.settings = settings
        self.endedAt = endedAt
        self.state = state
    }
}

/// The part of a live meeting that a restart must not lose: lock, hosts, removals and who waits.
public struct DurableRoomState: Sendable, Equatable, Codable {
    public struct Removal: Sendable, Equatable, Codable {
        public var identity: ParticipantIdentity
        public var mayRejoin: Bool
        public init(identity: ParticipantIdentity, mayRejoin: Bool) {
            self.identity = identity
            self.mayRejoin = mayRejoin
        }
    }

    /// A seat kept for `resume`: its participant and the hash of its resume token.
    public struct Seat: Sendable, Equatable, Codable {
        public var participant: Participant
        public var resumeTokenHash: [UInt8]
        public init(participant: Participant, resumeTokenHash: [UInt8]) {
            self.participant = participant
            self.resumeTokenHash = resumeTokenHash
        }
    }

    public var hostIdentity: ParticipantIdentity?
    public var coHosts: [ParticipantIdentity]
    public var locked: Bool
    public var removals: [Removal]
    public var removedTickets: [UUID]
    public var seats: [Seat]

    public init(
        hostIdentity: ParticipantIdentity? = nil,
        coHosts: [ParticipantIdentity] = [],
        locked: Bool = false,
        removals: [Removal] = [],
        removedTickets: [UUID] = [],
        seats: [Seat] = []
    ) {
        self.hostIdentity = hostIdentity
        self.coHosts = coHosts
        self.locked = locked
        self.removals = removals
        self.removedTickets = removedTickets
        self.seats = seats
    }
}

/// A single-use join ticket, stored as the SHA-256 of its token.
public struct JoinTicket: Sendable, Equatable {
    public var id: UUID
    public var meetingID: String
    public var identity: ParticipantIdentity
    public var displayName: String
    public var signedIn: Bool
    public var organizationMember: Bool
    /// The session that asked for it, so signaling can revalidate it.
    public var sessionID: UUID?
    public var expiresAt: Date

    public init(
        id: UUID,
        meetingID: String,
        identity: ParticipantIdentity,
        displayName: String,
        signedIn: Bool,
        organizationMember: Bool,
        sessionID: UUID?,
        expiresAt: Date
    ) {
        self.id = id
        self.meetingID = meetingID
        self.identity = identity
        self.displayName = displayName
        self.signedIn = signedIn
        self.organizationMember = organizationMember
        self.sessionID = sessionID
        self.expiresAt = expiresAt
    }
}

/// Storage for meetings, their durable room state and join tickets.
public protocol MeetingRepository: Sendable {
    /// Inserts a meeting; false when its id or number is taken (the caller draws new ones).
    func create(_ meeting: MeetingRecord, audit: [AuditEvent]) async throws -> Bool
    func meeting(id: String) async throws -> MeetingRecord?
    func meeting(number: String) async throws -> MeetingRecord?
    /// Meetings this user hosts or co-hosts that have not ended.
    func meetings(hostedBy userID: UUID) async throws -> [MeetingRecord]
    func update(_ meeting: MeetingRecord, audit: [AuditEvent]) async throws
    func saveState(meetingID: String, state: DurableRoomState, endedAt: Date?, audit: [AuditEvent]) async throws
    func createTicket(_ ticket: JoinTicket, tokenHash: [UInt8]) async throws
    /// Marks the ticket used and returns it, if it exists, is unused and unexpired.
    func claimTicket(tokenHash: [UInt8], at: Date) async throws -> JoinTicket?
}

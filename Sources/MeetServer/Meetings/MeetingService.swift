import Foundation
import Logging
import MeetCore
import MeetCrypto
import Metrics

/// Meetings over HTTPS: creating and changing them (hosts), what a link shows, and join tickets
/// (passcode checked and throttled, admission pre-checked by the room's own rules).
struct MeetingService: Sendable {
    let repository: any MeetingRepository
    let organizations: any OrganizationRepository
    let identity: IdentityService
    let hub: MeetingHub
    /// Passcodes are short; a lighter scrypt than passwords keeps ticket requests cheap while the
    /// throttle, not the hash, is what stops guessing.
    let passcodeHasher: PasswordHasher
    let throttle: AttemptThrottle
    /// The encrypted chat archive, read back by hosts as a transcript.
    let chat: any ChatArchive
    let audit: any AuditRepository
    let logger: Logger
    static let ticketLifetime: TimeInterval = 60

    struct Draft: Sendable {
        var title: String
        var scheduledFor: Date?
        var passcode: String?
        var settings: MeetingSettings?
    }

    // MARK: Hosts

    func create(_ signedIn: SignedIn, _ draft: Draft) async throws -> (MeetingRecord, generatedPasscode: String?) {
        let user = signedIn.user
        try await identity.authorize(signedIn, organizationID: user.organizationID, .meetingsCreate)
        let policy = try await organizations.organization(id: user.organizationID)?.meetings ?? .standard
        let settings = try (draft.settings ?? MeetingSettings.defaults(for: policy)).validated(against: policy)
        let title = try Self.title(draft.title)
        var passcode = try draft.passcode.map(Self.passcode)
        var generated: String?
        if settings.passcodeRequired && passcode == nil {
            generated = Self.generatePasscode()
            passcode = generated
        }
        var hash: String?
        if let passcode { hash = try await passcodeHasher.hash(passcode) }
        for _ in 0..<5 {
            let now = identity.now()
            let record = MeetingRecord(
                id: Base64URL.encode(SecureToken().bytes.prefix(16)),
                number: Self.generateNumber(),
                organizationID: user.organizationID,
                hostUserID: user.id,
                title: title,
                scheduledFor: draft.scheduledFor,
                createdAt: now,
                passcodeHash: hash,
                settings: settings,
                state: DurableRoomState(hostIdentity: .member(user.id))
            )
            let audit = AuditEvent.now(
                .meetingCreated,
                organizationID: user.organizationID,
                actorID: user.id,
                target: AuditTarget(type: "meeting", id: record.id),
                at: now
            )
            if try await repository.create(record, audit: [audit]) { return (record, generated) }
        }
        throw MeetError(.busy, "Could not allocate a meeting number; try again.")
    }

    func hosted(_ signedIn: SignedIn) async throws -> [MeetingRecord] {
        try await repository.meetings(hostedBy: signedIn.user.id)
    }

    /// The meeting, if the caller hosts or co-hosts it; otherwise "not found".
    func managed(_ signedIn: SignedIn, id: String, hostOnly: Bool = false) async throws -> MeetingRecord {
        guard let record = try await repository.meeting(id: id), record.organizationID == signedIn.user.organizationID else {
            throw MeetError(.notFound, "There is no such meeting.")
        }
        let me = ParticipantIdentity.member(signedIn.user.id)
        let room = await hub.room(record)
        let isHost = room.hostIdentity == me
        guard isHost || (!hostOnly && room.coHostIdentities.contains(me)) else {
            throw MeetError(.notFound, "There is no such meeting.")
        }
        return record
    }

    func update(
        _ signedIn: SignedIn,
        id: String,
        title: String?,
        scheduledFor: Date??,
        passcode: String??,
        settings: MeetingSettings?
    ) async throws
        -> (MeetingRecord, generatedPasscode: String?)
    {
        var record = try await managed(signedIn, id: id, hostOnly: true)
        guard record.endedAt == nil else { throw MeetError(.meetingEnded, "This meeting has ended.") }
        let policy = try await organizations.organization(id: record.organizationID)?.meetings ?? .standard
        var changes: [String] = []
        if let title {
            record.title = try Self.title(title)
            changes.append("title")
        }
        if let scheduledFor {
            record.scheduledFor = scheduledFor
            changes.append("scheduledFor")
        }
        if let settings {
            let validated = try settings.validated(against: policy)
            try await hub.checkSettingsChange(record, to: validated)
            record.settings = validated
            changes.append("settings")
        }
        var generated: String?
        if let passcode {
            if let code = try passcode.map(Self.passcode) {
                record.passcodeHash = try await passcodeHasher.hash(code)
            } else {
                record.passcodeHash = nil
            }
            changes.append("passcode")
        }
        if record.settings.passcodeRequired && record.passcodeHash == nil {
            let code = Self.generatePasscode()
            generated = code
            record.passcodeHash = try await passcodeHasher.hash(code)
            changes.append("passcode")
        }
        let audit = AuditEvent.now(
            .meetingSettingsChanged,
            organizationID: record.organizationID,
            actorID: signedIn.user.id,
            target: AuditTarget(type: "meeting", id: record.id),
            details: ["changes": changes.joined(separator: ", ")],
            at: identity.now()
        )
        try await repository.update(record, audit: [audit])
        await hub.recordChanged(record, by: nil)
        return (record, generated)
    }

    /// A meeting's chat, for its owner, its host and its co-hosts (also after it ended), while the
    /// organisation's retention keeps it. Reading the first page is audited.
    func chatTranscript(_ signedIn: SignedIn, id: String, after: UUID?, limit: Int) async throws -> [ChatMessage] {
        guard let record = try await repository.meeting(id: id), record.organizationID == signedIn.user.organizationID else {
            throw MeetError(.notFound, "There is no such meeting.")
        }
        let me = ParticipantIdentity.member(signedIn.user.id)
        guard record.hostUserID == signedIn.user.id || record.state.hostIdentity == me || record.state.coHosts.contains(me) else {
            throw MeetError(.notFound, "There is no such meeting.")
        }
        let messages = try await chat.messages(meetingID: id, after: after, limit: limit)
        if after == nil {
            try await audit.append([
                .now(
                    .meetingChatRead,
                    organizationID: record.organizationID,
                    actorID: signedIn.user.id,
                    target: AuditTarget(type: "meeting", id: record.id),
                    details: ["count": "\(messages.count)"],
                    at: identity.now()
                )
            ])
        }
        return messages
    }

    func end(_ signedIn: SignedIn, id: String) async throws {
        var record = try await managed(signedIn, id: id, hostOnly: true)
        guard record.endedAt == nil else { return }
        record.endedAt = identity.now()
        try await hub.end(record, byUser: signedIn.user.id)
        try await repository.update(
            record,
            audit: [
                .now(
                    .meetingEnded,
                    organizationID: record.organizationID,
                    actorID: signedIn.user.id,
                    target: AuditTarget(type: "meeting", id: record.id),
                    at: identity.now()
                )
            ]
        )
    }

    // MARK: Joining

    struct Ticket: Sendable {
        let token: SecureToken
        let expiresAt: Date
    }

    /// A single-use ticket for the caller: a signed-in account, or a guest identity from the guest cookie.
    func ticket(
        for record: MeetingRecord,
        signedIn: SignedIn?,
        guest: UUID,
        displayName: String,
        passcode: String?,
        byNumber: Bool,
        client: ClientInfo
    ) async throws -> Ticket {
        let now = identity.now()
        guard record.endedAt == nil else { throw MeetError(.meetingEnded, "This meeting has ended.") }
        if record.passcodeHash != nil || byNumber {
            try await checkPasscode(record, passcode: passcode, signedIn: signedIn, client: client, now: now)
        }
        let user = signedIn?.user
        let identity: ParticipantIdentity = user.map { .member($0.id) } ?? .guest(guest)
        let member = user?.organizationID == record.organizationID
        let name = (user?.displayName ?? displayName).trimmingCharacters(in: .whitespacesAndNewlines)
        let ticket = JoinTicket(
            id: UUID(),
            meetingID: record.id,
            identity: identity,
            displayName: name,
            signedIn: user != nil,
            organizationMember: member,
            sessionID: signedIn?.session.id,
            expiresAt: now.addingTimeInterval(Self.ticketLifetime)
        )
        // The same rules the join will apply, so a removed, locked-out or refused person learns it now.
        try await hub.admissionCheck(
            record,
            request: MeetingRoom.JoinRequest(
                identity: identity,
                ticketID: ticket.id,
                displayName: name,
                signedIn: ticket.signedIn,
                organizationMember: member,
                invited: false,
                at: now
            )
        )
        let token = SecureToken()
        try await repository.createTicket(ticket, tokenHash: token.hash)
        return Ticket(token: token, expiresAt: ticket.expiresAt)
    }

    private func checkPasscode(_ record: MeetingRecord, passcode: String?, signedIn: SignedIn?, client: ClientInfo, now: Date) async throws {
        let key = client.throttleKey
        if let wait = throttle.retryAfter(scope: record.id, client: key, now: now) {
            throw APIError(
                .tooManyRequests,
                code: MeetError.Code.throttled.rawValue,
                message: "Too many wrong passcodes. Try again in \(max(1, wait / 60)) minute(s).",
                retryAfter: wait
            )
        }
        guard let passcode, !passcode.isEmpty else {
            throw MeetError(.invalidCredentials, "Enter the meeting's passcode.", field: "passcode")
        }
        let correct: Bool =
            if let hash = record.passcodeHash, passcode.utf8.count <= 64 { try await passcodeHasher.verify(passcode, against: hash) } else { false }
        guard correct else {
            throttle.record(scope: record.id, client: key, now: now)
            Counter(label: "digitalmeet_security_events_total", dimensions: [("kind", "passcode_failure")]).increment()
            try await identity.audit.append([
                .now(
                    .meetingPasscodeFailed,
                    .failure,
                    organizationID: record.organizationID,
                    actorID: signedIn?.user.id,
                    target: AuditTarget(type: "meeting", id: record.id),
                    at: now
                )
            ])
            logger.notice("Wrong meeting passcode", metadata: ["event": "meeting.passcode_failed", "meeting": "\(record.id)", "client": "\(key)"])
            throw MeetError(.invalidCredentials, "That passcode is not right.", field: "passcode")
        }
    }

    // MARK: Values

    static func title(_ text: String) throws -> String {
        let title = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...200).contains(title.count) else {
            throw MeetError(.invalidInput, "Give the meeting a title of 1 to 200 characters.", field: "title")
        }
        return title
    }

    static func passcode(_ text: String) throws -> String {
        let code = text.trimmingCharacters(in: .whitespaces)
        guard (4...32).contains(code.count), code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw MeetError(.invalidInput, "A passcode has 4 to 32 letters or digits.", field: "passcode")
        }
        return code
    }

    /// Eight digits from the system's cryptographic random source.
    static func generatePasscode() -> String {
        var random = SystemRandomNumberGenerator()
        return String((0..<8).map { _ in Character(String(Int.random(in: 0...9, using: &random))) })
    }

    /// Ten digits, not starting with 0.
    static func generateNumber() -> String {
        var random = SystemRandomNumberGenerator()
        return String(Int.random(in: 1...9, using: &random)) + String((0..<9).map { _ in Character(String(Int.random(in: 0...9, using: &random))) })
    }
}

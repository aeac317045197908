import Foundation
import MeetCore
import MeetTestSupport
import Testing

@testable import MeetStore

@Suite struct MeetingRepositoryTests {
    static func record(id: String = UUID().uuidString.prefix(22).description, number: String = "1234567890", host: UUID = UUID()) -> MeetingRecord {
        MeetingRecord(
            id: id,
            number: number,
            organizationID: UUID(),
            hostUserID: host,
            title: "Planning",
            scheduledFor: nil,
            createdAt: Date(),
            passcodeHash: nil,
            settings: .defaults(for: .standard),
            state: DurableRoomState(hostIdentity: .member(host))
        )
    }

    @Test(arguments: TestDatabase.all)
    func theRoomStateSurvivesAsSaved(database: TestDatabase) async throws {
        try await database.withStore { store, _ in
            let repository = FluentMeetingRepository(store: store)
            let meeting = Self.record()
            #expect(try await repository.create(meeting, audit: []))
            #expect(try await !repository.create(Self.record(id: meeting.id, number: "9999999999"), audit: []), "ids are unique")
            #expect(try await !repository.create(Self.record(number: meeting.number), audit: []), "numbers are unique")
            let removed = ParticipantIdentity.guest(UUID())
            let state = DurableRoomState(
                hostIdentity: .member(meeting.hostUserID),
                coHosts: [.member(UUID())],
                locked: true,
                removals: [.init(identity: removed, mayRejoin: false)],
                removedTickets: [UUID()],
                seats: []
            )
            try await repository.saveState(meetingID: meeting.id, state: state, endedAt: nil, audit: [])
            let loaded = try #require(try await repository.meeting(id: meeting.id))
            #expect(loaded.state == state)
            #expect(try await repository.meeting(number: meeting.number)?.id == meeting.id)
            #expect(try await repository.meetings(hostedBy: meeting.hostUserID).map(\.id) == [meeting.id])
            #expect(try await repository.meetings(hostedBy: state.coHosts[0].userID).map(\.id) == [meeting.id])
        }
    }

    @Test(arguments: TestDatabase.all)
    func aTicketWorksOnceAndNotAfterItExpires(database: TestDatabase) async throws {
        try await database.withStore { store, _ in
            let repository = FluentMeetingRepository(store: store)
            let now = Date()
            let ticket = JoinTicket(
                id: UUID(),
                meetingID: "m",
                identity: .guest(UUID()),
                displayName: "Visitor",
                signedIn: false,
                organizationMember: false,
                sessionID: nil,
                expiresAt: now.addingTimeInterval(60)
            )
            let hash = Array(repeating: UInt8(3), count: 32)
            try await repository.createTicket(ticket, tokenHash: hash)
            #expect(try await repository.claimTicket(tokenHash: Array(repeating: 4, count: 32), at: now) == nil)
            #expect(try await repository.claimTicket(tokenHash: hash, at: now.addingTimeInterval(61)) == nil, "expired")
            #expect(try await repository.claimTicket(tokenHash: hash, at: now)?.identity == ticket.identity)
            #expect(try await repository.claimTicket(tokenHash: hash, at: now) == nil, "used")
        }
    }
}

extension ParticipantIdentity {
    fileprivate var userID: UUID {
        switch self {
        case .member(let id), .guest(let id): id
        }
    }
}

import Foundation
import MeetCore
import Testing

/// A meeting with a host account, built the way the server would, plus helpers to seat people.
struct MeetingFixture {
    var room: MeetingRoom
    let floor: MeetingPolicy
    let host = ParticipantIdentity.member(UUID())
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    init(waitingRoom: MeetingPolicy.WaitingRoom = .guests, floor: MeetingPolicy = .standard, configure: (inout MeetingSettings) -> Void = { _ in }) {
        self.floor = floor
        var settings = MeetingSettings.defaults(for: floor)
        settings.waitingRoom = waitingRoom
        configure(&settings)
        room = MeetingRoom(meetingID: UUID().uuidString, organizationID: UUID(), title: "Board meeting", settings: settings, hostIdentity: host)
    }

    @discardableResult
    mutating func join(
        _ identity: ParticipantIdentity,
        name: String = "Someone",
        ticket: UUID = UUID(),
        member: Bool? = nil
    ) throws -> (seat: UUID, deliveries: [MeetingDelivery]) {
        let isMember: Bool = {
            if let member { return member }
            if case .member = identity { return true }
            return false
        }()
        let request = MeetingRoom.JoinRequest(
            identity: identity,
            ticketID: ticket,
            displayName: name,
            signedIn: isMember,
            organizationMember: isMember,
            invited: false,
            at: now
        )
        return (request.seat, try room.join(request))
    }

    @discardableResult
    mutating func joinHost() throws -> UUID { try join(host, name: "Hana Host").seat }
    @discardableResult
    mutating func joinMember(_ name: String = "Mia Member") throws -> UUID { try join(.member(UUID()), name: name).seat }
    @discardableResult
    mutating func joinGuest(_ name: String = "Gus Guest") throws -> UUID { try join(.guest(UUID()), name: name).seat }

    @discardableResult
    mutating func perform(_ command: MeetingRoom.Command, by seat: UUID) throws -> [MeetingDelivery] {
        try room.perform(command, by: seat, floor: floor)
    }

    func status(_ seat: UUID) -> Participant.Status? { room.participant(seat)?.status }
}

func expectMeetError(_ code: MeetError.Code, _ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(sourceLocation: sourceLocation) { try body() } throws: { ($0 as? MeetError)?.code == code }
}

@Suite struct MeetingWaitingRoomTests {
    @Test func aGuestWhoArrivesBeforeTheHostStillWaitsAndIsNotAdmittedWhenTheHostArrives() throws {
        var meeting = MeetingFixture(waitingRoom: .guests)
        let (guest, deliveries) = try meeting.join(.guest(UUID()), name: "Early Guest")
        #expect(meeting.status(guest) == .waiting)
        // The waiting person is told they wait, with the title and nothing else about the meeting.
        #expect(deliveries.contains(MeetingDelivery(.seat(guest), .waitingForHost(seat: guest, title: "Board meeting"))))
        #expect(!deliveries.contains { $0.audience == .inMeeting })
        let host = try meeting.joinHost()
        #expect(meeting.status(host) == .inMeeting)
        #expect(meeting.status(guest) == .waiting, "the host's arrival admits nobody")
        let admitted = try meeting.perform(.admit(guest), by: host)
        #expect(meeting.status(guest) == .inMeeting)
        #expect(admitted.contains(MeetingDelivery(.seat(guest), .admitted(seat: guest))))
    }

    @Test(arguments: [MeetingPolicy.WaitingRoom.off, .guests, .everyone])
    func whoWaitsFollowsTheSetting(waitingRoom: MeetingPolicy.WaitingRoom) throws {
        var meeting = MeetingFixture(
            waitingRoom: waitingRoom,
            floor: MeetingPolicy(passcodeRequired: false, waitingRoom: .off, whoMayRecord: .hosts, whoMayShareScreen: .hosts, e2eeRequired: false)
        )
        let host = try meeting.joinHost()
        let member = try meeting.joinMember()
        let guest = try meeting.joinGuest()
        #expect(meeting.status(host) == .inMeeting)
        #expect(meeting.status(member) == (waitingRoom == .everyone ? .waiting : .inMeeting))
        #expect(meeting.status(guest) == (waitingRoom == .off ? .inMeeting : .waiting))
    }

    @Test func admitAllAdmitsEveryoneWaitingAndDenyTurnsOneAway() throws {
        var meeting = MeetingFixture(waitingRoom: .everyone)
        let host = try meeting.joinHost()
        let a = try meeting.joinGuest("A")
        let b = try meeting.joinGuest("B")
        let c = try meeting.joinMember("C")
        try meeting.perform(.deny(b), by: host)
        #expect(meeting.room.participant(b) == nil)
        try meeting.perform(.admitAll, by: host)
        #expect(meeting.status(a) == .inMeeting && meeting.status(c) == .inMeeting)
        #expect(meeting.room.waiting.isEmpty)
        expectMeetError(.notFound) { try meeting.perform(.admit(a), by: host) }
    }

    @Test func someoneWaitingCanOnlyLeave() throws {
        var meeting = MeetingFixture()
        _ = try meeting.joinHost()
        let guest = try meeting.joinGuest()
        let before = meeting.room
        for command: MeetingRoom.Command in [
            .chat("hello"), .raiseHand, .setMedia(audioMuted: false, videoOn: true), .startScreenShare, .admit(guest),
        ] {
            expectMeetError(.forbidden) { try meeting.perform(command, by: guest) }
        }
        #expect(meeting.room == before)
        try meeting.perform(.leave, by: guest)
        #expect(meeting.room.participant(guest) == nil)
    }
}

@Suite struct MeetingRemovalAndLockTests {
    @Test func aRemovedPersonCannotRejoinWithAFreshTicketUnlessAllowed() throws {
        var meeting = MeetingFixture(waitingRoom: .off)
        let host = try meeting.joinHost()
        let identity = ParticipantIdentity.member(UUID())
        let seat = try meeting.join(identity, name: "Rex").seat
        let deliveries = try meeting.perform(.remove(seat, allowRejoin: false), by: host)
        #expect(deliveries.contains(MeetingDelivery(.seat(seat), .removed(seat: seat, mayRejoin: false))))
        #expect(deliveries.contains(MeetingDelivery(.inMeeting, .participantLeft(seat: seat, reason: .removed))))
        expectMeetError(.removedFromMeeting) { try meeting.join(identity, name: "Rex again", ticket: UUID()) }
        // A guest removed keeps out under the same guest identity, and the old ticket stays dead for anyone.
        let guestIdentity = ParticipantIdentity.guest(UUID())
        let ticket = UUID()
        let guest = try meeting.join(guestIdentity, ticket: ticket).seat
        try meeting.perform(.remove(guest, allowRejoin: false), by: host)
        expectMeetError(.removedFromMeeting) { try meeting.join(guestIdentity) }
        expectMeetError(.removedFromMeeting) { try meeting.join(.guest(UUID()), ticket: ticket) }
        // Removal with "allow to rejoin".
        let other = ParticipantIdentity.member(UUID())
        let otherSeat = try meeting.join(other).seat
        try meeting.perform(.remove(otherSeat, allowRejoin: true), by: host)
        #expect(try meeting.join(other).seat != otherSeat)
    }

    @Test func aLockedMeetingAdmitsNobodyNewButItsHostMayReturn() throws {
        var meeting = MeetingFixture(waitingRoom: .off)
        let host = try meeting.joinHost()
        try meeting.perform(.lock, by: host)
        expectMeetError(.meetingLocked) { try meeting.joinMember() }
        expectMeetError(.meetingLocked) { try meeting.joinGuest() }
        // The host reconnecting from another tab takes their place again.
        let again = try meeting.join(meeting.host, name: "Hana Host")
        #expect(meeting.status(again.seat) == .inMeeting && meeting.room.participant(host) == nil)
        #expect(again.deliveries.contains(MeetingDelivery(.seat(host), .participantLeft(seat: host, reason: .replaced))))
        try meeting.perform(.unlock, by: again.seat)
        _ = try meeting.joinMember()
    }

    @Test func aCoHostCannotRemoveTheHostOrAnotherCoHostButTheHostCan() throws {
        var meeting = MeetingFixture(waitingRoom: .off)
        let host = try meeting.joinHost()
        let first = try meeting.joinMember("First")
        let second = try meeting.joinMember("Second")
        try meeting.perform(.makeCoHost(first), by: host)
        try meeting.perform(.makeCoHost(second), by: host)
        expectMeetError(.forbidden) { try meeting.perform(.remove(host, allowRejoin: false), by: first) }
        expectMeetError(.forbidden) { try meeting.perform(.remove(second, allowRejoin: false), by: first) }
        expectMeetError(.forbidden) { try meeting.perform(.remove(host, allowRejoin: false), by: host) }
        try meeting.perform(.remove(second, allowRejoin: false), by: host)
        #expect(meeting.room.participant(second) == nil)
    }

    @Test func endForAllEmptiesTheMeetingAndTellsTheWaitingRoom() throws {
        var meeting = MeetingFixture()
        let host = try meeting.joinHost()
        let member = try meeting.joinMember()
        let guest = try meeting.joinGuest()
        expectMeetError(.forbidden) { try meeting.perform(.endForAll, by: member) }
        let deliveries = try meeting.perform(.endForAll, by: host)
        #expect(deliveries.contains(MeetingDelivery(.seat(guest), .ended(by: host))))
        #expect(deliveries.contains(MeetingDelivery(.inMeeting, .ended(by: host))))
        #expect(meeting.room.participants.isEmpty && meeting.room.ended)
        expectMeetError(.meetingEnded) { try meeting.joinMember() }
    }

    @Test func theParticipantLimitHoldsExceptForHosts() throws {
        var meeting = MeetingFixture(waitingRoom: .off) { $0.participantLimit = 2 }
        _ = try meeting.joinMember("One")
        _ = try meeting.joinMember("Two")
        expectMeetError(.meetingFull) { try meeting.joinMember("Three") }
        _ = try meeting.joinHost()
    }

    @Test func whoMayJoinIsEnforcedAtTheDoor() throws {
        var meeting = MeetingFixture(waitingRoom: .off) { $0.whoMayJoin = .organization }
        expectMeetError(.forbidden) { try meeting.joinGuest() }
        expectMeetError(.forbidden) { try meeting.join(.member(UUID()), member: false) }
        _ = try meeting.joinMember()
        var invitedOnly = MeetingFixture(waitingRoom: .off) { $0.whoMayJoin = .invited }
        expectMeetError(.forbidden) { try invitedOnly.joinMember() }
        _ = try invitedOnly.joinHost()
    }
}

@Suite struct MeetingHostControlTests {
    @Test func aHostMutesAndAsksButNeverUnmutes() throws {
        var meeting = MeetingFixture(waitingRoom: .off)
        let host = try meeting.joinHost()
        let member = try meeting.joinMember()
        try meeting.perform(.setMedia(audioMuted: false, videoOn: true), by: member)
        let muted = try meeting.perform(.mute(member), by: host)
        #expect(muted.contains(MeetingDelivery(.seat(member), .mutedByHost(seat: member, by: host))))
        #expect(meeting.room.participant(member)?.audioMuted == true)
        let asked = try meeting.perform(.askToUnmute(member), by: host)
        #expect(asked == [MeetingDelivery(.seat(member), .askedToUnmute(seat: member, by: host))])
        #expect(meeting.room.participant(member)?.audioMuted == true, "asking changes nothing")
        // Only the person unmutes; a host's attempt to set someone else's media is not a command that exists.
        try meeting.perform(.setMedia(audioMuted: false, videoOn: nil), by: member)
        #expect(meeting.room.participant(member)?.audioMuted == false)
        try meeting.perform(.stopVideo(member), by: host)
        #expect(meeting.room.participant(member)?.videoOn == false)
    }

    @Test func muteAllSparesHosts() throws {
        var meeting = MeetingFixture(waitingRoom: .off)
        let host = try meeting.joinHost()
        let a = try meeting.joinMember("A")
        let b = try meeting.joinMember("B")
        try meeting.perform(.makeCoHost(b), by: host)
        for seat in [host, a, b] { try meeting.perform(.setMedia(audioMuted: false, videoOn: nil), by: seat) }
        try meeting.perform(.muteAll, by: host)
        #expect(meeting.room.participant(a)?.audioMuted == true)
        #expect(meeting.room.participant(b)?.audioMuted == false)
        #expect(meeting.room.participant(host)?.audioMuted == false)
    }

    @Test func screenSharingFollowsTheRuleAndTheOrganisationFloor() throws {
        let open = MeetingPolicy(
            passcodeRequired: true,
            waitingRoom: .guests,
            whoMayRecord: .hosts,
            whoMayShareScreen: .everyone,
            e2eeRequired: false
        )
        var meeting = MeetingFixture(waitingRoom: .off, floor: open) { $0.whoMayShareScreen = .hosts }
        let host = try meeting.joinHost()
        let member = try meeting.joinMember()
        expectMeetError(.forbidden) { try meeting.perform(.startScreenShare, by: member) }
        try meeting.perform(.setScreenSharing(.everyone), by: host)
        try meeting.perform(.startScreenShare, by: member)
        expectMeetError(.conflict) { try meeting.perform(.startScreenShare, by: host) }
        // Back to hosts only: the member's share is stopped by the server, and they are told.
        let deliveries = try meeting.perform(.setScreenSharing(.hosts), by: host)
        #expect(meeting.room.participant(member)?.sharingScreen == false)
        #expect(deliveries.contains(MeetingDelivery(.seat(member), .screenShareStoppedByHost(seat: member, by: host))))
        // An organisation that allows only hosts to share cannot be overridden in a meeting.
        var strict = MeetingFixture(waitingRoom: .off)
        let strictHost = try strict.joinHost()
        expectMeetError(.policyViolation) { try strict.perform(.setScreenSharing(.everyone), by: strictHost) }
    }

    @Test func recordingNeedsTheRightSettingsAndEveryoneIsAskedToConsent() throws {
        var meeting = MeetingFixture(waitingRoom: .off)
        let host = try meeting.joinHost()
        let member = try meeting.joinMember()
        let guest = try meeting.joinGuest()
        expectMeetError(.forbidden) { try meeting.perform(.startRecording, by: member) }
        let started = try meeting.perform(.startRecording, by: host)
        #expect(started == [MeetingDelivery(.inMeeting, .recordingChanged(recording: true, by: host))])
        #expect(meeting.room.participant(member)?.recordingConsent == false)
        try meeting.perform(.consentToRecording(true), by: member)
        #expect(meeting.room.participant(member)?.recordingConsent == true)
        try meeting.perform(.consentToRecording(false), by: guest)
        #expect(meeting.room.participant(guest) == nil, "declining the recording means leaving it")
        var encrypted = MeetingFixture(waitingRoom: .off) { $0.e2ee = true }
        let encryptedHost = try encrypted.joinHost()
        expectMeetError(.forbidden) { try encrypted.perform(.startRecording, by: encryptedHost) }
        var off = MeetingFixture(waitingRoom: .off) { $0.whoMayRecord = .nobody }
        let offHost = try off.joinHost()
        expectMeetError(.forbidden) { try off.perform(.startRecording, by: offHost) }
    }

    @Test func hostingCanBeTransferredOnlyToAnAccount() throws {
        var meeting = MeetingFixture(waitingRoom: .off)
        let host = try meeting.joinHost()
        let member = try meeting.joinMember()
        let guest = try meeting.joinGuest()
        expectMeetError(.forbidden) { try meeting.perform(.transferHost(guest), by: host) }
        expectMeetError(.forbidden) { try meeting.perform(.makeCoHost(guest), by: host) }
        try meeting.perform(.transferHost(member), by: host)
        #expect(meeting.room.participant(member)?.role == .host)
        #expect(meeting.room.participant(host)?.role == .coHost)
        expectMeetError(.forbidden) { try meeting.perform(.endForAll, by: host) }
        try meeting.perform(.endForAll, by: member)
    }

    @Test func chatAndRenameFollowTheSettings() throws {
        var meeting = MeetingFixture(waitingRoom: .off) { $0.chatEnabled = false }
        let host = try meeting.joinHost()
        let guest = try meeting.joinGuest()
        expectMeetError(.forbidden) { try meeting.perform(.chat("hi"), by: host) }
        expectMeetError(.forbidden) { try meeting.perform(.rename("Someone else"), by: guest) }
        var open = MeetingFixture(waitingRoom: .off)
        let member = try open.joinMember()
        let said = try open.perform(.chat("  hello  "), by: member)
        #expect(said == [MeetingDelivery(.inMeeting, .chat(from: member, name: "Mia Member", text: "hello"))])
        expectMeetError(.invalidInput) { try open.perform(.chat(String(repeating: "x", count: 2001)), by: member) }
        expectMeetError(.invalidInput) { try open.perform(.chat("   "), by: member) }
    }
}

@Suite struct MeetingPermissionTests {
    static let commands: [MeetingRoom.Command] = [
        .admitAll, .lock, .unlock, .startRecording, .stopRecording, .muteAll, .endForAll, .raiseHand, .chat("hi"), .rename("New name"),
        .setMedia(audioMuted: false, videoOn: true), .startScreenShare, .setScreenSharing(.hosts),
    ]

    /// For each role and each command that needs a permission, the room refuses exactly when the table says no.
    @Test(arguments: [MeetingRole.host, .coHost, .participant, .guest])
    func theRoomAsksThePermissionTable(role: MeetingRole) throws {
        for command in Self.commands {
            let open = MeetingPolicy(
                passcodeRequired: false,
                waitingRoom: .off,
                whoMayRecord: .hosts,
                whoMayShareScreen: .everyone,
                e2eeRequired: false
            )
            var meeting = MeetingFixture(waitingRoom: .off, floor: open) { $0.whoMayShareScreen = .everyone }
            let host = try meeting.joinHost()
            let actor: UUID
            switch role {
            case .host: actor = host
            case .coHost:
                actor = try meeting.joinMember("Co")
                try meeting.perform(.makeCoHost(actor), by: host)
            case .participant: actor = try meeting.joinMember()
            case .guest: actor = try meeting.joinGuest()
            }
            let allowed = command.permission.map { PermissionTable.allows(.meeting(role), $0) } ?? true
            let before = meeting.room
            do {
                try meeting.perform(command, by: actor)
                #expect(allowed, "\(role) may not \(command)")
            } catch let error as MeetError {
                #expect(!allowed, "\(role) was refused \(command): \(error)")
                #expect(meeting.room == before, "a refused command changes nothing")
            }
        }
    }

    @Test func settingsCannotBeWeakerThanTheOrganisationFloor() {
        let floor = MeetingPolicy(
            passcodeRequired: true,
            waitingRoom: .everyone,
            whoMayRecord: .nobody,
            whoMayShareScreen: .hosts,
            e2eeRequired: true
        )
        let good = MeetingSettings.defaults(for: floor)
        #expect((try? good.validated(against: floor)) == good)
        var weaker: [(String, MeetingSettings)] = []
        var settings = good
        settings.passcodeRequired = false
        weaker.append(("passcodeRequired", settings))
        settings = good
        settings.waitingRoom = .guests
        weaker.append(("waitingRoom", settings))
        settings = good
        settings.whoMayShareScreen = .everyone
        weaker.append(("whoMayShareScreen", settings))
        settings = good
        settings.whoMayRecord = .hosts
        weaker.append(("whoMayRecord", settings))
        settings = good
        settings.e2ee = false
        weaker.append(("e2ee", settings))
        for (field, settings) in weaker {
            #expect { try settings.validated(against: floor) } throws: { ($0 as? MeetError)?.field == field }
        }
    }
}

@Suite struct MeetingInvariantTests {
    /// Random sequences of joins and commands from random seats, on a generator with a fixed seed:
    /// whatever happens, the room's invariants hold and refused steps change nothing.
    @Test(arguments: 1...25)
    func invariantsHoldUnderRandomSequences(seed: UInt64) throws {
        var random = SplitMix(seed: seed)
        var meeting = MeetingFixture(waitingRoom: [.off, .guests, .everyone][Int(random.next() % 3)])
        var identities: [ParticipantIdentity] = [meeting.host] + (0..<5).map { _ in .member(UUID()) } + (0..<4).map { _ in .guest(UUID()) }
        identities.shuffle(using: &random)
        for _ in 0..<300 {
            let before = meeting.room
            let seats = meeting.room.participants.map(\.id)
            let target = seats.isEmpty ? UUID() : seats[Int(random.next() % UInt64(seats.count))]
            do {
                if seats.isEmpty || random.next() % 4 == 0 {
                    let identity = identities[Int(random.next() % UInt64(identities.count))]
                    let wasRemoved = before.removedIdentities[identity] == false
                    let lockedOut = before.locked && identity != before.hostIdentity && !before.coHostIdentities.contains(identity)
                    let seat = try meeting.join(identity).seat
                    #expect(!wasRemoved && !lockedOut, "a removed or locked-out identity got a seat")
                    _ = seat
                } else {
                    let commands: [MeetingRoom.Command] = [
                        .admit(target), .admitAll, .deny(target), .remove(target, allowRejoin: random.next() % 2 == 0), .mute(target), .muteAll,
                        .askToUnmute(target), .stopVideo(target), .stopScreenShare(target), .lock, .unlock, .startRecording, .stopRecording,
                        .makeCoHost(target), .removeCoHost(target), .transferHost(target), .raiseHand, .lowerHand, .chat("x"),
                        .setMedia(audioMuted: random.next() % 2 == 0, videoOn: random.next() % 2 == 0), .startScreenShare, .stopOwnScreenShare,
                        .setScreenSharing(random.next() % 2 == 0 ? .hosts : .everyone), .consentToRecording(true), .leave,
                    ]
                    let command = commands[Int(random.next() % UInt64(commands.count))]
                    let actor = seats[Int(random.next() % UInt64(seats.count))]
                    try meeting.perform(command, by: actor)
                }
            } catch is MeetError {
                #expect(meeting.room == before, "a refused step changed the room")
            }
            let room = meeting.room
            #expect(room.inMeeting.filter { $0.role == .host }.count <= 1)
            #expect(room.inMeeting.filter(\.sharingScreen).count <= 1)
            #expect(Set(room.participants.map(\.identity)).count == room.participants.count, "one seat per person")
            for person in room.participants {
                #expect(room.removedIdentities[person.identity] != false, "a removed person is present")
                #expect(!room.removedTickets.contains(person.ticketID))
                if person.sharingScreen && room.settings.whoMayShareScreen == .hosts { #expect(person.isModerator) }
            }
            if room.ended { break }
        }
    }
}

/// A small deterministic generator so failures reproduce.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

import Foundation
import MeetCore
import MeetCrypto
import MeetTestSupport
import Synchronization
import Testing

@testable import MeetServer
@testable import MeetStore

/// What one seat's socket was sent, as JSON objects.
final class Inbox: Sendable {
    private let texts = Mutex<[String]>([])

    func send(_ outbound: SignalingOutbound) {
        if case .text(let text) = outbound { texts.withLock { $0.append(text) } }
    }

    func events(_ name: String) -> [[String: Any]] {
        texts.withLock { $0 }.compactMap { text in
            (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
        }
        .filter { $0["event"] as? String == name }
    }

    func clear() { texts.withLock { $0.removeAll() } }
}

/// The hub relays E2EE key messages to the right sockets, archives encrypted chat as it came,
/// keeps announced keys over a resume, and refuses switching encryption with people inside.
@Suite struct MeetingHubE2EETests {
    struct Room {
        let hub: MeetingHub
        let record: MeetingRecord
        let archive: FluentChatArchive
        let seats: [UUID]
        let inboxes: [Inbox]
        let resumeHashes: [[UInt8]]
        let connections: [UUID]

        func perform(_ command: MeetingRoom.Command, by index: Int) async throws {
            try await hub.perform(command, meetingID: record.id, seat: seats[index], actorUserID: nil)
        }
    }

    static func withRoom(
        e2ee: Bool = true,
        names: [String] = ["Hana Host", "Bo", "Cy"],
        substitute: String? = nil,
        _ body: (Room) async throws -> Void
    ) async throws {
        try await TestDatabase.sqlite.withStore { store, _ in
            let organization = UUID()
            try await OrganizationModel(id: organization, name: "Acme").create(on: store.database)
            let archive = FluentChatArchive(store: store, dataKeys: store.keyRing(MasterKeys(.generate())))
            let repository = FluentMeetingRepository(store: store)
            let hub = MeetingHub(
                repository: repository,
                organizations: FluentOrganizationRepository(store: store),
                chat: archive,
                substituteE2EEKeyOf: substitute,
                logger: TestDatabase.logger
            )
            var settings = MeetingSettings.defaults(for: .standard)
            settings.waitingRoom = .off
            settings.e2ee = e2ee
            let host = UUID()
            let record = MeetingRecord(
                id: Base64URL.encode((0..<16).map { _ in UInt8.random(in: 0...255) }),
                number: String(Int.random(in: 1_000_000_000...9_999_999_999)),
                organizationID: organization,
                hostUserID: host,
                title: "E2EE",
                scheduledFor: nil,
                createdAt: Date(),
                passcodeHash: nil,
                settings: settings,
                state: DurableRoomState(hostIdentity: .member(host))
            )
            #expect(try await repository.create(record, audit: []))
            var seats: [UUID] = []
            var inboxes: [Inbox] = []
            var hashes: [[UInt8]] = []
            var connections: [UUID] = []
            for (index, name) in names.enumerated() {
                let inbox = Inbox()
                let identity: ParticipantIdentity = index == 0 ? .member(host) : .guest(UUID())
                let ticket = JoinTicket(
                    id: UUID(),
                    meetingID: record.id,
                    identity: identity,
                    displayName: name,
                    signedIn: index == 0,
                    organizationMember: index == 0,
                    sessionID: nil,
                    expiresAt: Date().addingTimeInterval(60)
                )
                let connection = MeetingHub.Connection(id: UUID(), send: { inbox.send($0) }, sessionID: nil, userID: nil)
                let seated = try await hub.join(record, ticket: ticket, connection: connection)
                #expect(seated.status == .inMeeting)
                seats.append(seated.seat)
                inboxes.append(inbox)
                hashes.append(seated.resumeToken.hash)
                connections.append(connection.id)
            }
            try await body(
                Room(hub: hub, record: record, archive: archive, seats: seats, inboxes: inboxes, resumeHashes: hashes, connections: connections)
            )
        }
    }

    static func key() throws -> E2EEPublicKey { try #require(E2EEPublicKey.unrelated()) }

    @Test func keysAreAnnouncedToEveryoneAndWrappedSecretsReachOnlyTheirAddressee() async throws {
        try await Self.withRoom { room in
            let keys = try (0..<3).map { _ in try Self.key() }
            for index in 0..<3 { try await room.perform(.announceE2EEKey(keys[index]), by: index) }
            // Everyone saw each announcement, with the key and its order.
            for inbox in room.inboxes {
                let announced = inbox.events("participant_changed").compactMap { $0["participant"] as? [String: Any] }
                let e2ee = announced.compactMap { $0["e2ee"] as? [String: Any] }
                #expect(e2ee.compactMap { $0["publicKey"] as? String } == keys.map(\.description))
                #expect(e2ee.compactMap { $0["order"] as? Int } == [1, 2, 3])
            }
            for inbox in room.inboxes { inbox.clear() }

            let payload = try #require(E2EEKeyPayload([UInt8](repeating: 9, count: 60)))
            try await room.perform(.sendE2EEKey(to: room.seats[1], epoch: try #require(E2EEEpoch(4)), payload: payload), by: 0)
            let delivered = room.inboxes[1].events("e2ee_key")
            #expect(delivered.count == 1)
            #expect(delivered.first?["from"] as? String == room.seats[0].uuidString)
            #expect(delivered.first?["epoch"] as? Int == 4)
            #expect(delivered.first?["payload"] as? String == Base64URL.encode(payload.bytes))
            #expect(room.inboxes[0].events("e2ee_key").isEmpty && room.inboxes[2].events("e2ee_key").isEmpty)

            try await room.perform(.ratchetE2EE(try #require(E2EEEpoch(5))), by: 0)
            #expect(room.inboxes[0].events("e2ee_ratchet").isEmpty)
            for index in 1...2 {
                let notice = room.inboxes[index].events("e2ee_ratchet")
                #expect(notice.count == 1 && notice.first?["epoch"] as? Int == 5)
                #expect(notice.first?["from"] as? String == room.seats[0].uuidString)
            }
        }
    }

    @Test func encryptedChatIsArchivedAsItCameAndPlainTextIsRefused() async throws {
        try await Self.withRoom { room in
            let epoch = try #require(E2EEEpoch(3))
            let nonce: [UInt8] = (0..<12).map { UInt8($0) }
            let ciphertext: [UInt8] = (0..<48).map { UInt8($0 * 3 % 256) }
            let message = try #require(E2EEChatMessage(epoch: epoch, nonce: nonce, ciphertext: ciphertext))
            try await room.perform(.e2eeChat(message), by: 1)
            for inbox in room.inboxes {
                let chat = inbox.events("chat")
                #expect(chat.count == 1 && chat.first?["text"] == nil)
                let e2ee = try #require(chat.first?["e2ee"] as? [String: Any])
                #expect(e2ee["epoch"] as? Int == 3)
                #expect(e2ee["nonce"] as? String == Base64URL.encode(message.nonce))
                #expect(e2ee["ciphertext"] as? String == Base64URL.encode(message.ciphertext))
            }
            await #expect { try await room.perform(.chat("in the clear"), by: 1) } throws: { ($0 as? MeetError)?.code == .policyViolation }
            let archived = try await room.archive.messages(meetingID: room.record.id, after: nil, limit: 10)
            #expect(archived.count == 1)
            #expect(archived.first?.e2ee == message && archived.first?.text == "" && archived.first?.name == "Bo")
        }
    }

    @Test func anAnnouncedKeySurvivesAResume() async throws {
        try await Self.withRoom(names: ["Hana Host", "Bo"]) { room in
            let key = try Self.key()
            try await room.perform(.announceE2EEKey(key), by: 1)
            await room.hub.disconnected(meetingID: room.record.id, seat: room.seats[1], connection: room.connections[1])
            let inbox = Inbox()
            let (_, seated) = try await room.hub.resume(
                meetingID: room.record.id,
                tokenHash: room.resumeHashes[1],
                connection: MeetingHub.Connection(id: UUID(), send: { inbox.send($0) }, sessionID: nil, userID: nil),
                holds: { _ in true }
            )
            let snapshot = try #require(seated.snapshot)
            #expect(snapshot.participants.first { $0.seat == room.seats[1] }?.e2ee == E2EEIdentity(publicKey: key, order: 1))
            // The seat still holds it: the same key again is fine, another is a conflict.
            try await room.perform(.announceE2EEKey(key), by: 1)
            await #expect { try await room.perform(.announceE2EEKey(try Self.key()), by: 1) } throws: { ($0 as? MeetError)?.code == .conflict }
        }
    }

    /// A rekey while a seat's connection is down reaches it on resume, once, newest kept; nothing
    /// else is sent again (the snapshot covers the rest).
    @Test func keyMessagesMissedWhileDisconnectedArriveOnResume() async throws {
        try await Self.withRoom { room in
            for index in 0..<3 { try await room.perform(.announceE2EEKey(try Self.key()), by: index) }
            await room.hub.disconnected(meetingID: room.record.id, seat: room.seats[1], connection: room.connections[1])
            room.inboxes[1].clear()
            let payloads = try (0..<(MeetingHub.heldPerSeat + 3)).map { try #require(E2EEKeyPayload([UInt8](repeating: UInt8($0), count: 60))) }
            for (offset, payload) in payloads.enumerated() {
                try await room.perform(.sendE2EEKey(to: room.seats[1], epoch: try #require(E2EEEpoch(10 + offset)), payload: payload), by: 0)
            }
            try await room.perform(.ratchetE2EE(try #require(E2EEEpoch(40))), by: 0)
            try await room.perform(.raiseHand, by: 2)
            // Cy, connected, got the notice at once; the dropped socket got nothing.
            #expect(room.inboxes[2].events("e2ee_ratchet").count == 1)
            #expect(room.inboxes[1].events("e2ee_key").isEmpty)

            let inbox = Inbox()
            let connection = UUID()
            let (_, seated) = try await room.hub.resume(
                meetingID: room.record.id,
                tokenHash: room.resumeHashes[1],
                connection: MeetingHub.Connection(id: connection, send: { inbox.send($0) }, sessionID: nil, userID: nil),
                holds: { _ in true }
            )
            for message in seated.held { inbox.send(message) }
            #expect(seated.held.count == MeetingHub.heldPerSeat)
            let keys = inbox.events("e2ee_key")
            // The oldest were dropped; what is kept is in order and ends with the ratchet notice.
            #expect(keys.compactMap { $0["epoch"] as? Int } == Array((10 + 4)..<(10 + payloads.count)))
            #expect(keys.last?["payload"] as? String == Base64URL.encode(payloads.last!.bytes))
            #expect(inbox.events("e2ee_ratchet").compactMap { $0["epoch"] as? Int } == [40])
            #expect(inbox.events("participant_changed").isEmpty)

            // Handed over once: a second drop and resume brings nothing old back.
            await room.hub.disconnected(meetingID: room.record.id, seat: room.seats[1], connection: connection)
            let (_, again) = try await room.hub.resume(
                meetingID: room.record.id,
                tokenHash: seated.resumeToken.hash,
                connection: MeetingHub.Connection(id: UUID(), send: { _ in }, sessionID: nil, userID: nil),
                holds: { _ in true }
            )
            #expect(again.held.isEmpty)
        }
    }

    /// A connection can die unnoticed: a key sent into it while it still looked alive comes again
    /// after the resume.
    @Test func aKeySentBeforeTheDropComesAgainOnResume() async throws {
        try await Self.withRoom(names: ["Hana Host", "Bo"]) { room in
            for index in 0..<2 { try await room.perform(.announceE2EEKey(try Self.key()), by: index) }
            let payload = try #require(E2EEKeyPayload([UInt8](repeating: 7, count: 60)))
            try await room.perform(.sendE2EEKey(to: room.seats[1], epoch: try #require(E2EEEpoch(7)), payload: payload), by: 0)
            #expect(room.inboxes[1].events("e2ee_key").count == 1)
            await room.hub.disconnected(meetingID: room.record.id, seat: room.seats[1], connection: room.connections[1])
            let (_, seated) = try await room.hub.resume(
                meetingID: room.record.id,
                tokenHash: room.resumeHashes[1],
                connection: MeetingHub.Connection(id: UUID(), send: { _ in }, sessionID: nil, userID: nil),
                holds: { _ in true }
            )
            let inbox = Inbox()
            for message in seated.held { inbox.send(message) }
            #expect(inbox.events("e2ee_key").compactMap { $0["epoch"] as? Int } == [7])
            // The host's own seat was never sent a key message: nothing is kept for it.
            await room.hub.disconnected(meetingID: room.record.id, seat: room.seats[0], connection: room.connections[0])
            let (_, host) = try await room.hub.resume(
                meetingID: room.record.id,
                tokenHash: room.resumeHashes[0],
                connection: MeetingHub.Connection(id: UUID(), send: { _ in }, sessionID: nil, userID: nil),
                holds: { _ in true }
            )
            #expect(host.held.isEmpty)
        }
    }

    @Test func encryptionIsNotSwitchedWhilePeopleAreInside() async throws {
        try await Self.withRoom(e2ee: false, names: ["Hana Host"]) { room in
            var settings = room.record.settings
            settings.e2ee = true
            await #expect { try await room.hub.checkSettingsChange(room.record, to: settings) } throws: {
                ($0 as? MeetError)?.code == .conflict
            }
            // Other settings may change, and keys stay refused in a meeting that is not E2EE.
            var other = room.record.settings
            other.muteOnEntry.toggle()
            try await room.hub.checkSettingsChange(room.record, to: other)
            await #expect { try await room.perform(.announceE2EEKey(try Self.key()), by: 0) } throws: {
                ($0 as? MeetError)?.code == .policyViolation
            }
            try await room.perform(.leave, by: 0)
            try await room.hub.checkSettingsChange(room.record, to: settings)
        }
    }

    @Test func theSubstitutionHookReplacesOnlyTheNamedParticipantsKey() async throws {
        try await Self.withRoom(names: ["Hana Host", "Mallory Target"], substitute: "Mallory Target") { room in
            let (hostKey, targetKey) = (try Self.key(), try Self.key())
            try await room.perform(.announceE2EEKey(hostKey), by: 0)
            try await room.perform(.announceE2EEKey(targetKey), by: 1)
            let seen = room.inboxes[0].events("participant_changed").compactMap { $0["participant"] as? [String: Any] }
            let keys = seen.compactMap { ($0["e2ee"] as? [String: Any])?["publicKey"] as? String }
            #expect(keys.count == 2)
            #expect(keys.first == hostKey.description)
            let stored = try #require(keys.last)
            #expect(stored != targetKey.description)
            #expect(E2EEPublicKey.parse(stored) != nil, "the substitute is a valid point")
            // Announcing the same key again still works; a different one still conflicts.
            try await room.perform(.announceE2EEKey(targetKey), by: 1)
            await #expect { try await room.perform(.announceE2EEKey(try Self.key()), by: 1) } throws: { ($0 as? MeetError)?.code == .conflict }
        }
    }
}

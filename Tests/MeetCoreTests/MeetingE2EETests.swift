import Crypto
import Foundation
import MeetCore
import Testing

/// The state machine's rules for end-to-end encrypted meetings (docs/e2ee.md): public keys,
/// wrapped secrets, ratchet notices and encrypted chat.
@Suite struct MeetingE2EETests {
    static func key() throws -> E2EEPublicKey {
        try #require(E2EEPublicKey(x963: [UInt8](P256.KeyAgreement.PrivateKey().publicKey.x963Representation)))
    }

    static func epoch(_ value: Int) throws -> E2EEEpoch { try #require(E2EEEpoch(value)) }

    static func payload() throws -> E2EEKeyPayload { try #require(E2EEKeyPayload([UInt8](repeating: 7, count: 60))) }

    static func encrypted() throws -> E2EEChatMessage {
        let first = try epoch(1)
        return try #require(E2EEChatMessage(epoch: first, nonce: [UInt8](repeating: 1, count: 12), ciphertext: [UInt8](repeating: 2, count: 40)))
    }

    static func e2eeMeeting(waitingRoom: MeetingPolicy.WaitingRoom = .off) -> MeetingFixture {
        MeetingFixture(waitingRoom: waitingRoom) { $0.e2ee = true }
    }

    @Test func anAnnouncedKeyIsStoredWithAGrowingOrderAndAnnouncedToEveryone() throws {
        var meeting = Self.e2eeMeeting()
        let host = try meeting.joinHost()
        let member = try meeting.joinMember()
        let (hostKey, memberKey) = (try Self.key(), try Self.key())
        let announced = try meeting.perform(.announceE2EEKey(memberKey), by: member)
        let memberIdentity = E2EEIdentity(publicKey: memberKey, order: 1)
        #expect(meeting.room.participant(member)?.e2ee == memberIdentity)
        #expect(announced == [MeetingDelivery(.inMeeting, .participantChanged(try #require(meeting.room.participant(member))))])
        try meeting.perform(.announceE2EEKey(hostKey), by: host)
        #expect(meeting.room.participant(host)?.e2ee == E2EEIdentity(publicKey: hostKey, order: 2))
        // The same key again is accepted and changes nothing; another key for the seat is a conflict.
        let before = meeting.room
        #expect(try meeting.perform(.announceE2EEKey(memberKey), by: member).isEmpty)
        expectMeetError(.conflict) { try meeting.perform(.announceE2EEKey(try Self.key()), by: member) }
        #expect(meeting.room == before)
        // Orders are never given twice, even after their holders left.
        try meeting.perform(.leave, by: member)
        let late = try meeting.joinMember("Late")
        try meeting.perform(.announceE2EEKey(try Self.key()), by: late)
        #expect(meeting.room.participant(late)?.e2ee?.order == 3)
        // A room rebuilt from kept seats (a restart) continues after the highest order.
        let rebuilt = MeetingRoom(
            meetingID: meeting.room.meetingID,
            organizationID: meeting.room.organizationID,
            title: "t",
            settings: meeting.room.settings,
            hostIdentity: meeting.host,
            participants: meeting.room.participants
        )
        #expect(rebuilt.e2eeLastOrder == 3)
    }

    @Test func keysAreRefusedOutsideE2EEMeetingsAndFromTheWaitingRoom() throws {
        var plain = MeetingFixture(waitingRoom: .off)
        let host = try plain.joinHost()
        let member = try plain.joinMember()
        let before = plain.room
        expectMeetError(.policyViolation) { try plain.perform(.announceE2EEKey(try Self.key()), by: host) }
        expectMeetError(.policyViolation) { try plain.perform(.ratchetE2EE(try Self.epoch(2)), by: host) }
        expectMeetError(.policyViolation) {
            try plain.perform(.sendE2EEKey(to: member, epoch: try Self.epoch(1), payload: try Self.payload()), by: host)
        }
        expectMeetError(.policyViolation) { try plain.perform(.e2eeChat(try Self.encrypted()), by: host) }
        #expect(plain.room == before)

        var meeting = Self.e2eeMeeting(waitingRoom: .guests)
        _ = try meeting.joinHost()
        let guest = try meeting.joinGuest()
        #expect(meeting.status(guest) == .waiting)
        expectMeetError(.forbidden) { try meeting.perform(.announceE2EEKey(try Self.key()), by: guest) }
        #expect(meeting.room.participant(guest)?.e2ee == nil)
    }

    @Test func aWrappedKeyGoesToItsAddresseeOnlyBetweenAnnouncedSeats() throws {
        var meeting = Self.e2eeMeeting(waitingRoom: .guests)
        let host = try meeting.joinHost()
        let member = try meeting.joinMember()
        let quiet = try meeting.joinMember("No Key Yet")
        let guest = try meeting.joinGuest()
        let (epoch, payload) = (try Self.epoch(5), try Self.payload())
        // The sender must have announced a key first.
        expectMeetError(.conflict) { try meeting.perform(.sendE2EEKey(to: member, epoch: epoch, payload: payload), by: host) }
        try meeting.perform(.announceE2EEKey(try Self.key()), by: host)
        try meeting.perform(.announceE2EEKey(try Self.key()), by: member)
        let sent = try meeting.perform(.sendE2EEKey(to: member, epoch: epoch, payload: payload), by: host)
        #expect(sent == [MeetingDelivery(.seat(member), .e2eeKey(from: host, epoch: epoch, payload: payload))])
        // Not to someone without a key, someone waiting, an unknown seat, or oneself.
        expectMeetError(.conflict) { try meeting.perform(.sendE2EEKey(to: quiet, epoch: epoch, payload: payload), by: host) }
        expectMeetError(.notFound) { try meeting.perform(.sendE2EEKey(to: guest, epoch: epoch, payload: payload), by: host) }
        expectMeetError(.notFound) { try meeting.perform(.sendE2EEKey(to: UUID(), epoch: epoch, payload: payload), by: host) }
        expectMeetError(.invalidInput) { try meeting.perform(.sendE2EEKey(to: host, epoch: epoch, payload: payload), by: host) }
    }

    @Test func aRatchetNoticeGoesToEveryoneElseInTheMeeting() throws {
        var meeting = Self.e2eeMeeting()
        let host = try meeting.joinHost()
        _ = try meeting.joinMember()
        expectMeetError(.conflict) { try meeting.perform(.ratchetE2EE(try Self.epoch(2)), by: host) }
        try meeting.perform(.announceE2EEKey(try Self.key()), by: host)
        let notice = try meeting.perform(.ratchetE2EE(try Self.epoch(2)), by: host)
        #expect(notice == [MeetingDelivery(.inMeetingExcept(host), .e2eeRatchet(from: host, epoch: try Self.epoch(2)))])
    }

    @Test func chatInAnE2EEMeetingIsCiphertextOnly() throws {
        var meeting = Self.e2eeMeeting()
        let host = try meeting.joinHost()
        expectMeetError(.policyViolation) { try meeting.perform(.chat("hello"), by: host) }
        let message = try Self.encrypted()
        let sent = try meeting.perform(.e2eeChat(message), by: host)
        #expect(sent == [MeetingDelivery(.inMeeting, .e2eeChat(from: host, name: "Hana Host", message: message))])
        var muted = MeetingFixture(waitingRoom: .off) {
            $0.e2ee = true
            $0.chatEnabled = false
        }
        let other = try muted.joinHost()
        expectMeetError(.forbidden) { try muted.perform(.e2eeChat(message), by: other) }
    }

    @Test func valuesAreBoundedWhereTheyAreMade() throws {
        let point = [UInt8](P256.KeyAgreement.PrivateKey().publicKey.x963Representation)
        #expect(E2EEPublicKey(x963: point) != nil)
        #expect(E2EEPublicKey(x963: Array(point.dropLast())) == nil)
        #expect(E2EEPublicKey(x963: [0x02] + point.dropFirst()) == nil)
        #expect(E2EEEpoch(0) == nil && E2EEEpoch(-1) == nil && E2EEEpoch((1 << 53) + 1) == nil)
        #expect(E2EEEpoch(1 << 53)?.value == 1 << 53)
        #expect(E2EEKeyPayload([]) == nil && E2EEKeyPayload([UInt8](repeating: 0, count: 1025)) == nil)
        #expect(E2EEKeyPayload([UInt8](repeating: 0, count: 1024)) != nil)
        let epoch = try Self.epoch(1)
        #expect(E2EEChatMessage(epoch: epoch, nonce: [UInt8](repeating: 0, count: 11), ciphertext: [UInt8](repeating: 0, count: 40)) == nil)
        #expect(E2EEChatMessage(epoch: epoch, nonce: [UInt8](repeating: 0, count: 12), ciphertext: [UInt8](repeating: 0, count: 8017)) == nil)
        #expect(E2EEChatMessage(epoch: epoch, nonce: [UInt8](repeating: 0, count: 12), ciphertext: [UInt8](repeating: 0, count: 8016)) != nil)
    }

    @Test func base64URLIsStrict() {
        #expect(Base64URL.decode("AQID") == [1, 2, 3])
        #expect(Base64URL.decode("AQI") == [1, 2])
        #expect(Base64URL.encode([1, 2]) == "AQI")
        #expect(Base64URL.decode("_-8") == [0xFF, 0xEF])
        for bad in ["AQI=", "+/8", "AQ I", "A"] { #expect(Base64URL.decode(bad) == nil, "\(bad)") }
    }

    @Test func aParticipantWithAKeyRoundTripsThroughTheDurableForm() throws {
        var meeting = Self.e2eeMeeting()
        let host = try meeting.joinHost()
        try meeting.perform(.announceE2EEKey(try Self.key()), by: host)
        let participant = try #require(meeting.room.participant(host))
        let decoded = try JSONDecoder().decode(Participant.self, from: try JSONEncoder().encode(participant))
        #expect(decoded == participant)
        // Seats stored before E2EE existed still load.
        var object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(participant)) as? [String: Any])
        object["e2ee"] = nil
        let old = try JSONDecoder().decode(Participant.self, from: try JSONSerialization.data(withJSONObject: object))
        #expect(old.e2ee == nil)
    }
}

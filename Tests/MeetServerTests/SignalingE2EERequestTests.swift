import Foundation
import MeetCore
import MeetCrypto
import Testing

@testable import MeetServer

/// Decoding of the E2EE messages (docs/e2ee.md): what is well-formed becomes a command with
/// checked values; anything malformed is refused with `invalid_message` before the meeting sees it.
@Suite struct SignalingE2EERequestTests {
    static let seat = UUID()

    static func failure(_ text: String) -> SignalingRequest.Failure? {
        guard case .failure(let failure) = SignalingRequest.decode(text) else { return nil }
        return failure
    }

    @Test func decodesAPublicKeyOnlyWhenItIsAPointOnTheCurve() throws {
        let key = try #require(E2EEPublicKey.unrelated())
        let text = #"{"v":1,"type":"e2ee_public_key","id":"1","publicKey":"\#(key.description)"}"#
        #expect(try SignalingRequest.decode(text).get().request == .command(.announceE2EEKey(key)))

        var offCurve = [UInt8](repeating: 0, count: 65)
        offCurve[0] = 0x04
        offCurve[32] = 1
        offCurve[64] = 1
        let compressed = [0x02] + key.bytes[1..<33]
        let bad = [
            Base64URL.encode(offCurve),
            Base64URL.encode(Array(compressed)),
            Base64URL.encode(Array(key.bytes.dropLast())),
            Base64URL.encode([0x05] + key.bytes.dropFirst()),
            key.description + "=",
            key.description.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/") + "+",
            "not base64!",
            "",
        ]
        for publicKey in bad {
            let failure = Self.failure(#"{"v":1,"type":"e2ee_public_key","id":"1","publicKey":"\#(publicKey)"}"#)
            #expect(failure?.code == "invalid_message", "\(publicKey)")
            #expect(failure?.re == "1")
        }
        #expect(Self.failure(#"{"v":1,"type":"e2ee_public_key","id":"1"}"#)?.code == "invalid_message")
        #expect(Self.failure(#"{"v":1,"type":"e2ee_public_key","id":"1","publicKey":7}"#)?.code == "invalid_message")
    }

    @Test func decodesAWrappedKeyForOneSeat() throws {
        let payload = Base64URL.encode([UInt8](repeating: 0xAB, count: 1024))
        let text = #"{"v":1,"type":"e2ee_key","id":"2","to":"\#(Self.seat.uuidString)","epoch":9007199254740992,"payload":"\#(payload)"}"#
        let expected = MeetingRoom.Command.sendE2EEKey(
            to: Self.seat,
            epoch: try #require(E2EEEpoch(1 << 53)),
            payload: try #require(E2EEKeyPayload([UInt8](repeating: 0xAB, count: 1024)))
        )
        #expect(try SignalingRequest.decode(text).get().request == .command(expected))
    }

    @Test(arguments: [
        #""to":"not-a-seat","epoch":1,"payload":"AAAA""#,
        #""epoch":1,"payload":"AAAA""#,
        #""to":"SEAT","epoch":0,"payload":"AAAA""#,
        #""to":"SEAT","epoch":-3,"payload":"AAAA""#,
        #""to":"SEAT","epoch":1.5,"payload":"AAAA""#,
        #""to":"SEAT","epoch":"1","payload":"AAAA""#,
        #""to":"SEAT","epoch":9007199254740993,"payload":"AAAA""#,
        #""to":"SEAT","payload":"AAAA""#,
        #""to":"SEAT","epoch":1,"payload":"AA=A""#,
        #""to":"SEAT","epoch":1,"payload":"""#,
        #""to":"SEAT","epoch":1"#,
        "OVERSIZE",
    ])
    func refusesMalformedKeyMessages(fields: String) {
        let oversize = #""to":"SEAT","epoch":1,"payload":"\#(Base64URL.encode([UInt8](repeating: 1, count: 1025)))""#
        let body = (fields == "OVERSIZE" ? oversize : fields).replacingOccurrences(of: "SEAT", with: Self.seat.uuidString)
        let failure = Self.failure(#"{"v":1,"type":"e2ee_key","id":"3",\#(body)}"#)
        #expect(failure?.code == "invalid_message")
        #expect(failure?.re == "3")
    }

    @Test func decodesARatchetNoticeWithAPositiveEpoch() throws {
        let text = #"{"v":1,"type":"e2ee_ratchet","id":"4","epoch":2}"#
        #expect(try SignalingRequest.decode(text).get().request == .command(.ratchetE2EE(try #require(E2EEEpoch(2)))))
        for epoch in ["0", "-1", "2.5", "\"2\"", "null", "9007199254740993"] {
            #expect(Self.failure(#"{"v":1,"type":"e2ee_ratchet","id":"4","epoch":\#(epoch)}"#)?.code == "invalid_message", "\(epoch)")
        }
        #expect(Self.failure(#"{"v":1,"type":"e2ee_ratchet","id":"4"}"#)?.code == "invalid_message")
    }

    @Test func decodesEncryptedChatInsteadOfText() throws {
        let nonce = Base64URL.encode([UInt8](repeating: 1, count: 12))
        let ciphertext = Base64URL.encode([UInt8](repeating: 2, count: 8016))
        let text = #"{"v":1,"type":"chat","id":"5","e2ee":{"epoch":3,"nonce":"\#(nonce)","ciphertext":"\#(ciphertext)"}}"#
        let epoch = try #require(E2EEEpoch(3))
        let expected = try #require(
            E2EEChatMessage(
                epoch: epoch,
                nonce: [UInt8](repeating: 1, count: 12),
                ciphertext: [UInt8](repeating: 2, count: 8016)
            )
        )
        #expect(try SignalingRequest.decode(text).get().request == .command(.e2eeChat(expected)))

        let longNonce = Base64URL.encode([UInt8](repeating: 1, count: 13))
        let tooLong = Base64URL.encode([UInt8](repeating: 2, count: 8017))
        for e2ee in [
            #"{"epoch":3,"nonce":"\#(longNonce)","ciphertext":"AAAAAAAAAAAAAAAAAAAAAAAA"}"#,
            #"{"epoch":3,"nonce":"\#(nonce)","ciphertext":"\#(tooLong)"}"#,
            #"{"epoch":3,"nonce":"\#(nonce)","ciphertext":"AAAA"}"#,
            #"{"epoch":0,"nonce":"\#(nonce)","ciphertext":"AAAAAAAAAAAAAAAAAAAAAAAA"}"#,
            #"{"nonce":"\#(nonce)","ciphertext":"AAAAAAAAAAAAAAAAAAAAAAAA"}"#,
            #"{"epoch":3,"nonce":"\#(nonce)"}"#,
            #"{"epoch":3,"nonce":"\#(nonce)","ciphertext":"AAAA AAAA"}"#,
            #""just a string""#,
        ] {
            #expect(Self.failure(#"{"v":1,"type":"chat","id":"6","e2ee":\#(e2ee)}"#)?.code == "invalid_message", "\(e2ee)")
        }
        // Text and ciphertext together are refused; text alone is still plain chat.
        let both = #"{"v":1,"type":"chat","id":"7","text":"hi","e2ee":{"epoch":3,"nonce":"\#(nonce)","ciphertext":"\#(ciphertext)"}}"#
        #expect(Self.failure(both)?.code == "invalid_message")
        #expect(try SignalingRequest.decode(#"{"v":1,"type":"chat","id":"8","text":"hi"}"#).get().request == .command(.chat("hi")))
    }

    @Test func eventsCarryTheDocumentedFields() throws {
        let key = try #require(E2EEPublicKey.unrelated())
        let from = UUID()
        var settings = MeetingSettings.defaults(for: .standard)
        settings.waitingRoom = .off
        let room = MeetingRoom(meetingID: "m", organizationID: UUID(), title: "t", settings: settings, hostIdentity: .member(UUID()))
        func object(_ event: MeetingEvent) throws -> [String: Any] {
            guard case .text(let text) = SignalingOutbound.event(event, room: room) else { throw CancellationError() }
            return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        }
        let payload = try #require(E2EEKeyPayload([1, 2, 3]))
        let keyEvent = try object(.e2eeKey(from: from, epoch: try #require(E2EEEpoch(7)), payload: payload))
        #expect(keyEvent["event"] as? String == "e2ee_key")
        #expect(keyEvent["from"] as? String == from.uuidString && keyEvent["epoch"] as? Int == 7 && keyEvent["payload"] as? String == "AQID")
        let ratchet = try object(.e2eeRatchet(from: from, epoch: try #require(E2EEEpoch(8))))
        #expect(ratchet["event"] as? String == "e2ee_ratchet" && ratchet["epoch"] as? Int == 8 && ratchet["from"] as? String == from.uuidString)
        var seated = room
        let request = MeetingRoom.JoinRequest(
            seat: from,
            identity: .guest(UUID()),
            ticketID: UUID(),
            displayName: "Ann",
            signedIn: false,
            organizationMember: false,
            invited: false,
            at: Date()
        )
        _ = try seated.join(request)
        var participant = try #require(seated.participant(from))
        #expect(try (object(.participantChanged(participant))["participant"] as? [String: Any])?["e2ee"] == nil)
        participant.e2ee = E2EEIdentity(publicKey: key, order: 4)
        let changed = try #require(try object(.participantChanged(participant))["participant"] as? [String: Any])
        let e2ee = try #require(changed["e2ee"] as? [String: Any])
        #expect(e2ee["publicKey"] as? String == key.description && e2ee["order"] as? Int == 4)
    }
}

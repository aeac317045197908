import Foundation
import MeetCore
import Testing

@testable import MeetServer

@Suite struct SignalingRequestTests {
    static let seat = UUID()

    @Test(arguments: [
        (#"{"v":1,"type":"join","id":"1","ticket":"abc"}"#, SignalingRequest.join(ticket: "abc")),
        (#"{"v":1,"type":"resume","id":"1","resumeToken":"t"}"#, .resume(token: "t")),
        (#"{"v":1,"type":"lock","id":"x"}"#, .command(.lock)),
        (#"{"v":1,"type":"media","id":"2","audioMuted":false}"#, .command(.setMedia(audioMuted: false, videoOn: nil))),
        (#"{"v":1,"type":"chat","id":"2","text":"hi"}"#, .command(.chat("hi"))),
        (#"{"v":1,"type":"screen_sharing","id":"2","rule":"everyone"}"#, .command(.setScreenSharing(.everyone))),
        (#"{"v":1,"type":"recording_consent","id":"2","consent":true}"#, .command(.consentToRecording(true))),
        (
            #"{"v":1,"type":"publish","id":"3","sdp":"v=0","tracks":[{"mid":"0","source":"microphone"},{"mid":"1","source":"screen"}]}"#,
            .publish(sdp: "v=0", tracks: [PublishedTrack(mid: "0", source: .microphone), PublishedTrack(mid: "1", source: .screen)])
        ),
        (#"{"v":1,"type":"publish","id":"3","sdp":"v=0","tracks":[]}"#, .publish(sdp: "v=0", tracks: [])),
        (#"{"v":1,"type":"subscribe","id":"4"}"#, .subscribe),
        (#"{"v":1,"type":"subscribe_answer","id":"5","version":3,"sdp":"v=0"}"#, .subscribeAnswer(version: 3, sdp: "v=0")),
    ])
    func decodesEachKindOfMessage(text: String, expected: SignalingRequest) throws {
        let decoded = try SignalingRequest.decode(text).get()
        #expect(decoded.request == expected)
    }

    @Test func aPublishListsAtMostSixteenTracks() throws {
        func text(_ count: Int) -> String {
            let tracks = (0..<count).map { #"{"mid":"\#($0)","source":"camera"}"# }.joined(separator: ",")
            return #"{"v":1,"type":"publish","id":"1","sdp":"v=0","tracks":[\#(tracks)]}"#
        }
        guard case .publish(_, let tracks) = try SignalingRequest.decode(text(16)).get().request else {
            Issue.record("16 tracks were refused")
            return
        }
        #expect(tracks.count == 16)
        guard case .failure(let failure) = SignalingRequest.decode(text(17)) else {
            Issue.record("17 tracks were accepted")
            return
        }
        #expect(failure.code == "invalid_message")
    }

    @Test func seatCommandsCarryTheSeat() throws {
        let text = #"{"v":1,"type":"remove","id":"9","seat":"\#(Self.seat.uuidString)","allowRejoin":true}"#
        #expect(try SignalingRequest.decode(text).get().request == .command(.remove(Self.seat, allowRejoin: true)))
        #expect(try SignalingRequest.decode(text).get().id == "9")
    }

    @Test(
        arguments: [
            ("not json", "invalid_message", nil),
            ("[1,2]", "invalid_message", nil),
            (#""a string""#, "invalid_message", nil),
            (#"{"v":2,"type":"lock","id":"1"}"#, "unsupported_version", "1"),
            (#"{"v":true,"type":"lock","id":"1"}"#, "invalid_message", "1"),
            (#"{"type":"lock","id":"1"}"#, "unsupported_version", "1"),
            (#"{"v":1,"type":"lock"}"#, "invalid_message", nil),
            (#"{"v":1,"type":"lock","id":""}"#, "invalid_message", nil),
            (#"{"v":1,"type":"lock","id":7}"#, "invalid_message", nil),
            (#"{"v":1,"id":"1"}"#, "invalid_message", "1"),
            (#"{"v":1,"type":"unmute_someone","id":"1","seat":"x"}"#, "unknown_type", "1"),
            (#"{"v":1,"type":"admit","id":"1","seat":"not-a-uuid"}"#, "invalid_message", "1"),
            (#"{"v":1,"type":"media","id":"1","audioMuted":0}"#, "invalid_message", "1"),
            (#"{"v":1,"type":"chat","id":"1"}"#, "invalid_message", "1"),
            (#"{"v":1,"type":"screen_sharing","id":"1","rule":"anyone"}"#, "invalid_message", "1"),
            (#"{"v":1,"type":"recording_consent","id":"1"}"#, "invalid_message", "1"),
            (#"{"v":1,"type":"publish","id":"1","tracks":[]}"#, "invalid_message", "1"),
            (#"{"v":1,"type":"publish","id":"1","sdp":"v=0"}"#, "invalid_message", "1"),
            (#"{"v":1,"type":"publish","id":"1","sdp":"v=0","tracks":[{"mid":"0","source":"audio"}]}"#, "invalid_message", "1"),
            (
                #"{"v":1,"type":"publish","id":"1","sdp":"v=0","tracks":[{"mid":"0","source":"camera"},{"mid":"0","source":"screen"}]}"#,
                "invalid_message", "1"
            ),
            (#"{"v":1,"type":"publish","id":"1","sdp":"v=0","tracks":[{"mid":"","source":"camera"}]}"#, "invalid_message", "1"),
            (#"{"v":1,"type":"publish","id":"1","sdp":"v=0","tracks":{"mid":"0"}}"#, "invalid_message", "1"),
            (#"{"v":1,"type":"subscribe_answer","id":"1","sdp":"v=0"}"#, "invalid_message", "1"),
            (#"{"v":1,"type":"subscribe_answer","id":"1","version":0,"sdp":"v=0"}"#, "invalid_message", "1"),
            (#"{"v":1,"type":"subscribe_answer","id":"1","version":"1","sdp":"v=0"}"#, "invalid_message", "1"),
        ] as [(String, String, String?)]
    )
    func refusesMalformedMessagesWithACode(text: String, code: String, re: String?) {
        guard case .failure(let failure) = SignalingRequest.decode(text) else {
            Issue.record("accepted \(text)")
            return
        }
        #expect(failure.code == code)
        #expect(failure.re == re)
    }

    @Test func refusesOversizedMessages() {
        let text = #"{"v":1,"type":"chat","id":"1","text":""# + String(repeating: "x", count: 70_000) + #""}"#
        guard case .failure(let failure) = SignalingRequest.decode(text) else {
            Issue.record("accepted an oversized message")
            return
        }
        #expect(failure.code == "too_large")
    }

    /// Random mutations of valid messages: every one is either decoded or refused with a code; nothing crashes.
    @Test func survivesMutatedInput() {
        var random = SystemRandomNumberGenerator()
        let seeds = [
            #"{"v":1,"type":"remove","id":"9","seat":"\#(Self.seat.uuidString)","allowRejoin":true}"#,
            #"{"v":1,"type":"media","id":"2","audioMuted":false,"videoOn":true}"#,
            #"{"v":1,"type":"join","id":"1","ticket":"abc"}"#,
            #"{"v":1,"type":"publish","id":"3","sdp":"v=0","tracks":[{"mid":"0","source":"microphone"}]}"#,
            #"{"v":1,"type":"subscribe_answer","id":"5","version":3,"sdp":"v=0"}"#,
        ]
        let alphabet = Array(#"{}[]":,0123456789abcdefvtruefalsenull\ "#.utf8) + [0, 0xFF, 0xC3, 0x28]
        var decoded = 0
        for _ in 0..<5000 {
            var bytes = Array(seeds[Int.random(in: 0..<seeds.count, using: &random)].utf8)
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let index = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: bytes[index] = alphabet.randomElement(using: &random) ?? 0
                case 1: bytes.remove(at: index)
                default: bytes.insert(alphabet.randomElement(using: &random) ?? 0, at: index)
                }
                if bytes.isEmpty { bytes = [0x7B] }
            }
            switch SignalingRequest.decode(String(decoding: bytes, as: UTF8.self)) {
            case .success: decoded += 1
            case .failure(let failure):
                #expect(["invalid_message", "unsupported_version", "unknown_type", "too_large"].contains(failure.code))
            }
        }
        #expect(decoded < 5000)
    }
}

import Testing

@testable import MeetMedia

/// Firefox's publish offer (Fixtures/SDP/firefox-offer.sdp, firefox-esr 153): both sections become
/// producers, as Chromium's do.
@Suite struct FirefoxPublishTests {
    @Test func firefoxPublishesMicrophoneAndCamera() throws {
        let harness = try SFUHarness()
        let answerText = try harness.sfu.publish(
            meeting: "m",
            participant: "fern",
            offer: SDPFixtures.text("firefox-offer"),
            allowedSources: [.microphone, .camera],
            sourceByMid: ["0": .microphone, "1": .camera],
            now: harness.now
        )
        let answer = try SessionDescription(parsing: answerText)
        #expect(answer.media.map(\.port).allSatisfy { $0 != 0 }, "\(answerText)")
        #expect(answer.bundleGroup == ["0", "1"])
    }
}

import Testing

@testable import MeetMedia

@Suite struct SubscribeOffererTests {
    static let vp8 = MediaCapabilities.Codec.vp8.codec(
        payloadType: 96,
        feedback: [.init(payloadType: nil, type: "nack"), .init(payloadType: nil, type: "nack", parameter: "pli")]
    )
    static let opus = MediaCapabilities.Codec.opus.codec(payloadType: 111, feedback: [])

    static func video(_ number: UInt32) -> SubscribeOfferer.Track {
        SubscribeOfferer.Track(
            kind: .video,
            codec: vp8,
            ssrc: 1000 + number,
            rtx: .init(payloadType: 97, ssrc: 2000 + number),
            streamID: "stream\(number)",
            trackID: "video\(number)",
            cname: "cname\(number)"
        )
    }

    static func audio(_ number: UInt32) -> SubscribeOfferer.Track {
        SubscribeOfferer.Track(
            kind: .audio,
            codec: opus,
            ssrc: 3000 + number,
            streamID: "stream\(number)",
            trackID: "audio\(number)",
            cname: "cname\(number)"
        )
    }

    /// The answer a browser would give: the same sections, recvonly, active, with its own credentials.
    static func answer(to offer: SessionDescription, rejecting: Set<String> = []) -> SessionDescription {
        var answer = SessionDescription(origin: SDPOrigin(sessionID: "99", sessionVersion: 1))
        let accepted = offer.media.filter { $0.port != 0 && !rejecting.contains($0.mid ?? "") }.compactMap(\.mid)
        answer.attributes = [.group(SDPGroup(semantics: "BUNDLE", mids: accepted))]
        for section in offer.media {
            var reply = MediaDescription(kind: section.kind, port: 0, formats: section.formats, attributes: [.mid(section.mid ?? "")])
            if accepted.contains(section.mid ?? "") {
                reply.port = 9
                reply.attributes += [
                    .iceUfrag("brws"), .icePwd("browserPasswordOf22Chr"),
                    .fingerprint(SDPFingerprint(algorithm: "sha-256", bytes: Array(repeating: 0xAA, count: 32))),
                    .setup(.active), .direction(.recvonly), .rtcpMux,
                ]
            }
            answer.media.append(reply)
        }
        return answer
    }

    @Test func offersSendonlySectionsWithSources() throws {
        var offerer = SubscribeOfferer(transport: SDPFixtures.transport)
        #expect(try offerer.addTrack(Self.audio(1)) == "0")
        #expect(try offerer.addTrack(Self.video(1)) == "1")
        let offer = offerer.makeOffer()
        #expect(offer.isICELite)
        #expect(offer.bundleGroup == ["0", "1"])
        #expect(offer.origin.sessionVersion == 1)
        #expect(offer.origin.sessionID == SDPFixtures.transport.sessionID)
        let video = offer.media[1]
        #expect(video.direction == .sendonly)
        #expect(video.setup == .actpass)
        #expect(video.hasRTCPMux)
        #expect(video.formats == ["96", "97"])
        #expect(video.codecs.map(\.name) == ["VP8", "rtx"])
        #expect(video.codecs[1].associatedPayloadType == 96)
        #expect(video.sourceGroups == [SDPSourceGroup(semantics: "FID", ssrcs: [1001, 2001])])
        #expect(video.ssrcs == [1001, 2001])
        #expect(video.sources.contains(SDPSourceAttribute(ssrc: 2001, name: "msid", value: "stream1 video1")))
        #expect(video.msid == SDPMediaStreamID(streamID: "stream1", trackID: "video1"))
        #expect(video.extmaps == [SDPExtmap(id: 1, uri: MediaCapabilities.HeaderExtension.mid)])
        #expect(video.candidates == SDPFixtures.transport.candidates)
        #expect(offer.media[0].sourceGroups.isEmpty)
        #expect(try SessionDescription(parsing: offer.sdpText) == offer)

        let result = try offerer.applyAnswer(Self.answer(to: offer))
        #expect(result.acceptedMids == ["0", "1"])
        #expect(result.remote.ice == ICECredentials(ufrag: "brws", password: "browserPasswordOf22Chr"))
        #expect(result.remote.setup == .active)
    }

    @Test func recyclesStoppedSectionAfterAnswer() throws {
        var offerer = SubscribeOfferer(transport: SDPFixtures.transport)
        _ = try offerer.addTrack(Self.audio(1))
        _ = try offerer.addTrack(Self.video(1))
        _ = try offerer.applyAnswer(Self.answer(to: offerer.makeOffer()))

        #expect(offerer.removeTrack(mid: "1") == true)
        #expect(offerer.removeTrack(mid: "1") == false)
        // Not yet confirmed by an answer, so a new video track gets a new section.
        #expect(try offerer.addTrack(Self.video(2)) == "2")
        let second = offerer.makeOffer()
        #expect(second.origin.sessionVersion == 2)
        #expect(second.media.map(\.port) == [40000, 0, 40000])
        #expect(second.media[1].mid == "1")
        #expect(second.media[1].direction == .inactive)
        #expect(second.bundleGroup == ["0", "2"])
        _ = try offerer.applyAnswer(Self.answer(to: second))

        // Confirmed: the next video track takes section 1 under a new mid; audio does not.
        #expect(try offerer.addTrack(Self.audio(3)) == "3")
        #expect(try offerer.addTrack(Self.video(4)) == "4")
        let third = offerer.makeOffer()
        #expect(third.media.map(\.mid) == ["0", "4", "2", "3"])
        #expect(third.media.map(\.kind) == [.audio, .video, .video, .audio])
        #expect(third.media[1].ssrcs == [1004, 2004])
        #expect(third.bundleGroup == ["0", "4", "2", "3"])
        let result = try offerer.applyAnswer(Self.answer(to: third, rejecting: ["3"]))
        #expect(result.acceptedMids == ["0", "4", "2"])
        #expect(result.rejectedMids == ["3"])
    }

    /// The first section tags the BUNDLE group: stopping its track leaves it bundled and inactive
    /// (a browser would otherwise move to a new transport), and its kind's next track takes it back.
    @Test func theBundleTagStaysIdleAndIsReused() throws {
        var offerer = SubscribeOfferer(transport: SDPFixtures.transport)
        _ = try offerer.addTrack(Self.audio(1))
        _ = try offerer.addTrack(Self.video(1))
        _ = try offerer.applyAnswer(Self.answer(to: offerer.makeOffer()))

        #expect(offerer.removeTrack(mid: "0") == true)
        #expect(offerer.removeTrack(mid: "0") == false)
        let second = offerer.makeOffer()
        #expect(second.media.map(\.port) == [40000, 40000])
        #expect(second.media.map(\.direction) == [.inactive, .sendonly])
        #expect(second.media[0].ssrcs.isEmpty)
        #expect(second.bundleGroup == ["0", "1"])
        let answered = try offerer.applyAnswer(Self.answer(to: second))
        #expect(answered.acceptedMids == ["1"])

        // A new audio track takes the idle tag under the same mid; video still gets a new section.
        #expect(try offerer.addTrack(Self.audio(2)) == "0")
        #expect(try offerer.addTrack(Self.video(2)) == "2")
        let third = offerer.makeOffer()
        #expect(third.media.map(\.direction) == [.sendonly, .sendonly, .sendonly])
        #expect(third.media[0].ssrcs == [3002])
        #expect(third.bundleGroup == ["0", "1", "2"])
    }

    @Test func refusesMismatchedAnswers() throws {
        var offerer = SubscribeOfferer(transport: SDPFixtures.transport)
        _ = try offerer.addTrack(Self.audio(1))
        #expect(throws: SDPError(code: .answerMismatch, reason: "no offer is waiting for an answer")) {
            try offerer.applyAnswer(SessionDescription(origin: SDPOrigin(sessionID: "1", sessionVersion: 1)))
        }
        let offer = offerer.makeOffer()
        var extra = Self.answer(to: offer)
        extra.media.append(extra.media[0])
        #expect(throws: SDPError.self) { try offerer.applyAnswer(extra) }

        var passive = Self.answer(to: offer)
        passive.media[0].attributes = passive.media[0].attributes.map { $0 == .setup(.active) ? .setup(.passive) : $0 }
        let error = try #require(throws: SDPError.self) { try offerer.applyAnswer(passive) }
        #expect(error.code == .unsupportedSetup)

        var noMux = Self.answer(to: offer)
        noMux.media[0].attributes.removeAll { $0 == .rtcpMux }
        #expect(throws: SDPError.self) { try offerer.applyAnswer(noMux) }
        // A good answer is still accepted after the refused ones.
        #expect(try offerer.applyAnswer(Self.answer(to: offer)).acceptedMids == ["0"])
    }

    @Test func boundsTheNumberOfSections() throws {
        var offerer = SubscribeOfferer(transport: SDPFixtures.transport)
        for number in 0..<64 { _ = try offerer.addTrack(Self.audio(UInt32(number))) }
        let error = try #require(throws: SDPError.self) { try offerer.addTrack(Self.audio(64)) }
        #expect(error.code == .tooManyMediaSections)
    }
}

@Suite struct SubscribeOffererChromiumTests {
    /// Replays the offers whose answers Chromium gave in Fixtures/SDP (see interop_check.py):
    /// the offerer is deterministic, so the same script rebuilds the offers Chromium answered.
    @Test func appliesChromiumsAnswers() throws {
        var offerer = SubscribeOfferer(transport: SDPFixtures.transport)
        _ = try offerer.addTrack(SubscribeOffererTests.audio(1))
        _ = try offerer.addTrack(SubscribeOffererTests.video(1))
        _ = offerer.makeOffer()
        let first = try offerer.applyAnswer(SDPFixtures.offer("chromium-subscribe-answer-1"))
        #expect(first.acceptedMids == ["0", "1"])
        #expect(first.remote.setup == .active)
        #expect(first.remote.fingerprints.count == 1)
        #expect(first.remote.ice.password.utf8.count >= 22)

        offerer.removeTrack(mid: "1")
        _ = offerer.makeOffer()
        let second = try offerer.applyAnswer(SDPFixtures.offer("chromium-subscribe-answer-2"))
        #expect(second.acceptedMids == ["0"])
        #expect(second.remote.ice == first.remote.ice)

        #expect(try offerer.addTrack(SubscribeOffererTests.video(2)) == "2")
        #expect(offerer.makeOffer().media.map(\.mid) == ["0", "2"])
        let third = try offerer.applyAnswer(SDPFixtures.offer("chromium-subscribe-answer-3"))
        #expect(third.acceptedMids == ["0", "2"])
    }
}

import Testing

@testable import MeetMedia

/// Subscribe offers that add several consumers at once: every forwarded packet must carry the
/// SSRC and payload type the offer announced in the section of its own producer, as aiortc and
/// browsers route incoming RTP by SSRC and check the payload type against that section.
@Suite struct RouterMultiTrackTests {
    /// What a subscribe offer announced for one track: its mid, kind, SSRC and payload type.
    struct Announced: Equatable {
        var mid: String
        var kind: SDPMediaKind
        var ssrc: UInt32
        var payloadType: UInt8
    }

    /// The sending sections of `offer` by msid track id ("participant-source").
    static func announced(in offer: SessionDescription) throws -> [String: Announced] {
        var tracks: [String: Announced] = [:]
        for section in offer.media where section.port != 0 {
            let track = try #require(section.msid?.trackID)
            tracks[track] = Announced(
                mid: try #require(section.mid),
                kind: section.kind,
                ssrc: try #require(section.ssrcs.first),
                payloadType: try #require(section.payloadTypes.first)
            )
        }
        return tracks
    }

    /// A payload naming its producer, so the subscriber can tell which producer a packet came from.
    static func payload(_ track: String, sequence: UInt16) -> [UInt8] {
        Array(track.utf8) + [0xEE, UInt8(sequence & 0xFF)]
    }

    /// Sends ten packets on each of `tracks` (source, SSRC, payload type, mid) of `name`'s publish connection.
    static func send(
        _ harness: SFUHarness,
        from name: String,
        tracks: [(source: TrackSource, ssrc: UInt32, payloadType: UInt8, mid: String)]
    ) throws {
        let peer = try #require(try harness.client(name + "-pub").peer)
        var datagrams: [[UInt8]] = []
        for sequence in UInt16(200)..<210 {
            for track in tracks {
                let packet = SFUHarness.rtp(
                    payloadType: track.payloadType,
                    ssrc: track.ssrc,
                    sequence: sequence,
                    timestamp: 1000 &+ UInt32(sequence) &* 960,
                    mid: track.mid,
                    payload: payload("\(name)-\(track.source.rawValue)", sequence: sequence)
                )
                datagrams.append(try #require(peer.protectRTP(packet)))
            }
        }
        harness.pump(datagrams, from: try harness.client(name + "-pub"))
    }

    /// Checks that the subscriber got exactly ten packets of each announced track, each with the
    /// SSRC and payload type of that track's section.
    static func expectEachTrackOnItsOwnSection(_ received: [RTPPacket], announced: [String: Announced]) {
        for (track, section) in announced {
            let onSection = received.filter { $0.ssrc == section.ssrc }
            #expect(onSection.count == 10, "track \(track) on mid \(section.mid)")
            #expect(onSection.allSatisfy { $0.payloadType == section.payloadType }, "payload type of \(track)")
            #expect(
                onSection.map { Array($0.payload) } == (UInt16(200)..<210).map { payload(track, sequence: $0) },
                "packets on mid \(section.mid) come from \(track)"
            )
        }
        let known = Set(announced.values.map(\.ssrc))
        #expect(received.allSatisfy { known.contains($0.ssrc) }, "no packet on an SSRC the offer did not announce")
    }

    static func publisherTracks(videoSections: Int) -> [(source: TrackSource, ssrc: UInt32, payloadType: UInt8, mid: String)] {
        let video: [TrackSource] = [.camera, .screen]
        return [(.microphone, SFUHarness.audioSSRC, 96, "0")]
            + (0..<videoSections).map { (video[$0], SFUHarness.videoSSRC($0), 97, String($0 + 1)) }
    }

    /// Symptom 1: a late subscriber's first offer has both publishers' audio and video sections.
    @Test func lateSubscriberGetsEveryTrackOfTwoPublishersOnItsOwnSection() throws {
        let harness = try SFUHarness()
        try harness.publish("alice")
        try harness.publish("bob")
        let (offer, viewer) = try harness.subscribe("viewer")
        let announced = try Self.announced(in: offer)
        #expect(Set(announced.keys) == ["alice-microphone", "alice-camera", "bob-microphone", "bob-camera"])
        for name in ["alice", "bob"] { try Self.send(harness, from: name, tracks: Self.publisherTracks(videoSections: 1)) }
        let received = try #require(viewer.peer).receivedRTP.map { try RTPPacket(parsing: $0) }
        #expect(received.count == 40)
        Self.expectEachTrackOnItsOwnSection(received, announced: announced)
    }

    /// Symptom 2: one publish with microphone, camera and screen reaches a waiting subscriber in one offer.
    @Test func oneOfferWithTwoVideoSectionsOfOnePublisherForwardsBoth() throws {
        let harness = try SFUHarness()
        let (empty, _) = try harness.subscribe("viewer")
        #expect(empty.media.isEmpty)
        try harness.publish("bob", videoSections: 2)
        let offerText = try #require(RouterSignalingTests.offers(harness, for: "viewer").last)
        let offer = try harness.answerOffer(offerText, participant: "viewer")
        let announced = try Self.announced(in: offer)
        #expect(Set(announced.keys) == ["bob-microphone", "bob-camera", "bob-screen"])
        try Self.send(harness, from: "bob", tracks: Self.publisherTracks(videoSections: 2))
        let viewer = try harness.client("viewer-sub")
        let received = try #require(viewer.peer).receivedRTP.map { try RTPPacket(parsing: $0) }
        #expect(received.count == 30)
        Self.expectEachTrackOnItsOwnSection(received, announced: announced)
    }
}

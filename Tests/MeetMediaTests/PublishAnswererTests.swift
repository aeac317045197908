import Testing

@testable import MeetMedia

@Suite struct PublishAnswererTests {
    static let answerer = PublishAnswerer(transport: SDPFixtures.transport)

    /// Checks every answer must pass: ICE-lite, passive, bundled accepted sections, one section
    /// per offered section with the same mid, and the text parses back.
    static func checkShape(_ negotiation: PublishNegotiation, offer: SessionDescription) throws {
        let answer = negotiation.answer
        #expect(answer.isICELite)
        #expect(answer.media.count == offer.media.count)
        #expect(answer.media.map(\.mid) == offer.media.map(\.mid))
        #expect(answer.bundleGroup == negotiation.media.map(\.mid))
        for section in answer.media where section.port != 0 {
            #expect(section.setup == .passive)
            #expect(section.hasRTCPMux)
            #expect(section.iceUfrag == "sfuU")
            #expect(section.icePassword == "sfuPasswordOf24Chars+/xy")
            #expect(section.fingerprints == [SDPFixtures.transport.fingerprint])
            #expect(section.direction == .recvonly)
            #expect(section.port == 40000)
            #expect(section.candidates == SDPFixtures.transport.candidates)
            #expect(section.attributes.contains(.endOfCandidates))
        }
        #expect(try SessionDescription(parsing: answer.sdpText) == answer)
    }

    @Test func answersChromiumOffer() throws {
        let offer = try SDPFixtures.offer("chromium-offer")
        let negotiation = try Self.answerer.answer(offer)
        try Self.checkShape(negotiation, offer: offer)
        let answer = negotiation.answer

        #expect(negotiation.remote.ice == ICECredentials(ufrag: "3NYD", password: "rA0qLW8eZYC4MZjujKE06lnk"))
        #expect(negotiation.remote.fingerprints.map(\.algorithm) == ["sha-256"])
        #expect(negotiation.remote.fingerprints.first?.bytes.first == 0x5A)
        #expect(negotiation.remote.setup == .actpass)

        let audio = answer.media[0]
        #expect(audio.formats == ["111"])
        #expect(audio.codecs == [SDPCodec(payloadType: 111, name: "opus", clockRate: 48000, channels: 2, parameters: "minptime=10;useinbandfec=1")])
        #expect(audio.extmaps == [SDPExtmap(id: 4, uri: MediaCapabilities.HeaderExtension.mid)])
        #expect(audio.attributes.contains(.rtcpReducedSize))

        let video = answer.media[1]
        // VP8 and its RTX, then the one Constrained Baseline H.264 with packetization-mode=1 and its RTX.
        #expect(video.formats == ["96", "97", "108", "109"])
        #expect(video.codecs[0].feedback.map(\.type) == ["goog-remb", "ccm", "nack", "nack"])
        #expect(video.codecs[1].parameters == "apt=96")
        #expect(video.codecs[2].parameters == "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f")
        #expect(video.extmaps.map(\.id) == [4, 10, 11])

        #expect(answer.media[2].port == 0)
        #expect(answer.media[2].formats == ["webrtc-datachannel"])
        #expect(negotiation.rejected == [RejectedSection(mid: "2", reason: "media kind application is not forwarded")])

        let media = negotiation.media[1]
        #expect(media.codecs.map(\.codec.payloadType) == [96, 108])
        #expect(media.rtxPayloadType(for: 96) == 97)
        #expect(media.rtxPayloadType(for: 108) == 109)
        #expect(media.extensionID(MediaCapabilities.HeaderExtension.rtpStreamID) == 10)
        #expect(media.extensionID(MediaCapabilities.HeaderExtension.repairedRTPStreamID) == 11)
        #expect(media.remoteSSRCs == [2_943_551_254, 1_454_815_478])
        #expect(media.sourcePairs == [NegotiatedMedia.SourcePair(media: 2_943_551_254, rtx: 1_454_815_478)])
        #expect(media.rids.isEmpty)
        #expect(negotiation.media[0].remoteSSRCs == [1_345_110_357])
    }

    @Test func answersChromiumSimulcastOffer() throws {
        let offer = try SDPFixtures.offer("chromium-offer-simulcast")
        let negotiation = try Self.answerer.answer(offer)
        try Self.checkShape(negotiation, offer: offer)
        let video = negotiation.answer.media[1]
        #expect(video.rids == [SDPRid(id: "q", direction: .recv), SDPRid(id: "h", direction: .recv), SDPRid(id: "f", direction: .recv)])
        #expect(video.simulcast == SDPSimulcast(receive: [[.init(rid: "q")], [.init(rid: "h")], [.init(rid: "f")]]))
        #expect(negotiation.media[1].rids == ["q", "h", "f"])
        #expect(negotiation.media[1].remoteSSRCs.isEmpty)
    }

    @Test func answersAiortcOffer() throws {
        let offer = try SDPFixtures.offer("aiortc-offer")
        let negotiation = try Self.answerer.answer(offer)
        try Self.checkShape(negotiation, offer: offer)
        #expect(negotiation.answer.media[0].formats == ["96"])
        // aiortc's 42001f is Baseline, not Constrained Baseline; its 42e01f (101) is taken.
        #expect(negotiation.answer.media[1].formats == ["97", "98", "101", "102"])
        #expect(
            negotiation.media[1].codecs.map(\.codec.feedback) == [
                [
                    .init(payloadType: nil, type: "nack"), .init(payloadType: nil, type: "nack", parameter: "pli"),
                    .init(payloadType: nil, type: "goog-remb"),
                ],
                [
                    .init(payloadType: nil, type: "nack"), .init(payloadType: nil, type: "nack", parameter: "pli"),
                    .init(payloadType: nil, type: "goog-remb"),
                ],
            ]
        )
        #expect(negotiation.media[1].extensionID(MediaCapabilities.HeaderExtension.mid) == 1)
        #expect(negotiation.remote.fingerprints.map(\.algorithm) == ["sha-256", "sha-384", "sha-512"])
        #expect(negotiation.remote.sha256Fingerprint?.bytes == negotiation.remote.fingerprints.first?.bytes)
        #expect(negotiation.remote.sha256Fingerprint?.bytes.count == 32)
        #expect(negotiation.remote.ice.ufrag == "Ad5G")
        #expect(negotiation.media[1].sourcePairs == [NegotiatedMedia.SourcePair(media: 1_525_348_981, rtx: 2_913_774_935)])
    }

    @Test func rejectsAiortcDataChannel() throws {
        let offer = try SDPFixtures.offer("aiortc-offer-datachannel")
        let negotiation = try Self.answerer.answer(offer)
        try Self.checkShape(negotiation, offer: offer)
        #expect(negotiation.answer.media.map(\.port) == [40000, 40000, 0])
        #expect(negotiation.answer.bundleGroup == ["0", "1"])
    }

    /// Firefox offers VP8 as 120 (with max-fs/max-fr), VP9, AV1, RED and ULPFEC, and RTX for most.
    @Test func acceptsFirefoxAudioAndVideo() throws {
        let offer = try SDPFixtures.offer("firefox-offer")
        let negotiation = try Self.answerer.answer(offer)
        try Self.checkShape(negotiation, offer: offer)
        #expect(negotiation.rejected == [])
        #expect(negotiation.answer.media.map(\.port) == [40000, 40000])
        let video = negotiation.media[1]
        #expect(video.codecs.map(\.codec.name) == ["VP8"])
        #expect(video.codecs.first?.codec.payloadType == 120)
        #expect(video.codecs.first?.rtxPayloadType == 124)
    }

    /// REMB is accepted by default (the router sends publishers REMB), and can be turned off.
    @Test func rembOnlyWhenEnabled() throws {
        let offer = try SDPFixtures.offer("chromium-offer")
        let answerer = PublishAnswerer(capabilities: MediaCapabilities(), transport: SDPFixtures.transport)
        let video = try answerer.answer(offer).answer.media[1]
        #expect(video.codecs[0].feedback.map(\.type) == ["goog-remb", "ccm", "nack", "nack"])
        let without = PublishAnswerer(capabilities: MediaCapabilities(remb: false), transport: SDPFixtures.transport)
        #expect(try without.answer(offer).answer.media[1].codecs[0].feedback.map(\.type) == ["ccm", "nack", "nack"])
        // Subscribe offers never propose it.
        #expect(!MediaCapabilities().videoFeedback.contains { $0.type == "goog-remb" })
    }

    @Test func rejectsSectionsWithoutCommonCodec() throws {
        let offer = try SDPFixtures.offer("chromium-offer")
        let answerer = PublishAnswerer(capabilities: MediaCapabilities(codecs: [.opus]), transport: SDPFixtures.transport)
        let negotiation = try answerer.answer(offer)
        #expect(negotiation.answer.media.map(\.port) == [40000, 0, 0])
        #expect(negotiation.rejected.first == RejectedSection(mid: "1", reason: "no codec in common"))
        #expect(negotiation.answer.bundleGroup == ["0"])
    }

    /// The offer with `transform` applied to the text of every section and the session.
    static func edited(_ name: String, _ transform: (String) -> String) throws -> SessionDescription {
        try SessionDescription(parsing: transform(SDPFixtures.text(name)))
    }

    static func without(_ prefix: String) -> (String) -> String {
        { text in text.split(separator: "\r\n").filter { !$0.hasPrefix(prefix) }.joined(separator: "\r\n") + "\r\n" }
    }

    @Test(arguments: [
        ("a=rtcp-mux", SDPError.Code.missingRTCPMux),
        ("a=fingerprint", .missingFingerprint),
        ("a=ice-ufrag", .missingICECredentials),
        ("a=ice-pwd", .missingICECredentials),
        ("a=mid", .badMid),
        ("a=group:BUNDLE", .notBundled),
    ])
    func refusesOffersMissing(line: String, code: SDPError.Code) throws {
        for name in ["chromium-offer", "aiortc-offer"] {
            let offer = try Self.edited(name, Self.without(line))
            let error = try #require(throws: SDPError.self) { try Self.answerer.answer(offer) }
            #expect(error.code == code, "\(name)")
        }
    }

    @Test func refusesPassiveOfferAndWeakFingerprints() throws {
        let passive = try Self.edited("chromium-offer") { $0.replacingOccurrences(of: "a=setup:actpass", with: "a=setup:passive") }
        #expect(throws: SDPError.self) { try Self.answerer.answer(passive) }
        let sha1 = try Self.edited("chromium-offer") { text in
            text.split(separator: "\r\n").map { line in
                line.hasPrefix("a=fingerprint") ? "a=fingerprint:sha-1 " + Array(repeating: "AB", count: 20).joined(separator: ":") : String(line)
            }.joined(separator: "\r\n") + "\r\n"
        }
        let error = try #require(throws: SDPError.self) { try Self.answerer.answer(sha1) }
        #expect(error.code == .missingFingerprint)
    }

    @Test func refusesDuplicateMids() throws {
        let offer = try Self.edited("aiortc-offer") { $0.replacingOccurrences(of: "a=mid:1", with: "a=mid:0") }
        let error = try #require(throws: SDPError.self) { try Self.answerer.answer(offer) }
        #expect(error.code == .badMid)
    }

    @Test func sessionLevelTransportAttributesAreUsed() throws {
        let head =
            "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=ice-ufrag:abcd\r\na=ice-pwd:0123456789012345678901\r\n"
            + "a=fingerprint:sha-256 " + Array(repeating: "0F", count: 32).joined(separator: ":") + "\r\na=setup:active\r\n"
        let offer = try SessionDescription(
            parsing: head
                + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:x\r\na=sendonly\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n"
        )
        let negotiation = try Self.answerer.answer(offer)
        #expect(negotiation.remote.ice.ufrag == "abcd")
        #expect(negotiation.remote.setup == .active)
        #expect(negotiation.media.map(\.mid) == ["x"])
        #expect(negotiation.answer.media[0].attributes.contains(.rtcpReducedSize) == false)
    }
}

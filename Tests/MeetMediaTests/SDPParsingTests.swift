import Testing

@testable import MeetMedia

@Suite struct SDPParsingTests {
    @Test(arguments: SDPFixtures.offerNames)
    func fixtureRoundTripsByteForByte(name: String) throws {
        let text = SDPFixtures.text(name)
        #expect(!text.isEmpty)
        let description = try SessionDescription(parsing: text)
        #expect(description.sdpText == text)
        #expect(try SessionDescription(parsing: description.sdpText) == description)
    }

    @Test(arguments: SDPFixtures.offerNames)
    func lineFeedOnlyInputParsesTheSameAndWritesCRLF(name: String) throws {
        let text = SDPFixtures.text(name)
        let lf = text.replacingOccurrences(of: "\r\n", with: "\n")
        let description = try SessionDescription(parsing: lf)
        #expect(description == (try SessionDescription(parsing: text)))
        #expect(description.sdpText == text)
    }

    @Test func chromiumOffer() throws {
        let offer = try SDPFixtures.offer("chromium-offer")
        #expect(offer.origin.sessionVersion == 2)
        #expect(offer.bundleGroup == ["0", "1", "2"])
        #expect(offer.attributes.contains(.other(name: "extmap-allow-mixed", value: nil)))
        #expect(offer.attributes.contains(.msidSemantic(" WMS 2099722c-e9c4-4657-a14e-49e7f85f4416")))
        #expect(offer.media.map(\.kind) == [.audio, .video, .application])

        let audio = offer.media[0]
        #expect(audio.mid == "0")
        #expect(audio.port == 40334)
        #expect(audio.connection == SDPConnection(address: "192.0.2.2"))
        #expect(audio.payloadTypes == [111, 63, 9, 0, 8, 13, 110, 126])
        #expect(audio.iceUfrag == "3NYD")
        #expect(audio.icePassword == "rA0qLW8eZYC4MZjujKE06lnk")
        #expect(audio.setup == .actpass)
        #expect(audio.direction == .sendrecv)
        #expect(audio.hasRTCPMux)
        #expect(audio.attributes.contains(.rtcpReducedSize))
        #expect(audio.attributes.contains(.other(name: "rtcp-xr", value: "rcvr-rtt=all")))
        #expect(audio.fingerprints.first?.algorithm == "sha-256")
        #expect(audio.fingerprints.first?.bytes.prefix(3) == [0x5A, 0x24, 0x7F])
        #expect(audio.fingerprints.first?.bytes.count == 32)
        #expect(audio.extmaps.first { $0.uri == "urn:ietf:params:rtp-hdrext:sdes:mid" }?.id == 4)
        #expect(audio.ssrcs == [1_345_110_357])
        #expect(audio.sources.first == SDPSourceAttribute(ssrc: 1_345_110_357, name: "cname", value: "ikmvucJFkVARIEmW"))
        let opus = try #require(audio.codecs.first)
        #expect(
            opus
                == SDPCodec(
                    payloadType: 111,
                    name: "opus",
                    clockRate: 48000,
                    channels: 2,
                    parameters: "minptime=10;useinbandfec=1",
                    feedback: [SDPFeedback(payloadType: 111, type: "transport-cc")]
                )
        )

        let candidates = audio.candidates
        #expect(candidates.count == 4)
        #expect(
            candidates[0]
                == ICECandidate(
                    foundation: "1638299230",
                    priority: 2_122_194_687,
                    address: "192.0.2.2",
                    port: 40334,
                    extensions: [.init(name: "generation", value: "0"), .init(name: "network-id", value: "1")]
                )
        )
        #expect(candidates[2].transport == "tcp")
        #expect(candidates[2].extensions.first == .init(name: "tcptype", value: "active"))
        #expect(candidates[1].address == "fd00::2")

        let video = offer.media[1]
        #expect(video.sourceGroups == [SDPSourceGroup(semantics: "FID", ssrcs: [2_943_551_254, 1_454_815_478])])
        #expect(video.msid == SDPMediaStreamID(streamID: "2099722c-e9c4-4657-a14e-49e7f85f4416", trackID: "cb5298b2-3539-4ad5-949a-41c2b02e747a"))
        let vp8 = try #require(video.codecs.first)
        #expect(vp8.name == "VP8")
        #expect(vp8.feedback.map(\.type) == ["goog-remb", "transport-cc", "ccm", "nack", "nack"])
        let rtx = try #require(video.codecs.dropFirst().first)
        #expect(rtx.isRTX && rtx.associatedPayloadType == 96)
        #expect(video.extmaps.contains(SDPExtmap(id: 10, uri: "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id")))

        let data = offer.media[2]
        #expect(data.proto == "UDP/DTLS/SCTP")
        #expect(data.formats == ["webrtc-datachannel"])
        #expect(!data.isRTP)
        #expect(data.attributes.contains(.other(name: "sctp-port", value: "5000")))
    }

    @Test func chromiumSimulcastOffer() throws {
        let video = try SDPFixtures.offer("chromium-offer-simulcast").media[1]
        #expect(video.direction == .sendonly)
        #expect(video.rids == [SDPRid(id: "q", direction: .send), SDPRid(id: "h", direction: .send), SDPRid(id: "f", direction: .send)])
        #expect(video.simulcast == SDPSimulcast(send: [[.init(rid: "q")], [.init(rid: "h")], [.init(rid: "f")]]))
        #expect(video.ssrcs.isEmpty)
    }

    @Test func aiortcOffer() throws {
        let offer = try SDPFixtures.offer("aiortc-offer")
        #expect(offer.attributes.contains(.msidSemantic("WMS *")))
        let audio = offer.media[0]
        #expect(audio.fingerprints.map(\.algorithm) == ["sha-256", "sha-384", "sha-512"])
        #expect(audio.fingerprints.map(\.bytes.count) == [32, 48, 64])
        #expect(audio.attributes.last == .setup(.actpass))
        #expect(audio.attributes.contains(.endOfCandidates))
        #expect(audio.codecs.map(\.name) == ["opus", "G722", "PCMU", "PCMA"])
        let video = offer.media[1]
        #expect(video.codecs.filter(\.isRTX).compactMap(\.associatedPayloadType) == [97, 99, 101])
        #expect(video.codecs[2].parameterMap["profile-level-id"] == "42001f")
    }

    @Test func attributesRoundTrip() throws {
        let lines = [
            "group:BUNDLE a b", "ice-lite", "ice-options:trickle renomination", "setup:passive", "mid:a", "inactive",
            "extmap:3/sendonly urn:example:ext attr1 attr2", "extmap:4096 urn:x", "rtcp-fb:* nack", "rtcp-fb:100 ccm fir",
            "ssrc:4294967295 cname", "ssrc:1 msid:s t", "ssrc-group:SIM 1 2 3", "msid:- track", "rid:hi recv pt=96;max-width=1280",
            "simulcast:send hi;~mid,lo recv a", "candidate:1 1 UDP 1 example.local 9 typ srflx raddr 0.0.0.0 rport 0 generation 0",
            "candidate:2 2 tcp 5 ::1 9 typ relay rport 4", "fmtp:96 a=b; c=d", "rtpmap:0 PCMU/8000", "x-custom", "x-custom:",
            "x-custom:with: colons and  spaces",
        ]
        for line in lines {
            let attribute = try SDPAttribute(sdpLine: Substring(line), line: 1)
            #expect(attribute.sdpText == line, "\(line)")
            if case .other = attribute {
                #expect(line.hasPrefix("x-custom"))
            }
        }
    }

    @Test func candidateParsesTrickledForm() throws {
        let candidate = try ICECandidate(
            parsing: "candidate:842163049 1 udp 1677729535 203.0.113.7 46154 typ srflx raddr 10.0.0.2 rport 46154 generation 0"
        )
        #expect(candidate.kind == .serverReflexive)
        #expect(candidate.relatedAddress == "10.0.0.2")
        #expect(candidate.relatedPort == 46154)
        #expect(candidate.extensions == [.init(name: "generation", value: "0")])
        #expect(ICECandidate.priority(typePreference: 126, localPreference: 65535) == 2_130_706_431)
    }

    @Test func fingerprintMatchesCertificate() throws {
        let der: [UInt8] = Array(repeating: 7, count: 100)
        let ours = SDPFingerprint(DTLSFingerprint(certificateDER: der))
        #expect(ours.matches(certificateDER: der))
        #expect(!ours.matches(certificateDER: der + [0]))
        #expect(ours.isVerifiable)
        let parsed = try SDPAttribute(sdpLine: Substring("fingerprint:SHA-256 \(DTLSFingerprint(certificateDER: der))"), line: 1)
        #expect(parsed == .fingerprint(ours))
        #expect(!SDPFingerprint(algorithm: "sha-1", bytes: Array(repeating: 0, count: 20)).isVerifiable)
    }
}

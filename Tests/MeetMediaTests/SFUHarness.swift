import Testing

@testable import MeetMedia

/// An ``SFU`` and any number of ``TestClientPeer``s exchanging datagrams in memory, with fake time.
/// Each client has its own address; what the SFU sends goes to the client at its destination.
final class SFUHarness {
    final class Client {
        let name: String
        let address: STUNAddress
        let ice = ICECredentials.random()
        let certificate: DTLSCertificate
        var peer: TestClientPeer?

        init(name: String, port: UInt16) throws {
            self.name = name
            address = STUNAddress(ip: .v4(0x7F00_0001), port: port)
            certificate = try DTLSEndpointTests.certificate(name: name)
        }

        /// Starts the client side against the SFU's description (an answer or an offer).
        func connect(to description: String, now: ContinuousClock.Instant) throws -> [[UInt8]] {
            let parsed = try SessionDescription(parsing: description)
            // A description without media has no transport yet; a later offer brings one.
            guard peer == nil, let section = parsed.media.first(where: { $0.port != 0 }) else { return [] }
            let ufrag = try #require(section.iceUfrag)
            let password = try #require(section.icePassword)
            let fingerprint = try #require(section.fingerprints.first { $0.algorithm == "sha-256" })
            let peer = try TestClientPeer(
                local: ice,
                remote: ICECredentials(ufrag: ufrag, password: password),
                certificate: certificate,
                remoteFingerprint: try #require(DTLSFingerprint(sdpValue: SDPFingerprint.hex(fingerprint.bytes)))
            )
            self.peer = peer
            return peer.start(now: now)
        }
    }

    let sfu: SFU
    let sfuCertificate: DTLSCertificate
    var clients: [Client] = []
    var now = ContinuousClock.now
    var events: [SFUEvent] = []

    init(profiles: [SRTPProfile] = SRTPProfile.allCases) throws {
        sfuCertificate = try DTLSEndpointTests.certificate(name: "sfu")
        let candidate = ICECandidate(
            foundation: "1",
            component: 1,
            transport: "udp",
            priority: ICECandidate.priority(typePreference: 126, localPreference: 65535),
            address: "127.0.0.1",
            port: 3478,
            kind: .host
        )
        sfu = SFU(configuration: .init(certificate: sfuCertificate, profiles: profiles, candidates: [candidate]))
    }

    func client(_ name: String) throws -> Client {
        if let existing = clients.first(where: { $0.name == name }) { return existing }
        let created = try Client(name: name, port: UInt16(41000 + clients.count))
        clients.append(created)
        return created
    }

    /// Sends `datagrams` from `client`, then delivers everything in flight until quiet.
    func pump(_ datagrams: [[UInt8]] = [], from client: Client? = nil) {
        var pending: [(STUNAddress, [UInt8])] = datagrams.map { (client?.address ?? STUNAddress(ip: .v4(0x7F00_0001), port: 9), $0) }
        for _ in 0..<100 {
            for (source, datagram) in pending { sfu.handle(datagram: datagram, from: source, now: now) }
            pending = []
            var transmits: [Transmit] = []
            sfu.drainTransmits(into: &transmits)
            sfu.drainEvents(into: &events)
            for transmit in transmits {
                guard let target = clients.first(where: { $0.address == transmit.destination }), let peer = target.peer else { continue }
                pending += peer.handle(datagram: transmit.bytes).map { (target.address, $0) }
            }
            if pending.isEmpty && transmits.isEmpty {
                now += .milliseconds(10)
                sfu.handleTimeout(now: now)
                for client in clients {
                    guard let peer = client.peer else { continue }
                    pending += peer.handleTimeout(now: now).map { (client.address, $0) }
                }
                var late: [Transmit] = []
                sfu.drainTransmits(into: &late)
                sfu.drainEvents(into: &events)
                if pending.isEmpty && late.isEmpty { return }
                for transmit in late {
                    guard let target = clients.first(where: { $0.address == transmit.destination }), let peer = target.peer else { continue }
                    pending += peer.handle(datagram: transmit.bytes).map { (target.address, $0) }
                }
            }
        }
    }

    /// Publishes from `name` with one audio section and `videoSections` video sections.
    @discardableResult
    func publish(
        _ name: String,
        meeting: String = "m",
        videoSections: Int = 1,
        allowed: Set<TrackSource> = Set(TrackSource.allCases)
    ) throws -> (answer: SessionDescription, client: Client) {
        let client = try client(name + "-pub")
        let offer = Self.publishOffer(ice: client.ice, fingerprint: client.certificate.fingerprint, videoSections: videoSections)
        let answer = try sfu.publish(meeting: meeting, participant: name, offer: offer, allowedSources: allowed, now: now)
        pump(try client.connect(to: answer, now: now), from: client)
        return (try SessionDescription(parsing: answer), client)
    }

    /// Subscribes `name`, answers the SFU's offer as a browser would, and connects.
    @discardableResult
    func subscribe(_ name: String, meeting: String = "m") throws -> (offer: SessionDescription, client: Client) {
        let client = try client(name + "-sub")
        let offerText = try sfu.subscribe(meeting: meeting, participant: name, now: now)
        let offer = try SessionDescription(parsing: offerText)
        try sfu.applySubscribeAnswer(meeting: meeting, participant: name, answer: answer(offer, from: client).sdpText, now: now)
        pump(try client.connect(to: offerText, now: now), from: client)
        return (offer, client)
    }

    /// Answers a renegotiation offer from the SFU.
    @discardableResult
    func answerOffer(_ offerText: String, participant name: String, meeting: String = "m") throws -> SessionDescription {
        let client = try client(name + "-sub")
        let offer = try SessionDescription(parsing: offerText)
        try sfu.applySubscribeAnswer(meeting: meeting, participant: name, answer: answer(offer, from: client).sdpText, now: now)
        pump(try client.connect(to: offerText, now: now), from: client)
        return offer
    }

    func answer(_ offer: SessionDescription, from client: Client) -> SessionDescription {
        var answer = SessionDescription(origin: SDPOrigin(sessionID: "99", sessionVersion: 1))
        let accepted = offer.media.filter { $0.port != 0 }.compactMap(\.mid)
        answer.attributes = accepted.isEmpty ? [] : [.group(SDPGroup(semantics: "BUNDLE", mids: accepted))]
        for section in offer.media {
            var reply = MediaDescription(kind: section.kind, port: 0, formats: section.formats, attributes: [.mid(section.mid ?? "")])
            reply.attributes += [
                .iceUfrag(client.ice.ufrag), .icePwd(client.ice.password), .fingerprint(SDPFingerprint(client.certificate.fingerprint)),
                .setup(.active), .direction(section.port == 0 ? .inactive : .recvonly), .rtcpMux,
            ]
            reply.attributes += section.codecs.flatMap(\.attributes)
            if section.port != 0 { reply.port = 9 }
            answer.media.append(reply)
        }
        return answer
    }

    static let audioSSRC: UInt32 = 0x0A0A_0001
    static func videoSSRC(_ index: Int) -> UInt32 { 0x0B0B_0001 + UInt32(index) }

    /// A publish offer as aiortc writes one: Opus at 96, VP8 at 97 with RTX 98 (NACK, PLI and REMB
    /// feedback), mid at extension id 1.
    static func publishOffer(ice: ICECredentials, fingerprint: DTLSFingerprint, videoSections: Int) -> String {
        let mids = (0...videoSections).map(String.init).joined(separator: " ")
        var lines = ["v=0", "o=- 1 1 IN IP4 0.0.0.0", "s=-", "t=0 0", "a=group:BUNDLE \(mids)", "a=msid-semantic:WMS *"]
        func transport(_ mid: Int) -> [String] {
            [
                "c=IN IP4 127.0.0.1", "a=sendonly", "a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid", "a=mid:\(mid)", "a=rtcp-mux",
                "a=ice-ufrag:\(ice.ufrag)", "a=ice-pwd:\(ice.password)", "a=fingerprint:sha-256 \(fingerprint)", "a=setup:actpass",
            ]
        }
        lines += ["m=audio 9 UDP/TLS/RTP/SAVPF 96"] + transport(0)
        lines += ["a=ssrc:\(audioSSRC) cname:pub", "a=rtpmap:96 opus/48000/2"]
        for index in 0..<videoSections {
            lines += ["m=video 9 UDP/TLS/RTP/SAVPF 97 98"] + transport(index + 1)
            lines += ["a=ssrc-group:FID \(videoSSRC(index)) \(videoSSRC(index) + 100)", "a=ssrc:\(videoSSRC(index)) cname:pub"]
            lines += ["a=ssrc:\(videoSSRC(index) + 100) cname:pub", "a=rtpmap:97 VP8/90000", "a=rtcp-fb:97 nack", "a=rtcp-fb:97 nack pli"]
            lines += ["a=rtcp-fb:97 goog-remb"]
            lines += ["a=rtpmap:98 rtx/90000", "a=fmtp:98 apt=97"]
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// An RTP packet as the publisher sends it, with the mid extension (id 1) naming `mid`.
    static func rtp(payloadType: UInt8, ssrc: UInt32, sequence: UInt16, timestamp: UInt32, mid: String, payload: [UInt8]) -> [UInt8] {
        var packet: [UInt8] = [0x90, payloadType, UInt8(sequence >> 8), UInt8(sequence & 0xFF)]
        packet.appendBigEndian(timestamp)
        packet.appendBigEndian(ssrc)
        let element: [UInt8] = [0x10 | UInt8(mid.utf8.count - 1)] + Array(mid.utf8)
        let padded = element + Array(repeating: 0, count: (4 - element.count % 4) % 4)
        packet += [0xBE, 0xDE, 0, UInt8(padded.count / 4)] + padded
        return packet + payload
    }
}

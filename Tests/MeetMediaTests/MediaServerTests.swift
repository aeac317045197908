import NIOCore
import Testing

@testable import MeetMedia

/// The SFU behind its real UDP socket on 127.0.0.1, with test peers on their own sockets.
@Suite struct MediaServerTests {
    static func client(for description: String, server: MediaServer, name: String) async throws -> (UDPTestClient, ICECredentials, DTLSCertificate) {
        let parsed = try SessionDescription(parsing: description)
        let section = try #require(parsed.media.first { $0.port != 0 })
        let certificate = try DTLSEndpointTests.certificate(name: name)
        let fingerprint = try #require(section.fingerprints.first { $0.algorithm == "sha-256" })
        let ice = ICECredentials.random()
        let peer = try TestClientPeer(
            local: ice,
            remote: ICECredentials(ufrag: try #require(section.iceUfrag), password: try #require(section.icePassword)),
            certificate: certificate,
            remoteFingerprint: try #require(DTLSFingerprint(sdpValue: SDPFingerprint.hex(fingerprint.bytes)))
        )
        let socket = try await UDPTestSocket.open()
        let candidate = try #require(section.candidates.first)
        #expect(candidate.address == "127.0.0.1" && Int(candidate.port) == server.port)
        let client = UDPTestClient(socket: socket, peer: peer, server: try SocketAddress(ipAddress: "127.0.0.1", port: server.port))
        return (client, ice, certificate)
    }

    @Test func forwardsOverUDPAndDropsStrangers() async throws {
        let certificate = try DTLSEndpointTests.certificate(name: "sfu")
        // Consent is not under test; a generous timeout keeps a loaded machine (tests run in
        // parallel on two cores) from expiring the publisher before the test task gets to run.
        let server = try await MediaServer.start(
            configuration: .init(host: "127.0.0.1", port: 0, certificate: certificate, consentTimeout: .seconds(600))
        )

        // The publisher's offer needs its credentials before the SFU's answer exists: make them first.
        let publisherCertificate = try DTLSEndpointTests.certificate(name: "alice")
        let publisherICE = ICECredentials.random()
        let offer = SFUHarness.publishOffer(ice: publisherICE, fingerprint: publisherCertificate.fingerprint, videoSections: 1)
        let answer = try await server.publish(meeting: "m", participant: "alice", offerSDP: offer, allowedSources: [.microphone, .camera])
        let answerSection = try #require(try SessionDescription(parsing: answer).media.first)
        let publisherSocket = try await UDPTestSocket.open()
        let publisher = UDPTestClient(
            socket: publisherSocket,
            peer: try TestClientPeer(
                local: publisherICE,
                remote: ICECredentials(ufrag: try #require(answerSection.iceUfrag), password: try #require(answerSection.icePassword)),
                certificate: publisherCertificate,
                remoteFingerprint: certificate.fingerprint
            ),
            server: try SocketAddress(ipAddress: "127.0.0.1", port: server.port)
        )
        try await publisherSocket.send(publisher.peer.start(now: .now), to: publisher.server)

        let offerText = try await server.subscribe(meeting: "m", participant: "bob")
        let (bob, bobICE, bobCertificate) = try await Self.client(for: offerText, server: server, name: "bob")
        let subscribeOffer = try SessionDescription(parsing: offerText)
        var subscribeAnswer = SessionDescription(origin: SDPOrigin(sessionID: "7", sessionVersion: 1))
        subscribeAnswer.attributes = [.group(SDPGroup(semantics: "BUNDLE", mids: subscribeOffer.media.compactMap(\.mid)))]
        for section in subscribeOffer.media {
            var reply = MediaDescription(kind: section.kind, port: 9, formats: section.formats, attributes: [.mid(section.mid ?? "")])
            reply.attributes += [
                .iceUfrag(bobICE.ufrag), .icePwd(bobICE.password), .fingerprint(SDPFingerprint(bobCertificate.fingerprint)),
                .setup(.active), .direction(.recvonly), .rtcpMux,
            ]
            subscribeAnswer.media.append(reply)
        }
        try await server.applySubscribeAnswer(meeting: "m", participant: "bob", answerSDP: subscribeAnswer.sdpText)
        try await bob.socket.send(bob.peer.start(now: .now), to: bob.server)
        try await UDPTestClient.run([publisher, bob]) { publisher.peer.isConnected && bob.peer.isConnected }
        #expect(publisher.peer.isConnected)
        #expect(bob.peer.isConnected)

        // Strangers: garbage and an SRTP-looking flood from a socket no peer uses.
        let stranger = try await UDPTestSocket.open()
        try await stranger.send(
            (0..<200).map { [0x80, 0x60, UInt8($0)] + Array(repeating: 0xEE, count: 40) } + [[0x00, 0x01], [0xFF]],
            to: publisher.server
        )

        var sent: [[UInt8]] = []
        for sequence in UInt16(1)...50 {
            let packet = SFUHarness.rtp(
                payloadType: 97,
                ssrc: SFUHarness.videoSSRC(0),
                sequence: sequence,
                timestamp: UInt32(sequence) * 3000,
                mid: "1",
                payload: Array(repeating: UInt8(truncatingIfNeeded: sequence), count: 200)
            )
            sent.append(Array(repeating: UInt8(truncatingIfNeeded: sequence), count: 200))
            try await publisherSocket.send([try #require(publisher.peer.protectRTP(packet))], to: publisher.server)
        }
        try await UDPTestClient.run([publisher, bob]) { bob.peer.receivedRTP.count >= 50 }
        let received = try bob.peer.receivedRTP.map { try RTPPacket(parsing: $0) }
        #expect(received.map { Array($0.payload) } == sent)
        #expect(received.allSatisfy { $0.payloadType == 96 })

        let metrics = try await server.metrics()
        #expect(metrics.packetsForwarded == 50)
        #expect(metrics.connectedPeers == 2)
        #expect(metrics.droppedUnknownSource == 202)
        #expect(metrics.srtpAuthFailures == 0)

        try await server.removeParticipant(meeting: "m", participant: "alice")
        #expect(try await server.metrics().peers == 1)
        for socket in [publisherSocket, bob.socket, stranger] { try await socket.close() }
        try await server.close()
    }
}

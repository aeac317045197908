import Testing

@testable import MeetMedia

/// A ``PeerTransport`` and a ``TestClientPeer`` connected through in-memory datagrams, with fake time.
@Suite struct PeerTransportTests {
    static let clientAddress = STUNAddress(ip: .v4(0x7F00_0001), port: 40000)
    static let strangerAddress = STUNAddress(ip: .v4(0x7F00_0001), port: 40001)

    final class Link {
        let server: PeerTransport
        let client: TestClientPeer
        var now = ContinuousClock.now
        var events: [PeerTransportEvent] = []

        init(serverProfiles: [SRTPProfile] = SRTPProfile.allCases, lie: Bool = false, consentTimeout: Duration = .seconds(30)) throws {
            let serverCertificate = try DTLSEndpointTests.certificate(name: "sfu")
            let clientCertificate = try DTLSEndpointTests.certificate(name: "client")
            let impostor = try DTLSEndpointTests.certificate(name: "impostor")
            let serverICE = ICECredentials.random()
            let clientICE = ICECredentials.random()
            let remote = RemoteTransport(
                ice: clientICE,
                fingerprints: [SDPFingerprint((lie ? impostor : clientCertificate).fingerprint)],
                setup: .active
            )
            server = try PeerTransport(
                configuration: .init(local: serverICE, certificate: serverCertificate, profiles: serverProfiles, consentTimeout: consentTimeout),
                remote: remote,
                now: now
            )
            client = try TestClientPeer(
                local: clientICE,
                remote: serverICE,
                certificate: clientCertificate,
                remoteFingerprint: serverCertificate.fingerprint
            )
        }

        /// Delivers datagrams both ways until nothing is in flight, advancing fake time by 10 ms a round.
        func pump(_ toServer: [[UInt8]] = [], from source: STUNAddress = PeerTransportTests.clientAddress, rounds: Int = 50) {
            var pending = toServer
            for _ in 0..<rounds {
                for datagram in pending { server.handle(datagram: datagram, from: source, now: now) }
                pending = []
                var transmits: [Transmit] = []
                server.drainTransmits(into: &transmits)
                server.drainEvents(into: &events)
                for transmit in transmits where transmit.destination == PeerTransportTests.clientAddress {
                    pending += client.handle(datagram: transmit.bytes)
                }
                if pending.isEmpty && transmits.isEmpty {
                    now += .milliseconds(10)
                    if let due = server.nextTimeout(), due <= now { server.handleTimeout(now: now) }
                    pending += client.handleTimeout(now: now)
                    var late: [Transmit] = []
                    server.drainTransmits(into: &late)
                    server.drainEvents(into: &events)
                    for transmit in late { pending += client.handle(datagram: transmit.bytes) }
                    if pending.isEmpty && (client.isConnected || client.failure != nil) { return }
                }
            }
        }

        func connect() {
            pump(client.start(now: now))
        }

        var rtpEvents: [[UInt8]] { events.compactMap { if case .rtp(let packet) = $0 { packet } else { nil } } }
        var rtcpEvents: [[UInt8]] { events.compactMap { if case .rtcp(let packet) = $0 { packet } else { nil } } }
    }

    static func rtp(sequence: UInt16, ssrc: UInt32 = 0x1234_5678, payload: [UInt8] = Array(repeating: 0xAB, count: 100)) -> [UInt8] {
        var packet: [UInt8] = [0x80, 96, UInt8(sequence >> 8), UInt8(sequence & 0xFF), 0, 0, 0x10, 0]
        packet += [UInt8(ssrc >> 24), UInt8((ssrc >> 16) & 0xFF), UInt8((ssrc >> 8) & 0xFF), UInt8(ssrc & 0xFF)]
        return packet + payload
    }

    @Test(arguments: SRTPProfile.allCases)
    func connectsAndCarriesMediaBothWays(profile: SRTPProfile) throws {
        let link = try Link(serverProfiles: [profile])
        link.connect()
        #expect(link.client.isConnected)
        #expect(link.server.isConnected)
        #expect(link.events.contains(.connected(profile)))
        #expect(link.server.selectedAddress == Self.clientAddress)

        let sent = (0..<20).map { Self.rtp(sequence: UInt16(100 + $0)) }
        link.pump(sent.compactMap { link.client.protectRTP($0) })
        #expect(link.rtpEvents == sent)
        #expect(link.server.counters.rtpIn == 20)

        var pli: [UInt8] = []
        RTCPPictureLossIndication(senderSSRC: 1, mediaSSRC: 2).append(to: &pli)
        link.pump([try #require(link.client.protectRTCP(pli))])
        #expect(link.rtcpEvents == [pli])

        let down = Self.rtp(sequence: 7, ssrc: 0xCAFE_F00D)
        #expect(link.server.sendRTP(down))
        #expect(link.server.sendRTCP(pli))
        link.pump()
        #expect(link.client.receivedRTP == [down])
        #expect(link.client.receivedRTCP == [pli])
        #expect(link.client.srtpFailures == 0)
    }

    @Test func forgedAndStrayPacketsAreCountedAndDropped() throws {
        let link = try Link()
        link.connect()
        var forged = try #require(link.client.protectRTP(Self.rtp(sequence: 1)))
        forged[forged.count - 1] ^= 0x01
        let genuine = try #require(link.client.protectRTP(Self.rtp(sequence: 2)))
        link.pump([forged])
        link.pump([genuine], from: Self.strangerAddress)
        link.pump([genuine])
        link.pump([genuine])
        link.pump([[], [0x40, 1, 2], [0x80]])
        #expect(link.rtpEvents == [Self.rtp(sequence: 2)])
        #expect(link.server.counters.srtpAuthFailures == 2)  // the forged tag, and the 1-byte datagram
        #expect(link.server.counters.srtpReplays == 1)
        #expect(link.server.counters.dropped == 3)  // the stranger's copy, the empty and the unclassified datagram
    }

    @Test func wrongClientCertificateFailsTheHandshake() throws {
        let link = try Link(lie: true)
        link.connect()
        #expect(!link.server.isConnected)
        #expect(link.server.counters.dtlsFailures == 1)
        guard case .closed(.dtlsFailure) = link.events.last else {
            Issue.record("expected a DTLS failure, got \(link.events)")
            return
        }
        #expect(link.server.sendRTP(Self.rtp(sequence: 1)) == false)
    }

    @Test func consentTimeoutClosesTheTransport() throws {
        let link = try Link(consentTimeout: .seconds(5))
        link.connect()
        #expect(link.server.isConnected)
        let due = try #require(link.server.nextTimeout())
        link.server.handleTimeout(now: due)
        link.server.drainEvents(into: &link.events)
        #expect(link.events.last == .closed(.consentTimeout))
        #expect(link.server.nextTimeout() == nil)
        #expect(link.server.sendRTP(Self.rtp(sequence: 1)) == false)
        link.server.close()
        link.server.drainEvents(into: &link.events)
        #expect(link.events.filter { if case .closed = $0 { true } else { false } }.count == 1)
    }

    @Test func closeNotifyFromThePeerClosesTheTransport() throws {
        let link = try Link()
        link.connect()
        #expect(link.server.isConnected)
        link.pump(link.client.close())
        #expect(link.events.last == .closed(.closedByPeer))
        #expect(!link.server.isConnected)
        #expect(link.server.nextTimeout() == nil)
    }

    @Test func withoutARemoteEverythingIsDropped() throws {
        let certificate = try DTLSEndpointTests.certificate(name: "sfu")
        let transport = try PeerTransport(configuration: .init(local: .random(), certificate: certificate), remote: nil, now: .now)
        transport.handle(datagram: [0x16, 0xFE, 0xFD], from: Self.clientAddress, now: .now)
        transport.handle(datagram: Self.rtp(sequence: 1), from: Self.clientAddress, now: .now)
        #expect(transport.counters.dropped == 2)
        #expect(transport.nextTimeout() == nil)
    }
}

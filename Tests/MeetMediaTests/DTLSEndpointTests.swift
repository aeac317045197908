import Crypto
import Foundation
import SwiftASN1
import Testing
import X509

@testable import MeetMedia

/// Two BoringSSL endpoints shake hands through lists of datagrams, as the SFU and a browser would.
@Suite struct DTLSEndpointTests {
    static func certificate(name: String) throws -> DTLSCertificate {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName { CommonName(name) }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: .init(),
            publicKey: .init(key.publicKey),
            notValidBefore: Date().addingTimeInterval(-60),
            notValidAfter: Date().addingTimeInterval(86_400),
            issuer: subject,
            subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: Certificate.Extensions(),
            issuerPrivateKey: .init(key)
        )
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return DTLSCertificate(der: serializer.serializedBytes, privateKey: key)
    }

    struct Pair {
        let server: DTLSEndpoint
        let client: DTLSEndpoint
    }

    static func pair(
        serverProfiles: [SRTPProfile] = SRTPProfile.allCases,
        clientProfiles: [SRTPProfile] = SRTPProfile.allCases,
        lie: Bool = false
    ) throws -> Pair {
        let serverCertificate = try certificate(name: "sfu")
        let clientCertificate = try certificate(name: "browser")
        let impostor = try certificate(name: "impostor")
        let server = try DTLSEndpoint(
            role: .server,
            certificate: serverCertificate,
            remoteFingerprint: (lie ? impostor : clientCertificate).fingerprint,
            profiles: serverProfiles,
            initialRetransmitTimeout: .milliseconds(20)
        )
        let client = try DTLSEndpoint(
            role: .client,
            certificate: clientCertificate,
            remoteFingerprint: serverCertificate.fingerprint,
            profiles: clientProfiles,
            initialRetransmitTimeout: .milliseconds(20)
        )
        return Pair(server: server, client: client)
    }

    /// Runs the handshake; `drop` may discard datagrams in flight. Returns how many datagrams crossed.
    @discardableResult
    static func handshake(_ pair: Pair, drop: (Int) -> Bool = { _ in false }) -> Int {
        var toServer = pair.client.start()
        var toClient: [[UInt8]] = []
        var sent = 0
        for _ in 0..<20 {
            for datagram in toServer {
                sent += 1
                #expect(datagram.count <= 1200)
                if !drop(sent) { toClient += pair.server.handle(datagram: datagram) }
            }
            toServer = []
            for datagram in toClient {
                sent += 1
                if !drop(sent) { toServer += pair.client.handle(datagram: datagram) }
            }
            toClient = []
            if toServer.isEmpty, pair.client.timeout != nil || pair.server.timeout != nil {
                // Nothing in flight: wait out the retransmission timer and fire it, as the driver would.
                let wait = max(pair.client.timeout ?? .zero, pair.server.timeout ?? .zero)
                Thread.sleep(forTimeInterval: Double(wait.components.attoseconds) / 1e18 + Double(wait.components.seconds) + 0.005)
                toServer = pair.client.handleTimeout()
                toClient = pair.server.handleTimeout()
            }
            if case .connected = pair.server.state, case .connected = pair.client.state { break }
        }
        return sent
    }

    @Test func handshakesAndExportsTheSameSRTPKeysOnBothSides() throws {
        let pair = try Self.pair()
        Self.handshake(pair)
        guard case .connected(let serverKeys) = pair.server.state, case .connected(let clientKeys) = pair.client.state else {
            Issue.record("not connected: server \(pair.server.state), client \(pair.client.state)")
            return
        }
        #expect(serverKeys == clientKeys)
        #expect(serverKeys.profile == .aeadAES128GCM)
        #expect(serverKeys.clientKey != serverKeys.serverKey)

        // Media protected by the client's outbound context opens with the server's inbound one, and back.
        var (clientOut, clientIn) = try clientKeys.contexts(isServer: false)
        var (serverOut, serverIn) = try serverKeys.contexts(isServer: true)
        let rtp: [UInt8] = [0x80, 111, 0, 7, 0, 0, 0, 9, 0, 0, 0, 42] + Array("opus frame".utf8)
        #expect(try serverIn.unprotectRTP(try clientOut.protectRTP(rtp)) == rtp)
        #expect(try clientIn.unprotectRTP(try serverOut.protectRTP(rtp)) == rtp)
    }

    @Test(arguments: [SRTPProfile.aes128CMHMACSHA180, .aeadAES128GCM])
    func negotiatesTheOnlyProfileTheServerAllows(profile: SRTPProfile) throws {
        let pair = try Self.pair(serverProfiles: [profile])
        Self.handshake(pair)
        guard case .connected(let keys) = pair.server.state else {
            Issue.record("not connected: \(pair.server.state)")
            return
        }
        #expect(keys.profile == profile)
    }

    @Test func refusesAPeerWhoseCertificateIsNotTheSignalledOne() throws {
        let pair = try Self.pair(lie: true)
        Self.handshake(pair)
        guard case .failed = pair.server.state else {
            Issue.record("server accepted a certificate that does not match the fingerprint: \(pair.server.state)")
            return
        }
        if case .connected = pair.client.state { Issue.record("client believes it is connected") }
    }

    @Test func failsWithoutACommonSRTPProfile() throws {
        let pair = try Self.pair(serverProfiles: [.aeadAES128GCM], clientProfiles: [.aes128CMHMACSHA180])
        Self.handshake(pair)
        if case .connected = pair.server.state { Issue.record("connected without SRTP") }
    }

    @Test func retransmitsALostFlight() throws {
        let pair = try Self.pair()
        // Lose the server's first flight: the client's timer must resend its hello.
        Self.handshake(pair) { $0 == 2 }
        guard case .connected = pair.server.state, case .connected = pair.client.state else {
            Issue.record("not connected after a lost flight: server \(pair.server.state), client \(pair.client.state)")
            return
        }
    }

    /// DTLS 1.2 ends with the server's flight; if it is lost, the client resends its Finished and
    /// the server, though already connected, must answer with its last flight again (RFC 6347 §4.2.4).
    @Test func resendsItsLastFlightAfterConnecting() throws {
        let pair = try Self.pair()
        var toServer = pair.client.start()
        var lostFinalFlight = false
        for _ in 0..<8 {
            var toClient: [[UInt8]] = []
            for datagram in toServer { toClient += pair.server.handle(datagram: datagram) }
            toServer = []
            if case .connected = pair.server.state, !lostFinalFlight {
                lostFinalFlight = true
                toClient = []
            }
            for datagram in toClient { toServer += pair.client.handle(datagram: datagram) }
            if case .connected = pair.client.state { break }
            if toServer.isEmpty, let wait = pair.client.timeout {
                Thread.sleep(forTimeInterval: Double(wait.components.attoseconds) / 1e18 + Double(wait.components.seconds) + 0.005)
                toServer = pair.client.handleTimeout()
            }
        }
        #expect(lostFinalFlight)
        guard case .connected = pair.client.state else {
            Issue.record("client never connected after losing the server's last flight: \(pair.client.state)")
            return
        }
    }

    @Test func garbageDuringTheHandshakeIsNotFatalToTheProcess() throws {
        let pair = try Self.pair()
        for size in [0, 1, 13, 100, 1500] {
            _ = pair.server.handle(datagram: (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 37) })
        }
        // Whatever state garbage put it in, nothing crashed; a fresh pair still connects.
        let fresh = try Self.pair()
        Self.handshake(fresh)
        if case .connected = fresh.server.state {} else { Issue.record("fresh pair did not connect") }
    }

    @Test func fingerprintsUseTheSDPForm() throws {
        let certificate = try Self.certificate(name: "x")
        let text = certificate.fingerprint.description
        #expect(text.count == 95)
        #expect(DTLSFingerprint(sdpValue: text) == certificate.fingerprint)
        #expect(DTLSFingerprint(sdpValue: "AB:CD") == nil)
    }
}

import Testing

@testable import MeetMedia

@Suite struct ICEDemultiplexerTests {
    static let alice = STUNAddress(ip: .v4(0xC000_0201), port: 50000)
    static let bob = STUNAddress(ip: .v4(0xC000_0202), port: 50000)
    static let stranger = STUNAddress(ip: .v4(0xC633_6401), port: 40000)
    static let dtls: [UInt8] = [22, 254, 253] + Array(repeating: 0, count: 10)
    static let rtp: [UInt8] = [0x80, 96] + Array(repeating: 0, count: 10)

    static func stun(to ufrag: String) -> [UInt8] {
        (try? STUNMessage(.request, .binding, attributes: [.username(ufrag + ":brws")]).encoded(integrityKey: .shortTerm(password: "x"))) ?? []
    }

    static func peer(_ route: ICEDemultiplexer<String>.Route) -> String? {
        switch route {
        case .stun(let peer, _): peer
        case .media(let peer, _): peer
        case .drop: nil
        }
    }

    @Test func routesSTUNByUfragBeforeAnyAddressIsKnown() {
        var demultiplexer = ICEDemultiplexer<String>()
        #expect(demultiplexer.register("alice", localUfrag: "aaaa") == true)
        #expect(demultiplexer.register("bob", localUfrag: "bbbb") == true)
        guard case .stun("alice", let message) = demultiplexer.route(Self.stun(to: "aaaa"), from: Self.stranger) else {
            Issue.record("not routed to alice")
            return
        }
        #expect(message.username == "aaaa:brws")
        #expect(Self.peer(demultiplexer.route(Self.stun(to: "bbbb"), from: Self.stranger)) == "bob")
        #expect(Self.peer(demultiplexer.route(Self.stun(to: "cccc"), from: Self.alice)) == nil)
        #expect(Self.peer(demultiplexer.route(Self.stun(to: "aaa"), from: Self.alice)) == nil)
        #expect(demultiplexer.counters.stunRouted == 2)
        #expect(demultiplexer.counters.unknownUfrag == 2)
    }

    @Test func routesMediaBySelectedAddressOnly() {
        var demultiplexer = ICEDemultiplexer<String>()
        _ = demultiplexer.register("alice", localUfrag: "aaaa")
        #expect(Self.peer(demultiplexer.route(Self.dtls, from: Self.alice)) == nil)
        demultiplexer.select(Self.alice, for: "alice")
        guard case .media("alice", .dtls) = demultiplexer.route(Self.dtls, from: Self.alice) else {
            Issue.record("DTLS not routed")
            return
        }
        guard case .media("alice", .rtp) = demultiplexer.route(Self.rtp, from: Self.alice) else {
            Issue.record("RTP not routed")
            return
        }
        #expect(Self.peer(demultiplexer.route(Self.rtp, from: Self.stranger)) == nil)
        // A switch of address: the old one stops routing.
        demultiplexer.select(Self.bob, for: "alice")
        #expect(Self.peer(demultiplexer.route(Self.rtp, from: Self.alice)) == nil)
        #expect(Self.peer(demultiplexer.route(Self.rtp, from: Self.bob)) == "alice")
        #expect(demultiplexer.selectedAddress(of: "alice") == Self.bob)
        demultiplexer.clearSelection(for: "alice")
        #expect(Self.peer(demultiplexer.route(Self.rtp, from: Self.bob)) == nil)
        #expect(demultiplexer.counters.mediaRouted == 3)
        #expect(demultiplexer.counters.unknownAddress == 4)
    }

    @Test func stunWithoutUsernameFollowsTheAddress() throws {
        var demultiplexer = ICEDemultiplexer<String>()
        _ = demultiplexer.register("alice", localUfrag: "aaaa")
        let indication = try STUNMessage(.indication, .binding).encoded()
        #expect(Self.peer(demultiplexer.route(indication, from: Self.alice)) == nil)
        demultiplexer.select(Self.alice, for: "alice")
        #expect(Self.peer(demultiplexer.route(indication, from: Self.alice)) == "alice")
    }

    @Test func dropsAndCountsWhatIsNeitherSTUNNorMedia() {
        var demultiplexer = ICEDemultiplexer<String>()
        _ = demultiplexer.register("alice", localUfrag: "aaaa")
        demultiplexer.select(Self.alice, for: "alice")
        for datagram: [UInt8] in [[], [16, 0], [64, 0, 0, 0], [255]] {
            #expect(Self.peer(demultiplexer.route(datagram, from: Self.alice)) == nil)
        }
        #expect(Self.peer(demultiplexer.route([0, 1, 0, 0], from: Self.alice)) == nil)
        #expect(demultiplexer.counters.unclassified == 4)
        #expect(demultiplexer.counters.malformedSTUN == 1)
    }

    @Test func tablesAreBoundedAndUfragsUnique() {
        var demultiplexer = ICEDemultiplexer<Int>(maximumPeers: 3)
        #expect(demultiplexer.register(1, localUfrag: "u1") == true)
        #expect(demultiplexer.register(2, localUfrag: "u1") == false)
        #expect(demultiplexer.register(1, localUfrag: "u9") == false)
        #expect(demultiplexer.register(2, localUfrag: "u2") == true)
        #expect(demultiplexer.register(3, localUfrag: "u3") == true)
        #expect(demultiplexer.register(4, localUfrag: "u4") == false)
        demultiplexer.select(Self.alice, for: 1)
        demultiplexer.remove(1)
        #expect(demultiplexer.peerCount == 2)
        #expect(demultiplexer.selectedAddress(of: 1) == nil)
        #expect(demultiplexer.register(4, localUfrag: "u1") == true)
        // Selecting for an unregistered peer does nothing.
        demultiplexer.select(Self.alice, for: 99)
        #expect(demultiplexer.selectedAddress(of: 99) == nil)
        // An address moves to the peer that selected it last.
        demultiplexer.select(Self.bob, for: 2)
        demultiplexer.select(Self.bob, for: 3)
        #expect(demultiplexer.selectedAddress(of: 2) == nil)
        #expect(demultiplexer.selectedAddress(of: 3) == Self.bob)
    }

    @Test func agentAndDemultiplexerTogether() throws {
        var demultiplexer = ICEDemultiplexer<String>()
        var agent = ICELiteAgentTests.agent()
        _ = demultiplexer.register("alice", localUfrag: ICELiteAgentTests.local.ufrag)
        let request = ICELiteAgentTests.request(useCandidate: true)
        guard case .stun("alice", let message) = demultiplexer.route(request, from: Self.alice) else {
            Issue.record("request not routed")
            return
        }
        let output = agent.handle(message, from: Self.alice, now: ICELiteAgentTests.at(1))
        #expect(output.response != nil)
        for case .selected(let address) in output.events { demultiplexer.select(address, for: "alice") }
        #expect(Self.peer(demultiplexer.route(Self.dtls, from: Self.alice)) == "alice")
    }
}

import Testing

@testable import MeetMedia

@Suite struct ICELiteAgentTests {
    static let local = ICECredentials(ufrag: "sfuU", password: "sfuPasswordOf24Chars+/xy")
    static let browser = STUNAddress(ip: .v4(0xC000_0205), port: 50000)
    static let otherAddress = STUNAddress(ip: .v6(high: 0xFD00_0000_0000_0000, low: 2), port: 50001)
    static let start = ContinuousClock.now

    static func agent(remoteUfrag: String? = "brws", timeout: Duration = .seconds(30)) -> ICELiteAgent {
        ICELiteAgent(configuration: .init(local: local, remoteUfrag: remoteUfrag, consentTimeout: timeout), now: start)
    }

    /// A Binding request as a controlling browser sends it.
    static func request(
        username: String? = "sfuU:brws",
        password: String = local.password,
        useCandidate: Bool = false,
        role: STUNAttribute = .iceControlling(tieBreaker: 0x1122_3344_5566_7788),
        extra: [STUNAttribute] = [],
        integrity: Bool = true,
        fingerprint: Bool = true,
        transactionID: STUNTransactionID = STUNTransactionID(high: 1, low: 2)
    ) -> [UInt8] {
        var attributes: [STUNAttribute] = username.map { [.username($0)] } ?? []
        attributes += [.priority(1_853_824_767), role] + (useCandidate ? [.useCandidate] : []) + extra
        let message = STUNMessage(.request, .binding, transactionID: transactionID, attributes: attributes)
        return (try? message.encoded(integrityKey: integrity ? .shortTerm(password: password) : nil, fingerprint: fingerprint)) ?? []
    }

    static func at(_ seconds: Int) -> ContinuousClock.Instant { start + .seconds(seconds) }

    @Test func validRequestGetsAuthenticatedSuccess() throws {
        var agent = Self.agent()
        let output = agent.handle(datagram: Self.request(), from: Self.browser, now: Self.at(1))
        let response = try STUNMessage(parsing: try #require(output.response))
        #expect(response.messageClass == .successResponse)
        #expect(response.method == .binding)
        #expect(response.transactionID == STUNTransactionID(high: 1, low: 2))
        #expect(response.xorMappedAddress == Self.browser)
        #expect(response.username == nil)
        try response.verifyMessageIntegrity(key: .shortTerm(password: Self.local.password))
        try response.verifyFingerprint()
        #expect(output.events.isEmpty)
        #expect(agent.selectedAddress == nil)
        #expect(agent.counters.successes == 1)
        // An IPv6 source is reflected as well.
        let v6 = agent.handle(datagram: Self.request(), from: Self.otherAddress, now: Self.at(2))
        #expect(try STUNMessage(parsing: try #require(v6.response)).xorMappedAddress == Self.otherAddress)
    }

    /// The parsed error response and whether it carries MESSAGE-INTEGRITY that verifies.
    static func error(_ output: ICELiteAgent.Output) throws -> (code: UInt16, authenticated: Bool) {
        let response = try STUNMessage(parsing: try #require(output.response))
        #expect(response.messageClass == .errorResponse)
        try response.verifyFingerprint()
        let code = try #require(response.errorCode).code
        let authenticated = (try? response.verifyMessageIntegrity(key: .shortTerm(password: local.password))) != nil
        #expect(response.attributes.contains { $0.type == .messageIntegrity } == authenticated)
        return (code, authenticated)
    }

    @Test func wrongPasswordIsAnswered401WithoutIntegrity() throws {
        var agent = Self.agent()
        let output = agent.handle(datagram: Self.request(password: "another-password-of-24c"), from: Self.browser, now: Self.at(1))
        #expect(try Self.error(output) == (401, false))
        #expect(agent.counters.badIntegrity == 1)
        #expect(agent.counters.successes == 0)
    }

    @Test(arguments: ["xxxx:brws", "sfuU:other", "sfuU:", "sfuU", "sfuUbrws", "sfu:brws", "sfuU:brws:x"])
    func wrongUsernameIsAnswered401WithoutIntegrity(username: String) throws {
        var agent = Self.agent()
        let output = agent.handle(datagram: Self.request(username: username), from: Self.browser, now: Self.at(1))
        #expect(try Self.error(output) == (401, false))
        #expect(agent.counters.badUsername == 1)
    }

    @Test func anyRemoteUfragWhenNotYetKnown() throws {
        var agent = Self.agent(remoteUfrag: nil)
        #expect(agent.handle(datagram: Self.request(username: "sfuU:whoever"), from: Self.browser, now: Self.at(1)).response != nil)
        #expect(agent.counters.successes == 1)
        #expect(try Self.error(agent.handle(datagram: Self.request(username: "sfuU:"), from: Self.browser, now: Self.at(1))) == (401, false))
    }

    @Test func missingCredentialsAreAnswered400() throws {
        var agent = Self.agent()
        #expect(try Self.error(agent.handle(datagram: Self.request(username: nil), from: Self.browser, now: Self.at(1))) == (400, false))
        #expect(try Self.error(agent.handle(datagram: Self.request(integrity: false), from: Self.browser, now: Self.at(1))) == (400, false))
        #expect(agent.counters.missingCredentials == 2)
    }

    @Test func missingOrWrongFingerprintIsDroppedSilently() {
        var agent = Self.agent()
        #expect(agent.handle(datagram: Self.request(fingerprint: false), from: Self.browser, now: Self.at(1)) == ICELiteAgent.Output())
        var corrupted = Self.request()
        corrupted[corrupted.count - 1] ^= 1
        #expect(agent.handle(datagram: corrupted, from: Self.browser, now: Self.at(1)) == ICELiteAgent.Output())
        #expect(agent.counters.missingFingerprint == 1)
        #expect(agent.counters.badFingerprint == 1)
        // Neither refreshed consent.
        #expect(agent.nextTimeout() == Self.at(30))
    }

    @Test func unknownComprehensionRequiredAttributeIsAnswered420WithIntegrity() throws {
        var agent = Self.agent()
        let unknown = STUNAttributeType(rawValue: 0x0031)
        let output = agent.handle(datagram: Self.request(extra: [.other(unknown, [1, 2, 3, 4][...])]), from: Self.browser, now: Self.at(1))
        #expect(try Self.error(output) == (420, true))
        #expect(try STUNMessage(parsing: try #require(output.response)).unknownAttributes == [unknown])
        // Comprehension-optional ones, like Chromium's GOOG-NETWORK-INFO, are fine.
        let optional = Self.request(extra: [.other(STUNAttributeType(rawValue: 0xC057), [0, 1, 0, 0][...])])
        #expect(
            try STUNMessage(parsing: try #require(agent.handle(datagram: optional, from: Self.browser, now: Self.at(1)).response)).messageClass
                == .successResponse
        )
    }

    @Test func controlledPeerIsAnswered487WithIntegrity() throws {
        var agent = Self.agent()
        let output = agent.handle(
            datagram: Self.request(useCandidate: true, role: .iceControlled(tieBreaker: 1)),
            from: Self.browser,
            now: Self.at(1)
        )
        #expect(try Self.error(output) == (487, true))
        #expect(agent.selectedAddress == nil)
        #expect(agent.counters.roleConflicts == 1)
    }

    @Test func nonRequestsAndGarbageAreIgnored() throws {
        var agent = Self.agent()
        let indication = try STUNMessage(.indication, .binding, attributes: []).encoded()
        let response = try STUNMessage(.successResponse, .binding, attributes: [.xorMappedAddress(Self.browser)]).encoded(
            integrityKey: .shortTerm(password: Self.local.password)
        )
        #expect(agent.handle(datagram: indication, from: Self.browser, now: Self.at(1)) == ICELiteAgent.Output())
        #expect(agent.handle(datagram: response, from: Self.browser, now: Self.at(1)) == ICELiteAgent.Output())
        #expect(agent.handle(datagram: [0, 1, 2], from: Self.browser, now: Self.at(1)) == ICELiteAgent.Output())
        #expect(agent.counters.ignored == 2)
        #expect(agent.counters.malformed == 1)
    }

    @Test func useCandidateSelectsAndLatestNominationWins() {
        var agent = Self.agent()
        #expect(agent.handle(datagram: Self.request(useCandidate: true), from: Self.browser, now: Self.at(1)).events == [.selected(Self.browser)])
        #expect(agent.selectedAddress == Self.browser)
        // Renominating the same address is no news; a check without nomination changes nothing.
        #expect(agent.handle(datagram: Self.request(useCandidate: true), from: Self.browser, now: Self.at(2)).events.isEmpty)
        #expect(agent.handle(datagram: Self.request(), from: Self.otherAddress, now: Self.at(3)).events.isEmpty)
        #expect(agent.selectedAddress == Self.browser)
        // A nomination from another address switches.
        #expect(
            agent.handle(datagram: Self.request(useCandidate: true), from: Self.otherAddress, now: Self.at(4)).events == [
                .selected(Self.otherAddress)
            ]
        )
        #expect(agent.selectedAddress == Self.otherAddress)
        #expect(agent.counters.nominations == 3)
    }

    @Test func consentExpiresThirtySecondsAfterTheLastValidRequest() {
        var agent = Self.agent()
        #expect(agent.nextTimeout() == Self.at(30))
        _ = agent.handle(datagram: Self.request(useCandidate: true), from: Self.browser, now: Self.at(20))
        #expect(agent.nextTimeout() == Self.at(50))
        // Failed checks do not refresh consent.
        _ = agent.handle(datagram: Self.request(password: "another-password-of-24c"), from: Self.browser, now: Self.at(45))
        #expect(agent.handleTimeout(now: Self.at(49)).isEmpty)
        #expect(agent.handleTimeout(now: Self.at(50)) == [.consentExpired])
        #expect(agent.selectedAddress == nil)
        #expect(agent.nextTimeout() == nil)
        #expect(agent.handleTimeout(now: Self.at(90)).isEmpty)
        // After expiry the peer is ignored; a restart means a new agent.
        #expect(agent.handle(datagram: Self.request(useCandidate: true), from: Self.browser, now: Self.at(51)) == ICELiteAgent.Output())
        #expect(agent.counters.afterExpiry == 1)
        #expect(agent.counters.consentExpiries == 1)
    }

    @Test func consentExpiresWithoutAnyRequestAndTimeoutIsConfigurable() {
        var agent = Self.agent(timeout: .seconds(5))
        #expect(agent.nextTimeout() == Self.at(5))
        // A request arriving after the deadline, before the driver's timer fired, finds consent gone.
        let late = agent.handle(datagram: Self.request(useCandidate: true), from: Self.browser, now: Self.at(6))
        #expect(late == ICELiteAgent.Output(events: [.consentExpired]))
        #expect(agent.selectedAddress == nil)
    }

    @Test func responsesAreFreshPerRequest() throws {
        var agent = Self.agent()
        let first = agent.handle(datagram: Self.request(transactionID: STUNTransactionID(high: 9, low: 9)), from: Self.browser, now: Self.at(1))
        let response = try STUNMessage(parsing: try #require(first.response))
        #expect(response.transactionID == STUNTransactionID(high: 9, low: 9))
    }

    /// A request made by aioice 0.13.0 (aiortc's ICE agent, written independently of this code):
    /// `stun.Message` with USERNAME sfuU:brws, PRIORITY, ICE-CONTROLLING, USE-CANDIDATE, then
    /// `add_message_integrity(b"sfuPasswordOf24Chars+/xy")` and `add_fingerprint()`.
    static let aioiceRequest: [UInt8] = hex(
        "000100482112a4420102030405060708090a0b0c00060009736675553a62727773000000002400046e7f1eff802a0008"
            + "11223344556677880025000000080014b7f2f48f0c677f86c8fc6042d382cf7d49cb10bd8028000437992b7a"
    )

    static func hex(_ text: String) -> [UInt8] {
        let digits = Array(text.utf8)
        return stride(from: 0, to: digits.count - 1, by: 2).compactMap { UInt8(String(decoding: digits[$0...$0 + 1], as: UTF8.self), radix: 16) }
    }

    @Test func acceptsARequestBuiltByAioice() throws {
        var agent = Self.agent()
        let output = agent.handle(datagram: Self.aioiceRequest, from: Self.browser, now: Self.at(1))
        #expect(output.events == [.selected(Self.browser)])
        let response = try STUNMessage(parsing: try #require(output.response))
        #expect(response.messageClass == .successResponse)
        #expect(response.transactionID == STUNTransactionID(bytes: Array(1...12)))
        try response.verifyMessageIntegrity(key: .shortTerm(password: Self.local.password))
    }
}

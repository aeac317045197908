/// The ICE side of one peer connection on the SFU: an ICE-lite agent (RFC 8445 §2.5), always in
/// the controlled role, that answers the browser's connectivity checks, takes the most recently
/// nominated address as the selected pair, and watches consent freshness (RFC 7675).
///
/// Sans-IO: it owns no socket and reads no clock. Feed it each STUN datagram of its peer with
/// the time and the source address (``handle(datagram:from:now:)``), send the response it returns
/// to that address, and call ``handleTimeout(now:)`` at ``nextTimeout()``.
///
/// Consent: every authenticated Binding request refreshes it. If none arrives for
/// ``Configuration/consentTimeout`` (30 s, as RFC 7675 §5.1 sets) — counted from creation until
/// the first one — consent expires: the agent reports ``Event/consentExpired``, forgets the
/// selected address and ignores its peer from then on; recovering needs an ICE restart, which is
/// a new agent.
public struct ICELiteAgent: Sendable {
    public struct Configuration: Sendable {
        /// The SFU's ufrag and password, as its description announced them.
        public var local: ICECredentials
        /// The browser's ufrag, from its description. When nil, any remote part is accepted.
        public var remoteUfrag: String?
        public var consentTimeout: Duration
        /// SOFTWARE for responses (RFC 8489 §14.14); nil, the default, says nothing about the server.
        public var software: String?

        public init(local: ICECredentials, remoteUfrag: String?, consentTimeout: Duration = .seconds(30), software: String? = nil) {
            self.local = local
            self.remoteUfrag = remoteUfrag
            self.consentTimeout = consentTimeout
            self.software = software
        }
    }

    public enum Event: Hashable, Sendable {
        /// The browser nominated this address (USE-CANDIDATE); media goes to and comes from it.
        case selected(STUNAddress)
        /// No authenticated request within the consent timeout: stop sending to this peer.
        case consentExpired
    }

    /// What handling one datagram produced.
    public struct Output: Sendable, Equatable {
        /// A STUN response to send back to the source address, if any.
        public var response: [UInt8]?
        public var events: [Event]

        public init(response: [UInt8]? = nil, events: [Event] = []) {
            self.response = response
            self.events = events
        }
    }

    public let configuration: Configuration
    public internal(set) var selectedAddress: STUNAddress?
    public internal(set) var counters = ICECounters()
    /// When consent was last refreshed, or when the agent was created.
    public internal(set) var consentRefreshed: ContinuousClock.Instant
    public internal(set) var consentExpired = false
    let integrityKey: STUNIntegrityKey
    /// `<local ufrag>:`, the prefix every request's USERNAME must start with.
    let usernamePrefix: [UInt8]

    public init(configuration: Configuration, now: ContinuousClock.Instant) {
        self.configuration = configuration
        consentRefreshed = now
        integrityKey = .shortTerm(password: configuration.local.password)
        usernamePrefix = Array((configuration.local.ufrag + ":").utf8)
    }

    /// When ``handleTimeout(now:)`` should next run: the consent deadline, or nil once expired.
    public func nextTimeout() -> ContinuousClock.Instant? {
        consentExpired ? nil : consentRefreshed + configuration.consentTimeout
    }

    /// Reports consent expiry once the deadline has passed.
    public mutating func handleTimeout(now: ContinuousClock.Instant) -> [Event] {
        guard let deadline = nextTimeout(), now >= deadline else { return [] }
        consentExpired = true
        selectedAddress = nil
        counters.consentExpiries += 1
        return [.consentExpired]
    }

    /// Handles one datagram the demultiplexer classified as STUN for this peer.
    public mutating func handle(datagram: [UInt8], from source: STUNAddress, now: ContinuousClock.Instant) -> Output {
        let message: STUNMessage
        do {
            message = try STUNMessage(parsing: datagram)
        } catch {
            counters.malformed += 1
            return Output(events: handleTimeout(now: now))
        }
        return handle(message, from: source, now: now)
    }
}

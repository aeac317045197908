/// Sends each datagram arriving on the SFU's single UDP port to the peer connection it belongs
/// to: STUN by the local ufrag in its USERNAME (before any address is known), everything else
/// (DTLS, RTP, RTCP; RFC 7983 §7) by the peer's selected address. Anything else is dropped after
/// at most one table look-up or one STUN parse, and counted.
///
/// Tables are bounded: at most ``maximumPeers`` peers, each with one ufrag and one selected address.
public struct ICEDemultiplexer<Peer: Hashable & Sendable>: Sendable {
    public enum Route: Sendable {
        /// A STUN message for `peer`'s ``ICELiteAgent``, parsed once here.
        case stun(Peer, STUNMessage)
        /// DTLS or RTP/RTCP from `peer`'s selected address.
        case media(Peer, DatagramKind)
        case drop
    }

    /// Datagram counts by outcome, for the driver to export as metrics.
    public struct Counters: Hashable, Sendable {
        public var stunRouted = 0
        public var mediaRouted = 0
        /// STUN that failed to parse.
        public var malformedSTUN = 0
        /// STUN whose USERNAME names no registered ufrag, or without USERNAME from an unknown address.
        public var unknownUfrag = 0
        /// DTLS or RTP from an address that is no peer's selected address.
        public var unknownAddress = 0
        /// Neither STUN, DTLS nor RTP (RFC 7983 §7): empty, ZRTP, TURN channel data, ….
        public var unclassified = 0

        public init() {}
    }

    public let maximumPeers: Int
    public private(set) var counters = Counters()
    private var peerByUfrag: [String: Peer] = [:]
    private var ufragByPeer: [Peer: String] = [:]
    private var peerByAddress: [STUNAddress: Peer] = [:]
    private var addressByPeer: [Peer: STUNAddress] = [:]

    public init(maximumPeers: Int = 10_000) {
        self.maximumPeers = maximumPeers
    }

    public var peerCount: Int { ufragByPeer.count }

    /// Registers `peer` under the ufrag its description announced. False if the table is full or
    /// the ufrag is taken (ufrags must tell peers apart) — generate fresh credentials then.
    public mutating func register(_ peer: Peer, localUfrag: String) -> Bool {
        guard peerByUfrag[localUfrag] == nil, ufragByPeer[peer] == nil, ufragByPeer.count < maximumPeers else { return false }
        peerByUfrag[localUfrag] = peer
        ufragByPeer[peer] = localUfrag
        return true
    }

    /// Forgets `peer`, its ufrag and its selected address.
    public mutating func remove(_ peer: Peer) {
        if let ufrag = ufragByPeer.removeValue(forKey: peer) { peerByUfrag[ufrag] = nil }
        clearSelection(for: peer)
    }

    /// Routes non-STUN datagrams from `address` to `peer`, as its agent's ``ICELiteAgent/Event/selected(_:)``
    /// says; the previous address stops routing. An address selected by another peer moves here.
    public mutating func select(_ address: STUNAddress, for peer: Peer) {
        guard ufragByPeer[peer] != nil else { return }
        clearSelection(for: peer)
        if let previous = peerByAddress[address] { addressByPeer[previous] = nil }
        peerByAddress[address] = peer
        addressByPeer[peer] = address
    }

    /// Stops routing media for `peer`, as when its consent expires.
    public mutating func clearSelection(for peer: Peer) {
        if let address = addressByPeer.removeValue(forKey: peer) { peerByAddress[address] = nil }
    }

    public func selectedAddress(of peer: Peer) -> STUNAddress? { addressByPeer[peer] }

    public mutating func route(_ datagram: [UInt8], from source: STUNAddress) -> Route {
        switch DatagramKind(datagram: datagram) {
        case .stun:
            let message: STUNMessage
            do {
                message = try STUNMessage(parsing: datagram)
            } catch {
                counters.malformedSTUN += 1
                return .drop
            }
            if let username = message.username {
                // The local ufrag is the part before the first colon (RFC 8445 §7.2.2).
                let local = String(username.prefix { $0 != ":" })
                if let peer = peerByUfrag[local] {
                    counters.stunRouted += 1
                    return .stun(peer, message)
                }
            } else if let peer = peerByAddress[source] {
                counters.stunRouted += 1
                return .stun(peer, message)
            }
            counters.unknownUfrag += 1
            return .drop
        case .dtls, .rtp:
            guard let peer = peerByAddress[source] else {
                counters.unknownAddress += 1
                return .drop
            }
            counters.mediaRouted += 1
            return .media(peer, DatagramKind(datagram: datagram))
        case .other:
            counters.unclassified += 1
            return .drop
        }
    }
}

/// Where a datagram goes: its bytes and the peer's address.
public struct Transmit: Sendable, Equatable {
    public var destination: STUNAddress
    public var bytes: [UInt8]

    public init(destination: STUNAddress, bytes: [UInt8]) {
        self.destination = destination
        self.bytes = bytes
    }
}

/// Why a ``PeerTransport`` closed; after closing it sends and delivers nothing.
public enum PeerCloseReason: Sendable, Equatable {
    /// No authenticated STUN Binding request within the consent timeout (RFC 7675).
    case consentTimeout
    /// The DTLS handshake failed or timed out, or the keys could not be used.
    case dtlsFailure(String)
    /// The router closed it: the participant left or was removed.
    case closedByRouter
    /// The peer sent a DTLS close_notify (it closed its peer connection).
    case closedByPeer
}

/// What a ``PeerTransport`` reports to its owner.
public enum PeerTransportEvent: Sendable, Equatable {
    /// ICE selected an address and DTLS agreed on SRTP keys: media flows from now on.
    case connected(SRTPProfile)
    case closed(PeerCloseReason)
    /// A decrypted RTP packet from the peer.
    case rtp([UInt8])
    /// A decrypted compound RTCP packet from the peer.
    case rtcp([UInt8])
}

/// What one ``PeerTransport`` saw and did, for metrics and tests.
public struct PeerTransportCounters: Hashable, Sendable {
    /// Datagrams (any kind) accepted from the peer, and their bytes.
    public var datagramsIn = 0
    public var bytesIn = 0
    /// Datagrams queued for the peer, and their bytes.
    public var datagramsOut = 0
    public var bytesOut = 0
    /// SRTP and SRTCP packets that decrypted, and those that failed authentication or replay checks.
    public var rtpIn = 0
    public var rtcpIn = 0
    public var rtpOut = 0
    public var rtcpOut = 0
    public var srtpAuthFailures = 0
    public var srtpReplays = 0
    /// Handshakes that failed (0 or 1 per transport).
    public var dtlsFailures = 0
    /// Datagrams dropped: from an address other than the selected one, before keys, after close, or unparsable.
    public var dropped = 0
    /// Outbound packets that could not be protected (no keys yet, or malformed).
    public var sendFailures = 0

    public init() {}

    /// Adds another transport's counts, for totals across peers.
    public mutating func add(_ other: PeerTransportCounters) {
        datagramsIn += other.datagramsIn
        bytesIn += other.bytesIn
        datagramsOut += other.datagramsOut
        bytesOut += other.bytesOut
        rtpIn += other.rtpIn
        rtcpIn += other.rtcpIn
        rtpOut += other.rtpOut
        rtcpOut += other.rtcpOut
        srtpAuthFailures += other.srtpAuthFailures
        srtpReplays += other.srtpReplays
        dtlsFailures += other.dtlsFailures
        dropped += other.dropped
        sendFailures += other.sendFailures
    }
}

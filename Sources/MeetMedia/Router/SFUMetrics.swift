/// A snapshot of the SFU's counters for the metrics endpoint. Counts only grow; `peers`,
/// `producers` and `consumers` are current values.
public struct SFUMetrics: Hashable, Sendable {
    public var meetings = 0
    /// Peer connections open now (two per fully joined participant).
    public var peers = 0
    public var connectedPeers = 0
    /// Published tracks, and subscribers' copies of them.
    public var producers = 0
    public var consumers = 0
    /// Datagrams accepted from peers and queued to them, with their bytes (STUN answers included in the output).
    public var datagramsIn = 0
    public var bytesIn = 0
    public var datagramsOut = 0
    public var bytesOut = 0
    /// RTP packets forwarded to consumers.
    public var packetsForwarded = 0
    public var bytesForwarded = 0
    /// NACKs from subscribers; packets re-sent to them as RTX; asked-for packets no longer buffered.
    public var nacksReceived = 0
    public var retransmissionsSent = 0
    public var retransmissionsUnavailable = 0
    /// NACKs sent to publishers for losses on their leg; RTX packets from them that were forwarded.
    public var nacksSent = 0
    public var packetsRepaired = 0
    /// Key frame requests (PLI, FIR) from subscribers, sent to publishers, and held back by the throttle.
    public var keyFrameRequestsReceived = 0
    public var keyFrameRequestsSent = 0
    public var keyFrameRequestsThrottled = 0
    /// Publishers' sender reports translated for each consumer.
    public var senderReportsForwarded = 0
    /// Periodic receiver reports (with a report block per published stream) and REMBs sent to publishers.
    public var receiverReportsSent = 0
    public var rembSent = 0
    public var srtpAuthFailures = 0
    public var srtpReplays = 0
    public var dtlsFailures = 0
    /// Datagrams dropped before reaching a peer: unknown address or ufrag, malformed STUN, unclassifiable.
    public var droppedUnknownSource = 0
    /// Datagrams a peer dropped (wrong address, no keys yet), and decrypted RTP no producer wanted.
    public var droppedByPeers = 0
    public var droppedUnroutable = 0
    /// Datagrams the UDP driver could not send: refused by the kernel, or its write queue full.
    public var datagramsUnsent = 0
    /// Datagrams the UDP driver had to queue because the socket's send buffer was full.
    public var datagramsQueued = 0

    public init() {}
}

extension SFU {
    /// The current counters, summed over meetings and peers (closed ones included).
    public var metrics: SFUMetrics {
        var transports = retiredTransportCounters
        var connected = 0
        for record in peers.values {
            transports.add(record.transport.counters)
            if record.transport.isConnected { connected += 1 }
        }
        var routing = retiredRouterCounters
        var metrics = SFUMetrics()
        for router in routers.values {
            routing.add(router.counters)
            metrics.producers += router.producers.count
            metrics.consumers += router.participants.values.reduce(0) { $0 + ($1.subscription?.consumers.count ?? 0) }
        }
        let demux = demultiplexer.counters
        metrics.meetings = routers.count
        metrics.peers = peers.count
        metrics.connectedPeers = connected
        metrics.datagramsIn = transports.datagramsIn
        metrics.bytesIn = transports.bytesIn
        metrics.datagramsOut = transports.datagramsOut
        metrics.bytesOut = transports.bytesOut
        metrics.packetsForwarded = routing.packetsForwarded
        metrics.bytesForwarded = routing.bytesForwarded
        metrics.nacksReceived = routing.nacksReceived
        metrics.retransmissionsSent = routing.retransmissionsSent
        metrics.retransmissionsUnavailable = routing.retransmissionsUnavailable
        metrics.nacksSent = routing.nacksSent
        metrics.packetsRepaired = routing.packetsRepaired
        metrics.keyFrameRequestsReceived = routing.keyFrameRequestsReceived
        metrics.keyFrameRequestsSent = routing.keyFrameRequestsSent
        metrics.keyFrameRequestsThrottled = routing.keyFrameRequestsThrottled
        metrics.senderReportsForwarded = routing.senderReportsForwarded
        metrics.receiverReportsSent = routing.receiverReportsSent
        metrics.rembSent = routing.rembSent
        metrics.srtpAuthFailures = transports.srtpAuthFailures
        metrics.srtpReplays = transports.srtpReplays
        metrics.dtlsFailures = transports.dtlsFailures
        metrics.droppedUnknownSource = demux.unknownAddress + demux.unknownUfrag + demux.malformedSTUN + demux.unclassified
        metrics.droppedByPeers = transports.dropped
        metrics.droppedUnroutable = routing.packetsUnroutable + routing.packetsWhilePaused + routing.malformedRTP
        return metrics
    }
}

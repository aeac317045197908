/// One meeting's media routing (mediasoup's router), sans-IO: producers keyed by participant and
/// source, consumers per subscriber, and the two peer transports of each participant. The
/// ``SFU`` owns it and feeds it what the transports decrypted; it forwards by rewriting each
/// packet per consumer and sending it through the subscriber's own transport.
final class MediaRouter {
    final class Participant {
        let id: String
        var publish: PeerTransport?
        /// The publisher's sections by mid and SSRC, for reading incoming packets.
        var sourceByMid: [String: TrackSource] = [:]
        var sourceBySSRC: [UInt32: TrackSource] = [:]
        /// The publisher's mid header extension id, from its offer.
        var midExtensionID: UInt8?
        var publishTransportParameters: SFUTransportParameters?
        var publishAnswerVersion: UInt64 = 0
        /// When the next periodic receiver report (and REMB) is due on the publish connection,
        /// and when the last one went out (or the connection came up): the interval REMB measures.
        var nextReceiverFeedback: ContinuousClock.Instant?
        var lastReceiverFeedback: ContinuousClock.Instant?
        var subscription: Subscription?

        init(id: String) {
            self.id = id
        }
    }

    /// A participant's subscribe connection: its offerer, consumers and negotiation state.
    final class Subscription {
        let transport: PeerTransport
        var offerer: SubscribeOfferer
        var consumers: [ProducerKey: Consumer] = [:]
        var producerBySSRC: [UInt32: ProducerKey] = [:]
        /// An offer was sent and its answer has not come back.
        var awaitingAnswer = false
        /// Tracks changed while an offer was outstanding: offer again once it is answered.
        var needsOffer = false

        init(transport: PeerTransport, offerer: SubscribeOfferer) {
            self.transport = transport
            self.offerer = offerer
        }
    }

    let meeting: String
    let configuration: SFU.Configuration
    var participants: [String: Participant] = [:]
    var producers: [ProducerKey: Producer] = [:]
    /// The SSRC the router's own RTCP (key frame requests, reports) is sent from.
    let rtcpSenderSSRC = UInt32.random(in: 1...UInt32.max)
    var counters = RouterCounters()
    /// Subscribers to offer to once a batch of changes is done; nil outside a batch.
    var batchedOffers: Set<String>?

    init(meeting: String, configuration: SFU.Configuration) {
        self.meeting = meeting
        self.configuration = configuration
    }

    func participant(_ id: String) -> Participant {
        if let existing = participants[id] { return existing }
        let created = Participant(id: id)
        participants[id] = created
        return created
    }

    var isEmpty: Bool { participants.isEmpty }
}

/// What a router forwarded and refused, summed into ``SFUMetrics``.
struct RouterCounters {
    var packetsForwarded = 0
    var bytesForwarded = 0
    /// Packets with no producer (unknown SSRC and mid), or dropped because the producer is paused.
    var packetsUnroutable = 0
    var packetsWhilePaused = 0
    var keyFrameRequestsReceived = 0
    var keyFrameRequestsSent = 0
    var keyFrameRequestsThrottled = 0
    var nacksReceived = 0
    /// Packets re-sent as RTX to subscribers, and requested ones no longer buffered.
    var retransmissionsSent = 0
    var retransmissionsUnavailable = 0
    /// NACKs sent to publishers for losses on their leg, and RTX packets from them that repaired one.
    var nacksSent = 0
    var packetsRepaired = 0
    /// Sender reports translated for consumers.
    var senderReportsForwarded = 0
    /// Periodic receiver reports and REMBs sent to publishers.
    var receiverReportsSent = 0
    var rembSent = 0
    var malformedRTP = 0
    var malformedRTCP = 0
    /// Tracks a subscribe offer had no room for.
    var consumersRefused = 0
}

extension RouterCounters {
    mutating func add(_ other: RouterCounters) {
        packetsForwarded += other.packetsForwarded
        bytesForwarded += other.bytesForwarded
        packetsUnroutable += other.packetsUnroutable
        packetsWhilePaused += other.packetsWhilePaused
        keyFrameRequestsReceived += other.keyFrameRequestsReceived
        keyFrameRequestsSent += other.keyFrameRequestsSent
        keyFrameRequestsThrottled += other.keyFrameRequestsThrottled
        nacksReceived += other.nacksReceived
        retransmissionsSent += other.retransmissionsSent
        retransmissionsUnavailable += other.retransmissionsUnavailable
        nacksSent += other.nacksSent
        packetsRepaired += other.packetsRepaired
        senderReportsForwarded += other.senderReportsForwarded
        receiverReportsSent += other.receiverReportsSent
        rembSent += other.rembSent
        malformedRTP += other.malformedRTP
        malformedRTCP += other.malformedRTCP
        consumersRefused += other.consumersRefused
    }
}

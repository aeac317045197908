extension MediaRouter {
    /// One report block per stream `member` publishes that has sent a packet, in source order.
    func receiverReportBlocks(for member: Participant, now: ContinuousClock.Instant) -> [RTCPReportBlock] {
        var blocks: [RTCPReportBlock] = []
        for source in TrackSource.allCases {
            guard let producer = producers[ProducerKey(participant: member.id, source: source)], let ssrc = producer.ssrc,
                producer.receiverStatistics.started
            else { continue }
            blocks.append(producer.receiverStatistics.reportBlock(ssrc: ssrc, now: now))
        }
        return blocks
    }

    /// Appends the receiver report that starts every compound packet the router sends a publisher
    /// (RFC 3550 §6.1), with a block per stream it publishes.
    func appendReceiverReport(for member: Participant, now: ContinuousClock.Instant, to rtcp: inout [UInt8]) throws(MediaError) {
        try RTCPReceiverReport.append(senderSSRC: rtcpSenderSSRC, reportBlocks: receiverReportBlocks(for: member, now: now), to: &rtcp)
    }

    /// When the next periodic receiver feedback is due to any publisher of this meeting.
    var nextReceiverFeedback: ContinuousClock.Instant? {
        var earliest: ContinuousClock.Instant?
        for member in participants.values {
            guard let due = member.nextReceiverFeedback else { continue }
            earliest = earliest.map { min($0, due) } ?? due
        }
        return earliest
    }

    /// The configured feedback interval, at least 100 ms so that a zero or negative setting cannot
    /// make the timer fire continuously.
    var receiverReportInterval: Duration { max(configuration.receiverReportInterval, .milliseconds(100)) }

    /// A publish connection is up: its first receiver feedback is one interval away.
    func startReceiverFeedback(for member: Participant, now: ContinuousClock.Instant) {
        member.lastReceiverFeedback = now
        member.nextReceiverFeedback = now + receiverReportInterval
    }

    /// Sends every publisher whose feedback is due a compound RR (+ REMB) and schedules the next.
    func sendDueReceiverFeedback(now: ContinuousClock.Instant, outbox: inout [Transmit]) {
        for member in participants.values {
            guard let due = member.nextReceiverFeedback, due <= now else { continue }
            guard let publisher = member.publish, publisher.closeReason == nil else {
                member.nextReceiverFeedback = nil
                continue
            }
            let next = due + receiverReportInterval
            member.nextReceiverFeedback = next > now ? next : now + receiverReportInterval
            guard publisher.isConnected else { continue }
            sendReceiverFeedback(to: member, through: publisher, now: now, outbox: &outbox)
        }
    }

    /// The periodic feedback to one publisher: an RR with a block per stream it sends, then a REMB
    /// for its video streams that negotiated `goog-remb`, in one compound packet. Closes each
    /// stream's loss interval and restarts the byte count REMB measures.
    func sendReceiverFeedback(to member: Participant, through publisher: PeerTransport, now: ContinuousClock.Instant, outbox: inout [Transmit]) {
        let elapsed = now - (member.lastReceiverFeedback ?? now)
        member.lastReceiverFeedback = now
        var bytes = 0
        var expected: Int64 = 0
        var lost: Int64 = 0
        var rembSSRCs: [UInt32] = []
        for source in TrackSource.allCases {
            let key = ProducerKey(participant: member.id, source: source)
            guard let index = producers.index(forKey: key) else { continue }
            let interval = producers.values[index].receiverStatistics.interval
            expected += interval.expected
            lost += interval.lost
            bytes += producers.values[index].bytesSinceFeedback
            let producer = producers.values[index]
            if producer.kind == .video, producer.acceptsREMB, let ssrc = producer.ssrc { rembSSRCs.append(ssrc) }
        }
        var rtcp: [UInt8] = []
        let blocks = receiverReportBlocks(for: member, now: now)
        guard !blocks.isEmpty || !rembSSRCs.isEmpty else { return }
        do {
            try RTCPReceiverReport.append(senderSSRC: rtcpSenderSSRC, reportBlocks: blocks, to: &rtcp)
            if !rembSSRCs.isEmpty {
                let bitrate = Self.rembBitrate(
                    maximum: configuration.maximumPublishBitrate,
                    bytes: bytes,
                    over: elapsed,
                    expected: expected,
                    lost: lost
                )
                try RTCPREMB.append(senderSSRC: rtcpSenderSSRC, bitrate: UInt64(bitrate), ssrcs: rembSSRCs, to: &rtcp)
            }
        } catch {
            return
        }
        for source in TrackSource.allCases {
            let key = ProducerKey(participant: member.id, source: source)
            guard let index = producers.index(forKey: key) else { continue }
            producers.values[index].receiverStatistics.closeInterval()
            producers.values[index].bytesSinceFeedback = 0
        }
        if publisher.sendRTCP(rtcp) {
            counters.receiverReportsSent += 1
            if !rembSSRCs.isEmpty { counters.rembSent += 1 }
        }
        publisher.drainTransmits(into: &outbox)
    }

    /// The bitrate a REMB allows a publisher: `maximum`, unless more than 10 % of the packets
    /// expected in the interval were lost; then 85 % of what arrived (`bytes` over `elapsed`), so
    /// the publisher backs off below the rate the path just failed to carry. Never above `maximum`.
    static func rembBitrate(maximum: Int, bytes: Int, over elapsed: Duration, expected: Int64, lost: Int64) -> Int {
        guard expected > 0, lost * 10 > expected else { return max(0, maximum) }
        let components = elapsed.components
        let milliseconds = components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
        guard milliseconds > 0 else { return max(0, maximum) }
        let received = Int64(bytes) * 8 * 1000 / milliseconds
        return Int(min(Int64(max(0, maximum)), received * 85 / 100))
    }
}

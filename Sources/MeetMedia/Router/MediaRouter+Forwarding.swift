extension MediaRouter {
    /// Forwards one decrypted RTP packet from `member`'s publish connection to every consumer of
    /// its producer: header extensions the subscribe side must not see are blanked once, then each
    /// consumer gets its own copy with its SSRC, payload type, sequence number and timestamp, sent
    /// through the subscriber's transport (its own SRTP context).
    func forwardRTP(
        _ decrypted: [UInt8],
        from member: Participant,
        now: ContinuousClock.Instant,
        outbox: inout [Transmit],
        repaired: Bool = false
    ) {
        var packet = decrypted
        let ssrc: UInt32
        let sequence: UInt16
        let timestamp: UInt32
        let source: TrackSource
        do {
            let parsed = try RTPPacket(parsing: packet)
            ssrc = parsed.ssrc
            sequence = parsed.sequenceNumber
            timestamp = parsed.timestamp
            guard let known = member.sourceBySSRC[ssrc] ?? learnSource(of: parsed, from: member) else {
                counters.packetsUnroutable += 1
                return
            }
            source = known
        } catch {
            counters.malformedRTP += 1
            return
        }
        let key = ProducerKey(participant: member.id, source: source)
        guard let index = producers.index(forKey: key) else {
            counters.packetsUnroutable += 1
            return
        }
        guard ssrc == producers.values[index].ssrc else {
            if !repaired, ssrc == producers.values[index].rtxSSRC { repair(packet, of: key, from: member, now: now, outbox: &outbox) }
            if repaired || ssrc != producers.values[index].rtxSSRC { counters.packetsUnroutable += 1 }
            return
        }
        guard !producers.values[index].paused else {
            counters.packetsWhilePaused += 1
            return
        }
        producers.values[index].packetsIn += 1
        for id in producers.values[index].strippedExtensionIDs { _ = try? RTPPacket.removeExtension(id: id, in: &packet) }
        configuration.packetTap?(key, packet)
        if !repaired { noticeLoss(before: sequence, of: key, now: now, outbox: &outbox) }
        if producers.values[index].kind == .video { producers.values[index].retransmissions.store(packet, sequenceNumber: sequence) }
        for subscriberID in producers.values[index].consumers {
            guard let subscription = participants[subscriberID]?.subscription, subscription.transport.isConnected,
                var consumer = subscription.consumers[key], consumer.accepted,
                let (outSequence, outTimestamp) = consumer.rewriter.rewrite(
                    sequence: sequence,
                    timestamp: timestamp,
                    clockRate: consumer.clockRate,
                    now: now
                )
            else { continue }
            var copy = packet
            do {
                try RTPPacket.setSSRC(consumer.ssrc, in: &copy)
                try RTPPacket.setPayloadType(consumer.payloadType, in: &copy)
                try RTPPacket.setSequenceNumber(outSequence, in: &copy)
                try RTPPacket.setTimestamp(outTimestamp, in: &copy)
            } catch {
                counters.malformedRTP += 1
                return
            }
            if subscription.transport.sendRTP(copy) {
                consumer.packetsOut += 1
                consumer.bytesOut += copy.count
                counters.packetsForwarded += 1
                counters.bytesForwarded += copy.count
            }
            subscription.consumers[key] = consumer
            subscription.transport.drainTransmits(into: &outbox)
        }
    }

    /// Binds an SSRC the offer did not announce (rid-based or late streams) by the mid header extension.
    private func learnSource(of packet: RTPPacket, from member: Participant) -> TrackSource? {
        guard let midID = member.midExtensionID, let value = packet.extensionElement(id: midID),
            let source = member.sourceByMid[String(decoding: value, as: UTF8.self)]
        else { return nil }
        let key = ProducerKey(participant: member.id, source: source)
        guard producers[key]?.ssrc == nil else { return nil }
        producers[key]?.ssrc = packet.ssrc
        member.sourceBySSRC[packet.ssrc] = source
        return source
    }

    /// Acts on RTCP from a subscriber: key frame requests (PLI, FIR) go to the publisher, throttled.
    func handleSubscriberRTCP(_ packet: [UInt8], from member: Participant, now: ContinuousClock.Instant, outbox: inout [Transmit]) {
        guard let subscription = member.subscription else { return }
        guard let compound = try? RTCPCompoundPacket(parsing: packet) else {
            counters.malformedRTCP += 1
            return
        }
        for item in compound.packets {
            switch item {
            case .pictureLossIndication(let pli):
                counters.keyFrameRequestsReceived += 1
                if let key = subscription.producerBySSRC[pli.mediaSSRC] { requestKeyFrame(key, now: now, outbox: &outbox) }
            case .fullIntraRequest(let fir):
                counters.keyFrameRequestsReceived += 1
                for ssrc in [fir.mediaSSRC] + fir.entries.map(\.ssrc) {
                    if let key = subscription.producerBySSRC[ssrc] { requestKeyFrame(key, now: now, outbox: &outbox) }
                }
            case .nack(let nack):
                counters.nacksReceived += 1
                if let key = subscription.producerBySSRC[nack.mediaSSRC] {
                    retransmit(nack.lostSequenceNumbers, of: key, to: subscription, outbox: &outbox)
                }
            default:
                break
            }
        }
    }

    /// Asks the publisher of a video producer for a key frame with a PLI after an empty receiver
    /// report (a compound packet starts with a report, RFC 3550 §6.1), at most once per
    /// ``SFU/Configuration/keyFrameRequestInterval``.
    func requestKeyFrame(_ key: ProducerKey, now: ContinuousClock.Instant, outbox: inout [Transmit]) {
        guard let producer = producers[key], producer.kind == .video, let mediaSSRC = producer.ssrc,
            let publisher = participants[key.participant]?.publish, publisher.isConnected
        else { return }
        if let last = producer.lastKeyFrameRequest, now - last < configuration.keyFrameRequestInterval {
            counters.keyFrameRequestsThrottled += 1
            return
        }
        producers[key]?.lastKeyFrameRequest = now
        var rtcp: [UInt8] = []
        do {
            try RTCPReceiverReport.append(senderSSRC: rtcpSenderSSRC, reportBlocks: [], to: &rtcp)
        } catch {
            return
        }
        RTCPPictureLossIndication(senderSSRC: rtcpSenderSSRC, mediaSSRC: mediaSSRC).append(to: &rtcp)
        if publisher.sendRTCP(rtcp) { counters.keyFrameRequestsSent += 1 }
        publisher.drainTransmits(into: &outbox)
    }
}

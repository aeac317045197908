extension MediaRouter {
    /// Forwards one decrypted RTP packet from `member`'s publish connection to every consumer of
    /// its producer. The header is copied once, header extensions the subscribe side must not see
    /// are blanked in it, and for each consumer it is rewritten in place with the consumer's SSRC,
    /// payload type, sequence number and timestamp; the payload is shared by all of them, so a
    /// consumer costs no copy of the packet, only its own SRTP output (its transport's context).
    func forwardRTP(
        _ packet: [UInt8],
        from member: Participant,
        now: ContinuousClock.Instant,
        outbox: inout [Transmit],
        repaired: Bool = false
    ) {
        let ssrc: UInt32
        let sequence: UInt16
        let timestamp: UInt32
        let headerLength: Int
        let source: TrackSource
        do {
            let parsed = try RTPPacket(parsing: packet)
            ssrc = parsed.ssrc
            sequence = parsed.sequenceNumber
            timestamp = parsed.timestamp
            headerLength = parsed.headerLength
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
            if !repaired, ssrc == producers.values[index].rtxSSRC {
                producers.values[index].bytesSinceFeedback += packet.count
                repair(packet, of: key, from: member, now: now, outbox: &outbox)
            }
            if repaired || ssrc != producers.values[index].rtxSSRC { counters.packetsUnroutable += 1 }
            return
        }
        // Receiver statistics count what arrived on the media SSRC, paused or not; an original
        // unwrapped from RTX is not counted again (as in libwebrtc, a repaired loss stays a loss).
        if !repaired {
            producers.values[index].bytesSinceFeedback += packet.count
            producers.values[index].receiverStatistics.record(sequence: sequence, timestamp: timestamp, now: now)
        }
        guard !producers.values[index].paused else {
            counters.packetsWhilePaused += 1
            return
        }
        producers.values[index].packetsIn += 1
        var header = Array(packet[0..<headerLength])
        for id in producers.values[index].strippedExtensionIDs {
            guard let (start, value) = try? RTPPacket.locateExtension(id: id, in: packet) else { continue }
            for offset in start..<value.upperBound { header[offset] = 0 }
        }
        if let tap = configuration.packetTap { tap(key, header + packet[headerLength...]) }
        if !repaired { noticeLoss(before: sequence, of: key, now: now, outbox: &outbox) }
        // Stored as received; a retransmission blanks the same extensions when it copies the packet.
        if producers.values[index].kind == .video { producers.values[index].retransmissions.store(packet, sequenceNumber: sequence) }
        let payload = packet[headerLength...]
        for subscriberID in producers.values[index].consumers {
            guard let subscription = participants[subscriberID]?.subscription, subscription.transport.isConnected,
                let slot = subscription.consumers.index(forKey: key), subscription.consumers.values[slot].accepted
            else { continue }
            // The consumer is changed where it lies in the dictionary: a copy would cost a look-up to store it back.
            let clockRate = subscription.consumers.values[slot].clockRate
            guard
                let (outSequence, outTimestamp) = subscription.consumers.values[slot].rewriter.rewrite(
                    sequence: sequence,
                    timestamp: timestamp,
                    clockRate: clockRate,
                    now: now
                )
            else { continue }
            do {
                try RTPPacket.setSSRC(subscription.consumers.values[slot].ssrc, in: &header)
                try RTPPacket.setPayloadType(subscription.consumers.values[slot].payloadType, in: &header)
                try RTPPacket.setSequenceNumber(outSequence, in: &header)
                try RTPPacket.setTimestamp(outTimestamp, in: &header)
            } catch {
                counters.malformedRTP += 1
                return
            }
            if subscription.transport.sendRTP(header: header[...], payload: payload) {
                subscription.consumers.values[slot].packetsOut += 1
                subscription.consumers.values[slot].bytesOut += packet.count
                counters.packetsForwarded += 1
                counters.bytesForwarded += packet.count
            }
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

    /// Asks the publisher of a video producer for a key frame with a PLI after a receiver report
    /// (a compound packet starts with a report, RFC 3550 §6.1), at most once per
    /// ``SFU/Configuration/keyFrameRequestInterval``.
    func requestKeyFrame(_ key: ProducerKey, now: ContinuousClock.Instant, outbox: inout [Transmit]) {
        guard let producer = producers[key], producer.kind == .video, let mediaSSRC = producer.ssrc,
            let member = participants[key.participant], let publisher = member.publish, publisher.isConnected
        else { return }
        if let last = producer.lastKeyFrameRequest, now - last < configuration.keyFrameRequestInterval {
            counters.keyFrameRequestsThrottled += 1
            return
        }
        producers[key]?.lastKeyFrameRequest = now
        var rtcp: [UInt8] = []
        do {
            try appendReceiverReport(for: member, now: now, to: &rtcp)
        } catch {
            return
        }
        RTCPPictureLossIndication(senderSSRC: rtcpSenderSSRC, mediaSSRC: mediaSSRC).append(to: &rtcp)
        if publisher.sendRTCP(rtcp) { counters.keyFrameRequestsSent += 1 }
        publisher.drainTransmits(into: &outbox)
    }
}

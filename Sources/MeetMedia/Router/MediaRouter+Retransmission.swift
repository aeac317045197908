extension MediaRouter {
    /// Answers a subscriber's NACK (RFC 4585 §6.2.1) from the producer's buffer: each packet gets
    /// the consumer's numbering, then goes out wrapped in the consumer's RTX stream (RFC 4588).
    func retransmit(_ lost: [UInt16], of key: ProducerKey, to subscription: Subscription, outbox: inout [Transmit]) {
        guard var consumer = subscription.consumers[key], consumer.accepted, let rtxSSRC = consumer.rtxSSRC,
            let producer = producers[key], let rtxPayloadType = ForwardedCodecs.rtxPayloadType(of: producer.forwardedCodec)
        else { return }
        for sequence in lost.prefix(64) {
            guard let stored = producer.retransmissions.packet(sequenceNumber: sequence &- consumer.rewriter.sequenceOffset) else {
                counters.retransmissionsUnavailable += 1
                continue
            }
            var copy = stored
            for id in producer.strippedExtensionIDs { _ = try? RTPPacket.removeExtension(id: id, in: &copy) }
            do {
                let timestamp = try RTPPacket(parsing: copy).timestamp
                try RTPPacket.setSSRC(consumer.ssrc, in: &copy)
                try RTPPacket.setPayloadType(consumer.payloadType, in: &copy)
                try RTPPacket.setSequenceNumber(sequence, in: &copy)
                try RTPPacket.setTimestamp(timestamp &+ consumer.rewriter.timestampOffset, in: &copy)
                let rtx = try RTPPacket(parsing: copy).wrappingRTX(
                    rtxSSRC: rtxSSRC,
                    rtxPayloadType: rtxPayloadType,
                    sequenceNumber: consumer.rtxSequence
                )
                consumer.rtxSequence &+= 1
                if subscription.transport.sendRTP(rtx) { counters.retransmissionsSent += 1 }
            } catch {
                counters.malformedRTP += 1
            }
        }
        subscription.consumers[key] = consumer
        subscription.transport.drainTransmits(into: &outbox)
    }

    /// Notices a gap in a publisher's sequence numbers and NACKs the missing packets at once;
    /// gaps over 100 packets are a restart, not a loss, and are not asked for.
    func noticeLoss(before sequence: UInt16, of key: ProducerKey, now: ContinuousClock.Instant, outbox: inout [Transmit]) {
        // In place, by index: a copy of the producer, or a change through `producers[key]?`, costs a
        // heap allocation per packet.
        guard let index = producers.index(forKey: key), producers.values[index].kind == .video else { return }
        guard let highest = producers.values[index].highestSequence else {
            producers.values[index].highestSequence = sequence
            return
        }
        let ahead = Int16(bitPattern: sequence &- highest)
        guard ahead > 0 else { return }
        producers.values[index].highestSequence = sequence
        guard ahead > 1, ahead <= 100, let mediaSSRC = producers.values[index].ssrc, let member = participants[key.participant],
            let publisher = member.publish
        else { return }
        let missing = (1..<UInt16(ahead)).map { highest &+ $0 }
        var rtcp: [UInt8] = []
        do {
            try appendReceiverReport(for: member, now: now, to: &rtcp)
            try RTCPGenericNACK.append(senderSSRC: rtcpSenderSSRC, mediaSSRC: mediaSSRC, lost: missing, to: &rtcp)
        } catch {
            return
        }
        if publisher.sendRTCP(rtcp) { counters.nacksSent += 1 }
        publisher.drainTransmits(into: &outbox)
    }

    /// Unwraps an RTX packet from the publisher and forwards the original it carries.
    func repair(_ packet: [UInt8], of key: ProducerKey, from member: Participant, now: ContinuousClock.Instant, outbox: inout [Transmit]) {
        guard let producer = producers[key], let mediaSSRC = producer.ssrc,
            let original = try? RTPPacket(parsing: packet).unwrappingRTX(originalPayloadType: producer.codec.payloadType, originalSSRC: mediaSSRC)
        else {
            // Padding-only RTX (bandwidth probing) carries nothing to repair.
            return
        }
        counters.packetsRepaired += 1
        forwardRTP(original, from: member, now: now, outbox: &outbox, repaired: true)
    }
}

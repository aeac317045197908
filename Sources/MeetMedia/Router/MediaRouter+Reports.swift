extension MediaRouter {
    /// Acts on RTCP from a publisher: each sender report is translated for every consumer of its
    /// stream (the consumer's SSRC, its timestamp space, its own packet and byte counts, the same
    /// NTP time), so subscribers can still synchronise audio with video (RFC 3550 §6.4.1). Its time
    /// is kept for the LSR and DLSR the router reports back to the publisher.
    func handlePublisherRTCP(_ packet: [UInt8], from member: Participant, now: ContinuousClock.Instant, outbox: inout [Transmit]) {
        guard let compound = try? RTCPCompoundPacket(parsing: packet) else {
            counters.malformedRTCP += 1
            return
        }
        for item in compound.packets {
            guard case .senderReport(let report) = item, let source = member.sourceBySSRC[report.senderSSRC] else { continue }
            let key = ProducerKey(participant: member.id, source: source)
            guard let producer = producers[key], producer.ssrc == report.senderSSRC else { continue }
            // LSR and DLSR of the next receiver reports to the publisher echo this SR.
            producers[key]?.receiverStatistics.noteSenderReport(compactNTP: report.compactNTP, now: now)
            for subscriberID in producer.consumers {
                guard let subscription = participants[subscriberID]?.subscription, subscription.transport.isConnected,
                    let consumer = subscription.consumers[key], consumer.accepted, consumer.packetsOut > 0
                else { continue }
                var rtcp: [UInt8] = []
                do {
                    try RTCPSenderReport.append(
                        senderSSRC: consumer.ssrc,
                        ntpTimestamp: report.ntpTimestamp,
                        rtpTimestamp: report.rtpTimestamp &+ consumer.rewriter.timestampOffset,
                        packetCount: UInt32(truncatingIfNeeded: consumer.packetsOut),
                        octetCount: UInt32(truncatingIfNeeded: consumer.bytesOut),
                        to: &rtcp
                    )
                } catch {
                    continue
                }
                if subscription.transport.sendRTCP(rtcp) { counters.senderReportsForwarded += 1 }
                subscription.transport.drainTransmits(into: &outbox)
            }
        }
    }
}

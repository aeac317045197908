extension PeerTransport {
    /// Protects an RTP packet with this peer's outbound SRTP context and queues it. False, and
    /// counted, if the transport is not connected or the packet is malformed.
    @discardableResult
    public func sendRTP(_ packet: [UInt8]) -> Bool {
        guard let destination = ice?.selectedAddress, isConnected, var context = outbound else {
            counters.sendFailures += 1
            return false
        }
        outbound = nil  // so that the context is uniquely referenced while it changes
        defer { outbound = context }
        guard let protected = try? context.protectRTP(packet) else {
            counters.sendFailures += 1
            return false
        }
        counters.rtpOut += 1
        queue(protected, to: destination)
        return true
    }

    /// Protects an RTP packet given as its header and payload apart (see
    /// ``SRTPContext/protectRTP(header:payload:)``) and queues it; false, and counted, as ``sendRTP(_:)``.
    @discardableResult
    public func sendRTP(header: ArraySlice<UInt8>, payload: ArraySlice<UInt8>) -> Bool {
        guard let destination = ice?.selectedAddress, isConnected, var context = outbound else {
            counters.sendFailures += 1
            return false
        }
        outbound = nil
        defer { outbound = context }
        guard let protected = try? context.protectRTP(header: header, payload: payload) else {
            counters.sendFailures += 1
            return false
        }
        counters.rtpOut += 1
        queue(protected, to: destination)
        return true
    }

    /// Protects a compound RTCP packet and queues it.
    @discardableResult
    public func sendRTCP(_ packet: [UInt8]) -> Bool {
        guard let destination = ice?.selectedAddress, isConnected, var context = outbound else {
            counters.sendFailures += 1
            return false
        }
        outbound = nil
        defer { outbound = context }
        guard let protected = try? context.protectRTCP(packet) else {
            counters.sendFailures += 1
            return false
        }
        counters.rtcpOut += 1
        queue(protected, to: destination)
        return true
    }

    func handleDTLS(_ datagram: [UInt8], from source: STUNAddress, now: ContinuousClock.Instant) {
        guard closeReason == nil, let dtls, source == ice?.selectedAddress else {
            counters.dropped += 1
            return
        }
        counters.datagramsIn += 1
        counters.bytesIn += datagram.count
        queueDTLS(dtls.handle(datagram: datagram))
        afterDTLS(now: now)
        if dtls.peerClosed { close(.closedByPeer) }
    }

    func queueDTLS(_ datagrams: [[UInt8]]) {
        guard let destination = ice?.selectedAddress else { return }
        for datagram in datagrams { queue(datagram, to: destination) }
    }

    /// Follows the handshake's state after it consumed input or a timer.
    func afterDTLS(now: ContinuousClock.Instant) {
        guard let dtls else { return }
        switch dtls.state {
        case .handshaking:
            dtlsDeadline = dtls.timeout.map { now + $0 }
        case .connected(let keys):
            dtlsDeadline = nil
            guard !isConnected else { return }
            do {
                let contexts = try keys.contexts(isServer: true)
                outbound = contexts.outbound
                inbound = contexts.inbound
                profile = keys.profile
                isConnected = true
                events.append(.connected(keys.profile))
            } catch {
                counters.dtlsFailures += 1
                close(.dtlsFailure("SRTP keys unusable: \(error)"))
            }
        case .failed(let reason):
            counters.dtlsFailures += 1
            close(.dtlsFailure(reason))
        }
    }

    func handleSRTP(_ datagram: [UInt8], from source: STUNAddress) {
        guard isConnected, source == ice?.selectedAddress, var context = inbound else {
            counters.dropped += 1
            return
        }
        inbound = nil
        defer { inbound = context }
        let isRTCP = RTPMuxKind(datagram: datagram) == .rtcp
        do {
            if isRTCP {
                let packet = try context.unprotectRTCP(datagram)
                counters.rtcpIn += 1
                events.append(.rtcp(packet))
            } else {
                let packet = try context.unprotectRTP(datagram)
                counters.rtpIn += 1
                events.append(.rtp(packet))
            }
            counters.datagramsIn += 1
            counters.bytesIn += datagram.count
        } catch let error as MediaError where error.code == .replayed {
            counters.srtpReplays += 1
        } catch {
            counters.srtpAuthFailures += 1
        }
    }
}

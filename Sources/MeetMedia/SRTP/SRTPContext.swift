import Crypto
import CryptoExtras
import Foundation

/// SRTP and SRTCP protection for one direction of one DTLS-SRTP association (RFC 3711, RFC 7714),
/// keeping per-SSRC rollover counters and replay windows. A value: the peer core owns one per leg
/// (inbound from a publisher, outbound to each subscriber), so nothing is shared between threads.
public struct SRTPContext: Sendable {
    public let profile: SRTPProfile
    let rtpKeys: SRTPSessionKeys
    let rtcpKeys: SRTPSessionKeys
    var receivers: [UInt32: ReceiveState] = [:]
    var senders: [UInt32: SendState] = [:]
    var rtcpReceivers: [UInt32: ReplayWindow] = [:]
    var rtcpSenders: [UInt32: UInt32] = [:]

    struct ReceiveState {
        var rollover: UInt32
        var highestSequence: UInt16
        var window = ReplayWindow()
    }

    struct SendState {
        var rollover: UInt32
        var lastSequence: UInt16
    }

    public init(profile: SRTPProfile, masterKey: [UInt8], masterSalt: [UInt8]) throws {
        self.profile = profile
        rtpKeys = try SRTPSessionKeys(profile: profile, masterKey: masterKey, masterSalt: masterSalt, rtcp: false)
        rtcpKeys = try SRTPSessionKeys(profile: profile, masterKey: masterKey, masterSalt: masterSalt, rtcp: true)
    }

    // MARK: RTP

    /// Encrypts and authenticates an RTP packet.
    public mutating func protectRTP(_ packet: [UInt8]) throws -> [UInt8] {
        let header = try RTPHeader(parsing: packet)
        let rollover: UInt32
        if var state = senders[header.ssrc] {
            // The sequence number wrapped if it went back by more than half the space.
            if header.sequenceNumber < state.lastSequence, state.lastSequence - header.sequenceNumber > 0x8000 { state.rollover &+= 1 }
            state.lastSequence = header.sequenceNumber
            senders[header.ssrc] = state
            rollover = state.rollover
        } else {
            senders[header.ssrc] = SendState(rollover: 0, lastSequence: header.sequenceNumber)
            rollover = 0
        }
        return try seal(packet, header: header, rollover: rollover)
    }

    /// Authenticates, replay-checks and decrypts an SRTP packet; returns the RTP packet.
    public mutating func unprotectRTP(_ packet: [UInt8]) throws -> [UInt8] {
        let header = try RTPHeader(parsing: packet)
        guard packet.count >= header.length + profile.tagLength else { throw MediaError(.malformedPacket, "SRTP packet shorter than its tag") }
        let state = receivers[header.ssrc]
        let rollover = state.map { Self.estimateRollover($0, sequence: header.sequenceNumber) } ?? 0
        let index = UInt64(rollover) << 16 | UInt64(header.sequenceNumber)
        if let state, !state.window.allows(index) { throw MediaError(.replayed, "SRTP packet \(index) was already received or is too old") }
        let plain = try open(packet, header: header, rollover: rollover)
        var updated = state ?? ReceiveState(rollover: rollover, highestSequence: header.sequenceNumber)
        if updated.window.highest.map({ index > $0 }) ?? true {
            updated.rollover = rollover
            updated.highestSequence = header.sequenceNumber
        }
        updated.window.accept(index)
        receivers[header.ssrc] = updated
        return plain
    }

    /// RFC 3711 Appendix A: the rollover counter that puts `sequence` closest to the highest one seen.
    static func estimateRollover(_ state: ReceiveState, sequence: UInt16) -> UInt32 {
        let highest = state.highestSequence
        if highest < 0x8000 {
            return sequence > highest && sequence - highest > 0x8000 ? state.rollover &- 1 : state.rollover
        }
        return highest - 0x8000 > sequence ? state.rollover &+ 1 : state.rollover
    }

    func seal(_ packet: [UInt8], header: RTPHeader, rollover: UInt32) throws -> [UInt8] {
        let headerBytes = packet[0..<header.length]
        let payload = packet[header.length...]
        switch profile {
        case .aeadAES128GCM:
            let box = try AES.GCM.seal(
                payload,
                using: rtpKeys.encryption,
                nonce: try gcmNonce(ssrc: header.ssrc, rollover: rollover, sequence: header.sequenceNumber),
                authenticating: headerBytes
            )
            return Array(headerBytes) + box.ciphertext + box.tag
        case .aes128CMHMACSHA180:
            let index = UInt64(rollover) << 16 | UInt64(header.sequenceNumber)
            var output = Array(headerBytes)
            output += try AES._CTR.encrypt(payload, using: rtpKeys.encryption, nonce: try ctrNonce(keys: rtpKeys, ssrc: header.ssrc, index: index))
            output += try hmacTag(keys: rtpKeys, output, trailer: bigEndian(rollover))
            return output
        }
    }

    func open(_ packet: [UInt8], header: RTPHeader, rollover: UInt32) throws -> [UInt8] {
        let headerBytes = packet[0..<header.length]
        let body = packet[header.length..<(packet.count - profile.tagLength)]
        let tag = packet[(packet.count - profile.tagLength)...]
        switch profile {
        case .aeadAES128GCM:
            do {
                let box = try AES.GCM.SealedBox(
                    nonce: try gcmNonce(ssrc: header.ssrc, rollover: rollover, sequence: header.sequenceNumber),
                    ciphertext: body,
                    tag: tag
                )
                return Array(headerBytes) + (try AES.GCM.open(box, using: rtpKeys.encryption, authenticating: headerBytes))
            } catch {
                throw MediaError(.authenticationFailed, "SRTP packet failed authentication")
            }
        case .aes128CMHMACSHA180:
            let expected = try hmacTag(keys: rtpKeys, packet[..<(packet.count - profile.tagLength)], trailer: bigEndian(rollover))
            guard Self.constantTimeEqual(expected, tag) else { throw MediaError(.authenticationFailed, "SRTP packet failed authentication") }
            let index = UInt64(rollover) << 16 | UInt64(header.sequenceNumber)
            return Array(headerBytes)
                + (try AES._CTR.decrypt(body, using: rtpKeys.encryption, nonce: try ctrNonce(keys: rtpKeys, ssrc: header.ssrc, index: index)))
        }
    }

    // MARK: Shared

    /// AES-CM IV (RFC 3711 §4.1.1): (salt · 2^16) ⊕ (SSRC · 2^64) ⊕ (index · 2^16).
    func ctrNonce(keys: SRTPSessionKeys, ssrc: UInt32, index: UInt64) throws -> AES._CTR.Nonce {
        var iv = keys.salt + [0, 0]
        for offset in 0..<4 { iv[4 + offset] ^= UInt8(truncatingIfNeeded: ssrc >> (24 - 8 * offset)) }
        for offset in 0..<6 { iv[8 + offset] ^= UInt8(truncatingIfNeeded: index >> (40 - 8 * offset)) }
        return try AES._CTR.Nonce(nonceBytes: iv)
    }

    /// AES-GCM IV for SRTP (RFC 7714 §8.1): 0x0000 ∥ SSRC ∥ ROC ∥ SEQ, ⊕ salt.
    func gcmNonce(ssrc: UInt32, rollover: UInt32, sequence: UInt16) throws -> AES.GCM.Nonce {
        var iv: [UInt8] = [0, 0] + bigEndian(ssrc) + bigEndian(rollover) + [UInt8(sequence >> 8), UInt8(truncatingIfNeeded: sequence)]
        for offset in 0..<12 { iv[offset] ^= rtpKeys.salt[offset] }
        return try AES.GCM.Nonce(data: iv)
    }

    func hmacTag(keys: SRTPSessionKeys, _ authenticated: some DataProtocol, trailer: [UInt8]) throws -> [UInt8] {
        guard let key = keys.authentication else { throw MediaError(.invalidKey, "no authentication key for this profile") }
        var mac = HMAC<Insecure.SHA1>(key: key)
        mac.update(data: authenticated)
        mac.update(data: trailer)
        return Array(Array(mac.finalize()).prefix(profile.tagLength))
    }

    func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: ArraySlice<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

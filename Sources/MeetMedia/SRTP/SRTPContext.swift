import Crypto
import CryptoExtras
import Foundation

/// SRTP and SRTCP protection for one direction of one DTLS-SRTP association (RFC 3711, RFC 7714),
/// keeping per-SSRC rollover counters and replay windows. A value: the peer core owns one per leg
/// (inbound from a publisher, outbound to each subscriber), so nothing is shared between threads.
///
/// The RTP paths run once per forwarded packet and consumer, so they build each output in one
/// array of the final size and their nonces on the stack. AES-GCM for RTP goes through one keyed
/// BoringSSL context per session (``SRTPGCMContext``, decision 0008); key derivation, AES-CM,
/// HMAC-SHA1 and SRTCP use swift-crypto.
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

    /// A context over session keys given directly (RFC 7714's test vectors).
    init(profile: SRTPProfile, rtpKeys: SRTPSessionKeys, rtcpKeys: SRTPSessionKeys) {
        self.profile = profile
        self.rtpKeys = rtpKeys
        self.rtcpKeys = rtcpKeys
    }

    // MARK: RTP

    /// Encrypts and authenticates an RTP packet.
    public mutating func protectRTP(_ packet: [UInt8]) throws -> [UInt8] {
        let header = try RTPHeader(parsing: packet)
        return try protectRTP(header: packet[0..<header.length], payload: packet[header.length...])
    }

    /// Encrypts and authenticates an RTP packet given as its header (CSRCs and extension included)
    /// and the rest, so that a forwarder can send one payload under many rewritten headers without
    /// joining them first.
    public mutating func protectRTP(header headerBytes: ArraySlice<UInt8>, payload: ArraySlice<UInt8>) throws -> [UInt8] {
        let header = try RTPHeader(parsing: headerBytes)
        guard header.length == headerBytes.count else { throw MediaError(.malformedPacket, "RTP header bytes and header length differ") }
        let rollover: UInt32
        if let index = senders.index(forKey: header.ssrc) {
            // The sequence number wrapped if it went back by more than half the space.
            let last = senders.values[index].lastSequence
            if header.sequenceNumber < last, last - header.sequenceNumber > 0x8000 { senders.values[index].rollover &+= 1 }
            senders.values[index].lastSequence = header.sequenceNumber
            rollover = senders.values[index].rollover
        } else {
            senders[header.ssrc] = SendState(rollover: 0, lastSequence: header.sequenceNumber)
            rollover = 0
        }
        return try seal(headerBytes, payload, header: header, rollover: rollover)
    }

    /// Authenticates, replay-checks and decrypts an SRTP packet; returns the RTP packet.
    public mutating func unprotectRTP(_ packet: [UInt8]) throws -> [UInt8] {
        let header = try RTPHeader(parsing: packet)
        guard packet.count >= header.length + profile.tagLength else { throw MediaError(.malformedPacket, "SRTP packet shorter than its tag") }
        let slot = receivers.index(forKey: header.ssrc)
        let rollover = slot.map { Self.estimateRollover(receivers.values[$0], sequence: header.sequenceNumber) } ?? 0
        let index = UInt64(rollover) << 16 | UInt64(header.sequenceNumber)
        if let slot, !receivers.values[slot].window.allows(index) {
            throw MediaError(.replayed, "SRTP packet \(index) was already received or is too old")
        }
        let plain = try open(packet, header: header, rollover: rollover)
        // Updated in place: a copy of the state would copy the window's storage on every packet.
        guard let slot else {
            var state = ReceiveState(rollover: rollover, highestSequence: header.sequenceNumber)
            state.window.accept(index)
            receivers[header.ssrc] = state
            return plain
        }
        if receivers.values[slot].window.highest.map({ index > $0 }) ?? true {
            receivers.values[slot].rollover = rollover
            receivers.values[slot].highestSequence = header.sequenceNumber
        }
        receivers.values[slot].window.accept(index)
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

    func seal(_ headerBytes: ArraySlice<UInt8>, _ payload: ArraySlice<UInt8>, header: RTPHeader, rollover: UInt32) throws -> [UInt8] {
        switch profile {
        case .aeadAES128GCM:
            guard let gcm = rtpKeys.gcm else { throw MediaError(.invalidKey, "no AES-GCM context for this profile") }
            return try withGCMNonce(ssrc: header.ssrc, rollover: rollover, sequence: header.sequenceNumber) {
                try gcm.seal(header: headerBytes, payload: payload, nonce: $0)
            }
        case .aes128CMHMACSHA180:
            var output: [UInt8] = []
            output.reserveCapacity(headerBytes.count + payload.count + profile.tagLength)
            output += headerBytes
            let index = UInt64(rollover) << 16 | UInt64(header.sequenceNumber)
            output += try AES._CTR.encrypt(payload, using: rtpKeys.encryption, nonce: try ctrNonce(keys: rtpKeys, ssrc: header.ssrc, index: index))
            let tag = try authenticationTag(keys: rtpKeys, output[...], rollover: rollover)
            tag.withUnsafeBytes { output += $0.prefix(profile.tagLength) }
            return output
        }
    }

    func open(_ packet: [UInt8], header: RTPHeader, rollover: UInt32) throws -> [UInt8] {
        let headerBytes = packet[0..<header.length]
        let body = packet[header.length..<(packet.count - profile.tagLength)]
        let tag = packet[(packet.count - profile.tagLength)...]
        switch profile {
        case .aeadAES128GCM:
            guard let gcm = rtpKeys.gcm else { throw MediaError(.invalidKey, "no AES-GCM context for this profile") }
            let plain = withGCMNonce(ssrc: header.ssrc, rollover: rollover, sequence: header.sequenceNumber) {
                gcm.open(header: headerBytes, body: packet[header.length...], nonce: $0)
            }
            guard let plain else { throw MediaError(.authenticationFailed, "SRTP packet failed authentication") }
            return plain
        case .aes128CMHMACSHA180:
            let expected = try authenticationTag(keys: rtpKeys, packet[..<(packet.count - profile.tagLength)], rollover: rollover)
            let matches = expected.withUnsafeBytes { Self.constantTimeEqual($0.prefix(profile.tagLength), tag) }
            guard matches else { throw MediaError(.authenticationFailed, "SRTP packet failed authentication") }
            var output: [UInt8] = []
            output.reserveCapacity(header.length + body.count)
            output += headerBytes
            let index = UInt64(rollover) << 16 | UInt64(header.sequenceNumber)
            output += try AES._CTR.decrypt(body, using: rtpKeys.encryption, nonce: try ctrNonce(keys: rtpKeys, ssrc: header.ssrc, index: index))
            return output
        }
    }

    // MARK: Shared

    /// AES-CM IV (RFC 3711 §4.1.1): (salt · 2^16) ⊕ (SSRC · 2^64) ⊕ (index · 2^16).
    func ctrNonce(keys: SRTPSessionKeys, ssrc: UInt32, index: UInt64) throws -> AES._CTR.Nonce {
        try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16) { iv in
            iv.initialize(repeating: 0)
            for offset in 0..<min(14, keys.salt.count) { iv[offset] = keys.salt[offset] }
            for offset in 0..<4 { iv[4 + offset] ^= UInt8(truncatingIfNeeded: ssrc >> (24 - 8 * offset)) }
            for offset in 0..<6 { iv[8 + offset] ^= UInt8(truncatingIfNeeded: index >> (40 - 8 * offset)) }
            return try AES._CTR.Nonce(nonceBytes: iv)
        }
    }

    /// Runs `body` with the AES-GCM IV for SRTP (RFC 7714 §8.1), 0x0000 ∥ SSRC ∥ ROC ∥ SEQ ⊕ salt, on the stack.
    func withGCMNonce<Result>(
        ssrc: UInt32,
        rollover: UInt32,
        sequence: UInt16,
        _ body: (UnsafeBufferPointer<UInt8>) throws -> Result
    ) rethrows -> Result {
        try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 12) { iv in
            iv[0] = 0
            iv[1] = 0
            for offset in 0..<4 {
                iv[2 + offset] = UInt8(truncatingIfNeeded: ssrc >> (24 - 8 * offset))
                iv[6 + offset] = UInt8(truncatingIfNeeded: rollover >> (24 - 8 * offset))
            }
            iv[10] = UInt8(sequence >> 8)
            iv[11] = UInt8(truncatingIfNeeded: sequence)
            for offset in 0..<12 { iv[offset] ^= rtpKeys.salt[offset] }
            return try body(UnsafeBufferPointer(iv))
        }
    }

    /// The full HMAC-SHA1 of an SRTP packet and its rollover counter (RFC 3711 §4.2), from the
    /// keyed authenticator the session keys prepared, so no packet pays for keying HMAC.
    func authenticationTag(keys: SRTPSessionKeys, _ authenticated: ArraySlice<UInt8>, rollover: UInt32) throws -> HMAC<Insecure.SHA1>.MAC {
        guard var mac = keys.authenticator else { throw MediaError(.invalidKey, "no authentication key for this profile") }
        mac.update(data: authenticated)
        withUnsafeBytes(of: rollover.bigEndian) { mac.update(data: $0) }
        return mac.finalize()
    }

    func hmacTag(keys: SRTPSessionKeys, _ authenticated: some DataProtocol, trailer: [UInt8]) throws -> [UInt8] {
        guard var mac = keys.authenticator else { throw MediaError(.invalidKey, "no authentication key for this profile") }
        mac.update(data: authenticated)
        mac.update(data: trailer)
        return Array(Array(mac.finalize()).prefix(profile.tagLength))
    }

    func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }

    static func constantTimeEqual(_ a: some Collection<UInt8>, _ b: ArraySlice<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

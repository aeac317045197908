import Crypto
import CryptoExtras

extension SRTPContext {
    /// Encrypts and authenticates a compound RTCP packet (RFC 3711 §3.4; RFC 7714 §9), adding the
    /// E flag and the 31-bit SRTCP index of its sender SSRC.
    public mutating func protectRTCP(_ packet: [UInt8]) throws -> [UInt8] {
        let ssrc = try Self.rtcpSenderSSRC(packet)
        let index = (rtcpSenders[ssrc].map { $0 &+ 1 } ?? 1) & 0x7fff_ffff
        rtcpSenders[ssrc] = index
        let trailer = bigEndian(0x8000_0000 | index)
        let header = packet[0..<8]
        let body = packet[8...]
        switch profile {
        case .aeadAES128GCM:
            let box = try AES.GCM.seal(
                body,
                using: rtcpKeys.encryption,
                nonce: try rtcpGCMNonce(ssrc: ssrc, index: index),
                authenticating: Array(header) + trailer
            )
            return Array(header) + box.ciphertext + box.tag + trailer
        case .aes128CMHMACSHA180:
            var output = Array(header)
            output += try AES._CTR.encrypt(body, using: rtcpKeys.encryption, nonce: try ctrNonce(keys: rtcpKeys, ssrc: ssrc, index: UInt64(index)))
            output += trailer
            output += try hmacTag(keys: rtcpKeys, output, trailer: [])
            return output
        }
    }

    /// Authenticates, replay-checks and decrypts an SRTCP packet; returns the compound RTCP packet.
    public mutating func unprotectRTCP(_ packet: [UInt8]) throws -> [UInt8] {
        let ssrc = try Self.rtcpSenderSSRC(packet)
        let tagLength = profile.tagLength
        guard packet.count >= 8 + 4 + tagLength else { throw MediaError(.malformedPacket, "SRTCP packet shorter than its trailer") }
        let trailerStart = profile == .aeadAES128GCM ? packet.count - 4 : packet.count - tagLength - 4
        let trailer = Array(packet[trailerStart..<(trailerStart + 4)])
        let word = trailer.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let index = word & 0x7fff_ffff
        guard word & 0x8000_0000 != 0 else { throw MediaError(.malformedPacket, "unencrypted SRTCP is not accepted") }
        var window = rtcpReceivers[ssrc] ?? ReplayWindow()
        guard window.allows(UInt64(index)) else { throw MediaError(.replayed, "SRTCP packet \(index) was already received or is too old") }
        let header = packet[0..<8]
        let plain: [UInt8]
        switch profile {
        case .aeadAES128GCM:
            let body = packet[8..<(trailerStart - tagLength)]
            let tag = packet[(trailerStart - tagLength)..<trailerStart]
            do {
                let box = try AES.GCM.SealedBox(nonce: try rtcpGCMNonce(ssrc: ssrc, index: index), ciphertext: body, tag: tag)
                plain = Array(header) + (try AES.GCM.open(box, using: rtcpKeys.encryption, authenticating: Array(header) + trailer))
            } catch {
                throw MediaError(.authenticationFailed, "SRTCP packet failed authentication")
            }
        case .aes128CMHMACSHA180:
            let expected = try hmacTag(keys: rtcpKeys, packet[..<(packet.count - tagLength)], trailer: [])
            guard Self.constantTimeEqual(expected, packet[(packet.count - tagLength)...]) else {
                throw MediaError(.authenticationFailed, "SRTCP packet failed authentication")
            }
            let body = packet[8..<trailerStart]
            plain =
                Array(header)
                + (try AES._CTR.decrypt(body, using: rtcpKeys.encryption, nonce: try ctrNonce(keys: rtcpKeys, ssrc: ssrc, index: UInt64(index))))
        }
        window.accept(UInt64(index))
        rtcpReceivers[ssrc] = window
        return plain
    }

    /// The sender SSRC of the first packet of a compound RTCP packet (bytes 4–7), after basic checks.
    static func rtcpSenderSSRC(_ packet: [UInt8]) throws -> UInt32 {
        guard packet.count >= 8, packet[0] >> 6 == 2 else { throw MediaError(.malformedPacket, "not an RTCP packet") }
        return packet[4..<8].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }

    /// AES-GCM IV for SRTCP (RFC 7714 §9.1): 0x0000 ∥ SSRC ∥ 0x0000 ∥ 0 ∥ index(31), ⊕ salt.
    func rtcpGCMNonce(ssrc: UInt32, index: UInt32) throws -> AES.GCM.Nonce {
        var iv: [UInt8] = [0, 0] + bigEndian(ssrc) + [0, 0] + bigEndian(index & 0x7fff_ffff)
        for offset in 0..<12 { iv[offset] ^= rtcpKeys.salt[offset] }
        return try AES.GCM.Nonce(data: iv)
    }
}

import Crypto
import Foundation
import MeetMedia
import SwiftASN1
import X509

#if canImport(Glibc)
import Glibc
#endif

/// What both modes share: certificates made at run time (none is committed), the descriptions a
/// browser would send, and VP8-like RTP packets that carry their send time.
enum SyntheticMedia {
    static let videoSSRC: UInt32 = 0x0B0B_0001
    static let audioSSRC: UInt32 = 0x0A0A_0001

    /// A fresh self-signed P-256 certificate, as a browser makes one per peer connection.
    static func certificate(name: String) throws -> DTLSCertificate {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName { CommonName(name) }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: .init(),
            publicKey: .init(key.publicKey),
            notValidBefore: Date().addingTimeInterval(-60),
            notValidAfter: Date().addingTimeInterval(86_400),
            issuer: subject,
            subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: Certificate.Extensions(),
            issuerPrivateKey: .init(key)
        )
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return DTLSCertificate(der: serializer.serializedBytes, privateKey: key)
    }

    /// A publish offer as a browser writes one: Opus at 96 in mid 0, VP8 at 97 with RTX 98 in mid 1.
    static func publishOffer(ice: ICECredentials, fingerprint: DTLSFingerprint) -> String {
        var lines = ["v=0", "o=- 1 1 IN IP4 0.0.0.0", "s=-", "t=0 0", "a=group:BUNDLE 0 1", "a=msid-semantic:WMS *"]
        func transport(_ mid: Int) -> [String] {
            [
                "c=IN IP4 127.0.0.1", "a=sendonly", "a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid", "a=mid:\(mid)", "a=rtcp-mux",
                "a=ice-ufrag:\(ice.ufrag)", "a=ice-pwd:\(ice.password)", "a=fingerprint:sha-256 \(fingerprint)", "a=setup:actpass",
            ]
        }
        lines += ["m=audio 9 UDP/TLS/RTP/SAVPF 96"] + transport(0)
        lines += ["a=ssrc:\(audioSSRC) cname:pub", "a=rtpmap:96 opus/48000/2"]
        lines += ["m=video 9 UDP/TLS/RTP/SAVPF 97 98"] + transport(1)
        lines += ["a=ssrc-group:FID \(videoSSRC) \(videoSSRC + 100)", "a=ssrc:\(videoSSRC) cname:pub", "a=ssrc:\(videoSSRC + 100) cname:pub"]
        lines += ["a=rtpmap:97 VP8/90000", "a=rtcp-fb:97 nack", "a=rtcp-fb:97 nack pli", "a=rtpmap:98 rtx/90000", "a=fmtp:98 apt=97"]
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// A browser's answer to the SFU's subscribe offer: every offered section received.
    static func subscribeAnswer(to offer: SessionDescription, ice: ICECredentials, fingerprint: DTLSFingerprint) -> String {
        var answer = SessionDescription(origin: SDPOrigin(sessionID: "99", sessionVersion: 1))
        let accepted = offer.media.filter { $0.port != 0 }.compactMap(\.mid)
        answer.attributes = accepted.isEmpty ? [] : [.group(SDPGroup(semantics: "BUNDLE", mids: accepted))]
        for section in offer.media {
            var reply = MediaDescription(kind: section.kind, port: 0, formats: section.formats, attributes: [.mid(section.mid ?? "")])
            reply.attributes += [
                .iceUfrag(ice.ufrag), .icePwd(ice.password), .fingerprint(SDPFingerprint(fingerprint)),
                .setup(.active), .direction(section.port == 0 ? .inactive : .recvonly), .rtcpMux,
            ]
            reply.attributes += section.attributes.filter {
                switch $0 {
                case .rtpmap, .fmtp, .rtcpFeedback: true
                default: false
                }
            }
            if section.port != 0 { reply.port = 9 }
            answer.media.append(reply)
        }
        return answer.sdpText
    }

    /// The client end of a description from the SFU (its answer, or its subscribe offer).
    static func clientPeer(
        for description: String,
        ice: ICECredentials,
        certificate: DTLSCertificate,
        profile: SRTPProfile
    ) throws -> TestClientPeer {
        let parsed = try SessionDescription(parsing: description)
        guard let section = parsed.media.first(where: { $0.port != 0 }), let ufrag = section.iceUfrag, let password = section.icePassword,
            let fingerprint = section.fingerprints.first(where: { $0.algorithm == "sha-256" }),
            let remoteFingerprint = DTLSFingerprint(sdpValue: fingerprint.description.split(separator: " ").last.map(String.init) ?? "")
        else { throw LoadError("the SFU's description has no usable transport") }
        return try TestClientPeer(
            local: ice,
            remote: ICECredentials(ufrag: ufrag, password: password),
            certificate: certificate,
            remoteFingerprint: remoteFingerprint,
            profiles: [profile]
        )
    }

    /// A VP8 packet: a 12-byte header, the mid extension (id 1, "1") and `payloadSize` bytes that
    /// start with a VP8 payload descriptor and, at offset 4, the send time in nanoseconds.
    static func videoPacket(sequence: UInt16, payloadSize: Int, sentAt nanoseconds: UInt64) -> [UInt8] {
        var packet: [UInt8] = [0x90, 97, UInt8(sequence >> 8), UInt8(truncatingIfNeeded: sequence)]
        let timestamp = UInt32(truncatingIfNeeded: Int(sequence) &* 3000)
        append(timestamp, to: &packet)
        append(videoSSRC, to: &packet)
        packet += [0xBE, 0xDE, 0, 1, 0x10, UInt8(ascii: "1"), 0, 0]
        var payload = [UInt8](repeating: 0xAB, count: max(payloadSize, 12))
        payload[0] = 0x10  // VP8 descriptor: start of partition
        for index in 0..<8 { payload[4 + index] = UInt8(truncatingIfNeeded: nanoseconds >> (56 - 8 * index)) }
        return packet + payload
    }

    /// The send time a forwarded packet carries, after its (rewritten) header and extensions.
    static func sentAt(forwarded packet: [UInt8]) -> UInt64? {
        guard packet.count >= 12 else { return nil }
        var offset = 12 + Int(packet[0] & 0x0F) * 4
        if packet[0] & 0x10 != 0 {
            guard packet.count >= offset + 4 else { return nil }
            offset += 4 + (Int(packet[offset + 2]) << 8 | Int(packet[offset + 3])) * 4
        }
        guard packet.count >= offset + 12 else { return nil }
        return (0..<8).reduce(UInt64(0)) { $0 << 8 | UInt64(packet[offset + 4 + $1]) }
    }

    static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        bytes += [
            UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value),
        ]
    }

    /// Nanoseconds on the monotonic clock, comparable between threads of this process.
    static func monotonicNanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}

struct LoadError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

import Testing

@testable import MeetMedia

/// Deterministic pseudo-random packets and mutations of valid ones for the RTP parser and the RTCP
/// compound parser. Each must return a value or a `MediaError` (typed throws rules out any other
/// error, and a trap would end the run); whatever parses must survive the builders and in-place
/// rewrites that exist for it and read back the same.
@Suite struct RTPFuzzTests {
    typealias Generator = STUNFuzzTests.Generator

    static let seed: UInt64 = 0x5254_5052_5443
    static let chunks = 8
    /// 8 chunks of 12,500 for each parser make 200,000 inputs, run in parallel.
    static let iterationsPerChunk = 12_500

    static let rtpSeeds: [[UInt8]] = [
        RTPPacketTests.withExtensions,
        RTPPacketTests.packet(extensionProfile: 0x1000, extensionData: Array(RTPPacketTests.rfc8285TwoByte.dropFirst(4))),
        RTPPacketTests.packet(extensionProfile: 0xBEDE, extensionData: Array(RTPPacketTests.rfc8285OneByte.dropFirst(4)), padding: 5),
        RTPPacketTests.packet(csrcs: [1, 2, 3], payload: Array(0..<40), padding: 2),
        RTPPacketTests.packet(payload: [0x12, 0x34, 9, 9, 9]),
    ]

    static let rtcpSeeds: [[UInt8]] = {
        var padded = RTCPPacketTests.nack
        padded[0] |= 0x20
        padded[3] += 2
        padded += [0, 0, 0, 0, 0, 0, 0, 8]
        return RTCPPacketTests.all + [
            RTCPPacketTests.all.reduce([], +),
            RTCPPacketTests.senderReport + RTCPPacketTests.sourceDescription + padded,
            RTCPPacketTests.receiverReport + RTCPPacketTests.remb + RTCPPacketTests.fullIntra + RTCPPacketTests.pictureLoss,
        ]
    }()

    static func mutate(_ original: [UInt8], rtcp: Bool, using random: inout Generator) -> [UInt8] {
        var bytes = original
        guard !bytes.isEmpty else { return bytes }
        switch Int.random(in: 0..<8, using: &random) {
        case 0:
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                bytes[Int.random(in: bytes.indices, using: &random)] ^= 1 << UInt8.random(in: 0..<8, using: &random)
            }
        case 1:
            bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &random)))
        case 2:
            // The first byte holds version, padding, extension and count bits.
            bytes[0] = 0x80 | UInt8.random(in: 0...0x3F, using: &random)
        case 3:
            // A length field: the RTP extension length, or an RTCP packet length.
            let at = rtcp ? 4 * Int.random(in: 0..<max(1, bytes.count / 4), using: &random) + 2 : 14
            guard at + 1 < bytes.count else { break }
            let value = Int.random(in: 0...12, using: &random)
            bytes[at] = Bool.random(using: &random) ? UInt8.random(in: 0...255, using: &random) : 0
            bytes[at + 1] = UInt8(truncatingIfNeeded: value)
        case 4:
            bytes[bytes.count - 1] = UInt8.random(in: 0...40, using: &random)
        case 5:
            let at = Int.random(in: 0...bytes.count, using: &random)
            let junk = (0..<(4 * Int.random(in: 1...3, using: &random))).map { _ in UInt8.random(in: 0...255, using: &random) }
            bytes.insert(contentsOf: junk, at: at)
        case 6:
            // Duplicate a word-aligned run, so RTCP framing often still holds.
            let from = 4 * Int.random(in: 0..<max(1, bytes.count / 4), using: &random)
            let end = min(bytes.count, from + 4 * Int.random(in: 1...6, using: &random))
            bytes.insert(contentsOf: bytes[from..<end], at: from)
        default:
            let at = Int.random(in: 0..<bytes.count, using: &random)
            for index in at..<min(bytes.count, at + Int.random(in: 1...8, using: &random)) {
                bytes[index] = UInt8.random(in: 0...255, using: &random)
            }
        }
        return bytes
    }

    static func randomBytes(rtcp: Bool, using random: inout Generator) -> [UInt8] {
        var bytes = (0..<Int.random(in: 0...100, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
        // Give most inputs a version-2 header, and RTCP a known type and a fitting length, so
        // random bytes reach past the first checks.
        if Int.random(in: 0..<4, using: &random) > 0, bytes.count >= 4 {
            bytes[0] = 0x80 | bytes[0] & 0x3F
            if rtcp {
                bytes.removeLast(bytes.count % 4)
                bytes[1] = UInt8.random(in: 200...206, using: &random)
                bytes[2] = 0
                bytes[3] = UInt8(bytes.count / 4 - 1)
            }
        }
        return bytes
    }

    struct Tally {
        var parsed = 0
        var refused: Set<MediaError.Code> = []
    }

    static func exerciseRTP(_ bytes: [UInt8], label: String, tally: inout Tally) {
        let packet: RTPPacket
        do {
            packet = try RTPPacket(parsing: bytes)
        } catch {
            tally.refused.insert(error.code)
            return
        }
        tally.parsed += 1
        #expect(packet.headerLength + packet.payload.count + packet.paddingLength == bytes.count, "\(label)")
        #expect((try? RTPHeader(parsing: bytes))?.length == packet.headerLength, "\(label)")
        if let headerExtension = packet.headerExtension {
            for element in headerExtension.elements {
                #expect(element.value.endIndex <= packet.headerLength, "\(label)")
            }
        }
        // RTX round trip: the original comes back without its padding.
        let expected = Array(packet.header) + packet.payload
        do {
            let rtx = try packet.wrappingRTX(rtxSSRC: 0x0BAD_F00D, rtxPayloadType: 97, sequenceNumber: 7)
            let back = try RTPPacket(parsing: rtx).unwrappingRTX(originalPayloadType: packet.payloadType, originalSSRC: packet.ssrc)
            #expect(Array(back.dropFirst()) == Array(expected.dropFirst()) && back.first == expected.first.map { $0 & ~0x20 }, "\(label)")
        } catch {
            Issue.record("\(label): RTX round trip failed: \(error)")
        }
        // An in-place rewrite changes only its field and still parses.
        var rewritten = bytes
        do {
            try RTPPacket.setSequenceNumber(packet.sequenceNumber &+ 1, in: &rewritten)
            let again = try RTPPacket(parsing: rewritten)
            #expect(again.sequenceNumber == packet.sequenceNumber &+ 1 && again.payload == packet.payload, "\(label)")
            if let element = packet.headerExtension?.elements.first(where: { _ in true }) {
                try RTPPacket.removeExtension(id: element.id, in: &rewritten)
                let removed = try RTPPacket(parsing: rewritten)
                #expect(removed.payload == packet.payload && removed.headerLength == packet.headerLength, "\(label)")
            }
        } catch {
            Issue.record("\(label): rewrite failed: \(error)")
        }
    }

    static func exerciseRTCP(_ bytes: [UInt8], label: String, tally: inout Tally) {
        let compound: RTCPCompoundPacket
        do {
            compound = try RTCPCompoundPacket(parsing: bytes)
        } catch {
            tally.refused.insert(error.code)
            return
        }
        tally.parsed += 1
        #expect(!compound.packets.isEmpty, "\(label)")
        for packet in compound.packets {
            do {
                try reserialise(packet, label: label)
            } catch {
                Issue.record("\(label): rebuilding \(packet) failed: \(error)")
            }
        }
    }

    /// Rebuilds a parsed packet with its builder and checks that it reads back the same.
    static func reserialise(_ packet: RTCPPacket, label: String) throws(MediaError) {
        var built: [UInt8] = []
        switch packet {
        case .senderReport(let report):
            try RTCPSenderReport.append(
                senderSSRC: report.senderSSRC,
                ntpTimestamp: report.ntpTimestamp,
                rtpTimestamp: report.rtpTimestamp,
                packetCount: report.packetCount,
                octetCount: report.octetCount,
                reportBlocks: Array(report.reportBlocks),
                to: &built
            )
            guard case .senderReport(let again) = try single(built, label: label) else { return }
            #expect(again.senderSSRC == report.senderSSRC && again.ntpTimestamp == report.ntpTimestamp, "\(label)")
            #expect(again.rtpTimestamp == report.rtpTimestamp && again.packetCount == report.packetCount, "\(label)")
            #expect(again.octetCount == report.octetCount && Array(again.reportBlocks) == Array(report.reportBlocks), "\(label)")
        case .receiverReport(let report):
            try RTCPReceiverReport.append(senderSSRC: report.senderSSRC, reportBlocks: Array(report.reportBlocks), to: &built)
            guard case .receiverReport(let again) = try single(built, label: label) else { return }
            #expect(again.senderSSRC == report.senderSSRC && Array(again.reportBlocks) == Array(report.reportBlocks), "\(label)")
        case .sourceDescription(let description):
            let chunks = description.chunks
            #expect(chunks.count == description.chunkCount, "\(label)")
            let cnames = chunks.compactMap { chunk in chunk.cname.map { (chunk.ssrc, $0) } }
            guard cnames.count == chunks.count, chunks.allSatisfy({ $0.items.count == 1 }) else { return }
            try RTCPSourceDescription.append(cnames: cnames, to: &built)
            guard case .sourceDescription(let again) = try single(built, label: label) else { return }
            #expect(again.chunks == chunks, "\(label)")
        case .nack(let nack):
            let lost = nack.lostSequenceNumbers
            try RTCPGenericNACK.append(senderSSRC: nack.senderSSRC, mediaSSRC: nack.mediaSSRC, lost: lost, to: &built)
            guard case .nack(let again) = try single(built, label: label) else { return }
            #expect(again.lostSequenceNumbers == RTCPGenericNACK.wrapOrdered(lost), "\(label)")
            #expect(again.entries.count <= nack.entries.count, "\(label)")
        case .pictureLossIndication(let pli):
            pli.append(to: &built)
            let again = try single(built, label: label)
            #expect(again == packet, "\(label)")
        case .fullIntraRequest(let fir):
            try RTCPFullIntraRequest.append(senderSSRC: fir.senderSSRC, entries: fir.entries, to: &built)
            guard case .fullIntraRequest(let again) = try single(built, label: label) else { return }
            #expect(again.entries == fir.entries && again.senderSSRC == fir.senderSSRC, "\(label)")
        case .remb(let remb):
            try RTCPREMB.append(senderSSRC: remb.senderSSRC, bitrate: remb.bitrate, ssrcs: remb.ssrcs, to: &built)
            guard case .remb(let again) = try single(built, label: label) else { return }
            #expect(again.ssrcs == remb.ssrcs, "\(label)")
            // Any mantissa · 2^exponent that fits 64 bits is exact again; a saturated one is not.
            if remb.bitrate != UInt64.max { #expect(again.bitrate == remb.bitrate, "\(label)") }
        case .goodbye(let bye):
            #expect(bye.ssrcs.count == bye.sourceCount, "\(label)")
        case .application, .transportWideCC, .other:
            break
        }
    }

    static func single(_ bytes: [UInt8], label: String) throws(MediaError) -> RTCPPacket? {
        let packets = try RTCPCompoundPacket(parsing: bytes).packets
        #expect(packets.count == 1, "\(label)")
        return packets.first
    }

    @Test(arguments: 0..<chunks)
    func rtp(chunk: Int) {
        var random = Generator(state: Self.seed &+ UInt64(chunk))
        var tally = Tally()
        for iteration in 0..<Self.iterationsPerChunk {
            let bytes =
                iteration % 2 == 0
                ? Self.mutate(Self.rtpSeeds[iteration / 2 % Self.rtpSeeds.count], rtcp: false, using: &random)
                : Self.randomBytes(rtcp: false, using: &random)
            Self.exerciseRTP(bytes, label: "RTP chunk \(chunk) iteration \(iteration)", tally: &tally)
        }
        #expect(tally.parsed > 1000)
        #expect(tally.refused.isSuperset(of: [.truncated, .badVersion, .badPadding, .malformedPacket]))
    }

    @Test(arguments: 0..<chunks)
    func rtcp(chunk: Int) {
        var random = Generator(state: ~Self.seed &+ UInt64(chunk))
        var tally = Tally()
        for iteration in 0..<Self.iterationsPerChunk {
            let bytes =
                iteration % 2 == 0
                ? Self.mutate(Self.rtcpSeeds[iteration / 2 % Self.rtcpSeeds.count], rtcp: true, using: &random)
                : Self.randomBytes(rtcp: true, using: &random)
            Self.exerciseRTCP(bytes, label: "RTCP chunk \(chunk) iteration \(iteration)", tally: &tally)
        }
        #expect(tally.parsed > 1000)
        #expect(tally.refused.isSuperset(of: [.truncated, .badVersion, .badPadding, .badLength]))
    }
}

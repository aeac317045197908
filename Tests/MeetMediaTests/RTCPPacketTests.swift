import Testing

@testable import MeetMedia

@Suite struct RTCPPacketTests {
    static let senderReport: [UInt8] = [
        0x81, 200, 0x00, 0x0C,
        0x01, 0x02, 0x03, 0x04,  // sender SSRC
        0xE8, 0xA1, 0xB2, 0xC3,  // NTP seconds
        0x80, 0x00, 0x00, 0x00,  // NTP fraction: half a second
        0x00, 0x00, 0x10, 0x00,  // RTP timestamp
        0x00, 0x00, 0x00, 0x0A,  // packets
        0x00, 0x00, 0x03, 0xE8,  // octets
        0x0A, 0x0B, 0x0C, 0x0D,  // block: SSRC
        0x40, 0xFF, 0xFF, 0xFE,  // fraction lost 64/256, cumulative lost -2
        0x00, 0x01, 0x00, 0x05,  // extended highest sequence number
        0x00, 0x00, 0x00, 0x20,  // jitter
        0xA1, 0xB2, 0xC3, 0x80,  // LSR
        0x00, 0x01, 0x00, 0x00,  // DLSR: one second
    ]

    static let block = RTCPReportBlock(
        ssrc: 0x0A0B_0C0D,
        fractionLost: 0x40,
        cumulativeLost: -2,
        extendedHighestSequenceNumber: 0x0001_0005,
        jitter: 0x20,
        lastSenderReport: 0xA1B2_C380,
        delaySinceLastSenderReport: 0x0001_0000
    )

    static let receiverReport: [UInt8] = [0x81, 201, 0x00, 0x07, 0x05, 0x06, 0x07, 0x08] + senderReport[28...]

    /// CNAME "abcd1234": 4 + 2 + 8 bytes, a null octet and one byte of padding.
    static let sourceDescription: [UInt8] = [
        0x81, 202, 0x00, 0x04,
        0x11, 0x22, 0x33, 0x44,
        0x01, 0x08, 0x61, 0x62, 0x63, 0x64, 0x31, 0x32, 0x33, 0x34, 0x00, 0x00,
    ]

    static let goodbye: [UInt8] = [0x82, 203, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 2, 0x03, 0x62, 0x79, 0x65]
    static let application: [UInt8] = [0x85, 204, 0x00, 0x03, 0, 0, 0, 9, 0x54, 0x45, 0x53, 0x54, 1, 2, 3, 4]
    /// NACK for 100, 101 and 103.
    static let nack: [UInt8] = [0x81, 205, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 2, 0x00, 0x64, 0x00, 0x05]
    static let transportWideCC: [UInt8] = [0x8F, 205, 0x00, 0x04, 0, 0, 0, 1, 0, 0, 0, 2, 0, 1, 0, 2, 3, 4, 5, 6]
    static let pictureLoss: [UInt8] = [0x81, 206, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2]
    static let fullIntra: [UInt8] = [0x84, 206, 0x00, 0x04, 0, 0, 0, 1, 0, 0, 0, 0, 0xAA, 0xBB, 0xCC, 0xDD, 7, 0, 0, 0]
    /// 1,500,000 bps = 187,500 · 2^3 for SSRC 0x0A0B0C0D.
    static let remb: [UInt8] = [
        0x8F, 206, 0x00, 0x05, 0x01, 0x02, 0x03, 0x04, 0, 0, 0, 0,
        0x52, 0x45, 0x4D, 0x42, 0x01, 0x0E, 0xDC, 0x6C, 0x0A, 0x0B, 0x0C, 0x0D,
    ]
    static let extendedReport: [UInt8] = [0x80, 207, 0x00, 0x01, 0, 0, 0, 1]

    static let all: [[UInt8]] = [
        senderReport, receiverReport, sourceDescription, goodbye, application, nack, transportWideCC, pictureLoss, fullIntra, remb,
        extendedReport,
    ]

    static func only(_ bytes: [UInt8]) throws -> RTCPPacket {
        let compound = try RTCPCompoundPacket(parsing: bytes)
        #expect(compound.packets.count == 1)
        return try #require(compound.packets.first)
    }

    @Test func senderReportFields() throws {
        guard case .senderReport(let report) = try Self.only(Self.senderReport) else {
            Issue.record("not an SR")
            return
        }
        #expect(report.senderSSRC == 0x0102_0304)
        #expect(report.ntpTimestamp == 0xE8A1_B2C3_8000_0000)
        #expect(report.ntpSeconds == 0xE8A1_B2C3)
        #expect(report.ntpFraction == 0x8000_0000)
        #expect(report.compactNTP == 0xB2C3_8000)
        #expect(report.rtpTimestamp == 0x1000)
        #expect(report.packetCount == 10)
        #expect(report.octetCount == 1000)
        #expect(Array(report.reportBlocks) == [Self.block])
        #expect(report.profileExtension.isEmpty)
        var built: [UInt8] = []
        try RTCPSenderReport.append(
            senderSSRC: 0x0102_0304,
            ntpTimestamp: 0xE8A1_B2C3_8000_0000,
            rtpTimestamp: 0x1000,
            packetCount: 10,
            octetCount: 1000,
            reportBlocks: [Self.block],
            to: &built
        )
        #expect(built == Self.senderReport)
    }

    @Test func receiverReportFields() throws {
        guard case .receiverReport(let report) = try Self.only(Self.receiverReport) else {
            Issue.record("not an RR")
            return
        }
        #expect(report.senderSSRC == 0x0506_0708)
        #expect(report.reportBlocks.count == 1)
        #expect(report.reportBlocks.first?.cumulativeLost == -2)
        var built: [UInt8] = []
        try RTCPReceiverReport.append(senderSSRC: 0x0506_0708, reportBlocks: [Self.block], to: &built)
        #expect(built == Self.receiverReport)
        // An empty RR is a header and an SSRC.
        built = []
        try RTCPReceiverReport.append(senderSSRC: 1, reportBlocks: [], to: &built)
        #expect(built == [0x80, 201, 0, 1, 0, 0, 0, 1])
    }

    @Test func cumulativeLostIsClampedTo24Bits() throws {
        var block = Self.block
        block.cumulativeLost = Int32.min
        var built: [UInt8] = []
        try RTCPReceiverReport.append(senderSSRC: 1, reportBlocks: [block], to: &built)
        #expect(Array(built[12..<16]) == [0x40, 0x80, 0x00, 0x00])
        guard case .receiverReport(let report) = try Self.only(built) else { return }
        #expect(report.reportBlocks.first?.cumulativeLost == -0x80_0000)
        expectRefused(.oversize) {
            try RTCPReceiverReport.append(senderSSRC: 1, reportBlocks: Array(repeating: Self.block, count: 32), to: &built)
        }
    }

    @Test func sourceDescriptionCNAME() throws {
        guard case .sourceDescription(let description) = try Self.only(Self.sourceDescription) else {
            Issue.record("not SDES")
            return
        }
        #expect(description.chunkCount == 1)
        #expect(description.chunks.first?.ssrc == 0x1122_3344)
        #expect(description.chunks.first?.cname == "abcd1234")
        var built: [UInt8] = []
        try RTCPSourceDescription.append(cnames: [(0x1122_3344, "abcd1234")], to: &built)
        #expect(built == Self.sourceDescription)
        // Two chunks, one needing a full word of nulls after a 4-byte-aligned item.
        built = []
        try RTCPSourceDescription.append(cnames: [(1, "ab"), (2, "wxyz12")], to: &built)
        guard case .sourceDescription(let two) = try Self.only(built) else { return }
        #expect(two.chunks.map(\.ssrc) == [1, 2])
        #expect(two.chunks.map(\.cname) == ["ab", "wxyz12"])
    }

    @Test func goodbyeAndApplication() throws {
        guard case .goodbye(let bye) = try Self.only(Self.goodbye) else {
            Issue.record("not BYE")
            return
        }
        #expect(bye.ssrcs == [1, 2])
        #expect(bye.reason.map(Array.init) == Array("bye".utf8))
        guard case .application(let app) = try Self.only(Self.application) else {
            Issue.record("not APP")
            return
        }
        #expect(app.count == 5)
        #expect(Array(app.body) == Array(Self.application.dropFirst(4)))
    }

    @Test func feedback() throws {
        guard case .nack(let nack) = try Self.only(Self.nack) else {
            Issue.record("not a NACK")
            return
        }
        #expect(nack.senderSSRC == 1 && nack.mediaSSRC == 2)
        #expect(nack.entries == [RTCPNACKEntry(packetID: 100, bitmask: 5)])
        #expect(nack.lostSequenceNumbers == [100, 101, 103])
        var built: [UInt8] = []
        try RTCPGenericNACK.append(senderSSRC: 1, mediaSSRC: 2, lost: [103, 100, 101, 100], to: &built)
        #expect(built == Self.nack)

        guard case .pictureLossIndication(let pli) = try Self.only(Self.pictureLoss) else {
            Issue.record("not a PLI")
            return
        }
        #expect(pli == RTCPPictureLossIndication(senderSSRC: 1, mediaSSRC: 2))
        built = []
        pli.append(to: &built)
        #expect(built == Self.pictureLoss)

        guard case .fullIntraRequest(let fir) = try Self.only(Self.fullIntra) else {
            Issue.record("not a FIR")
            return
        }
        #expect(fir.senderSSRC == 1 && fir.mediaSSRC == 0)
        #expect(fir.entries == [RTCPFIREntry(ssrc: 0xAABB_CCDD, sequenceNumber: 7)])
        built = []
        try RTCPFullIntraRequest.append(senderSSRC: 1, entries: [RTCPFIREntry(ssrc: 0xAABB_CCDD, sequenceNumber: 7)], to: &built)
        #expect(built == Self.fullIntra)

        guard case .transportWideCC(let twcc) = try Self.only(Self.transportWideCC) else {
            Issue.record("not transport-wide CC")
            return
        }
        #expect(twcc.senderSSRC == 1 && twcc.mediaSSRC == 2)
        #expect(Array(twcc.fci) == [0, 1, 0, 2, 3, 4, 5, 6])
    }

    @Test func rembOf1500000() throws {
        #expect(RTCPREMB.split(bitrate: 1_500_000) == (3, 187_500))
        var built: [UInt8] = []
        try RTCPREMB.append(senderSSRC: 0x0102_0304, bitrate: 1_500_000, ssrcs: [0x0A0B_0C0D], to: &built)
        #expect(built == Self.remb)
        guard case .remb(let remb) = try Self.only(Self.remb) else {
            Issue.record("not a REMB")
            return
        }
        #expect(remb.exponent == 3 && remb.mantissa == 187_500)
        #expect(remb.bitrate == 1_500_000)
        #expect(remb.ssrcs == [0x0A0B_0C0D])
        #expect(remb.senderSSRC == 0x0102_0304)
    }

    /// 1,000,000 bps does not fit 18 bits (262,143): halved twice it is 250,000 = 0x3D090 with
    /// exponent 2, so the byte after the SSRC count is 2 << 2 | 0x3 = 0x0B, then 0xD0 0x90.
    @Test func rembOf1000000ByteExact() throws {
        #expect(RTCPREMB.split(bitrate: 1_000_000) == (2, 250_000))
        let expected: [UInt8] = [
            0x8F, 206, 0x00, 0x06,  // FMT 15, PSFB, 6 words follow
            0xAA, 0xBB, 0xCC, 0xDD,  // sender SSRC
            0x00, 0x00, 0x00, 0x00,  // media SSRC: unused
            0x52, 0x45, 0x4D, 0x42,  // "REMB"
            0x02, 0x0B, 0xD0, 0x90,  // 2 SSRCs, exponent 2, mantissa 250,000
            0x0B, 0x0B, 0x00, 0x01,
            0x0B, 0x0B, 0x00, 0x02,
        ]
        var built: [UInt8] = []
        try RTCPREMB.append(senderSSRC: 0xAABB_CCDD, bitrate: 1_000_000, ssrcs: [0x0B0B_0001, 0x0B0B_0002], to: &built)
        #expect(built == expected)
        guard case .remb(let remb) = try Self.only(built) else {
            Issue.record("not a REMB")
            return
        }
        #expect(remb.bitrate == 1_000_000)
        #expect(remb.exponent == 2 && remb.mantissa == 250_000)
        #expect(remb.ssrcs == [0x0B0B_0001, 0x0B0B_0002])
        #expect(remb.senderSSRC == 0xAABB_CCDD && remb.mediaSSRC == 0)
        // It also parses behind a receiver report, as the SFU sends it.
        var compound: [UInt8] = []
        try RTCPReceiverReport.append(senderSSRC: 0xAABB_CCDD, reportBlocks: [Self.block], to: &compound)
        let packets = try RTCPCompoundPacket(parsing: compound + built).packets
        #expect(packets.count == 2)
        #expect(packets.last == .remb(remb))
    }

    @Test(arguments: [UInt64(0), 1, 262_143, 262_144, 1_000_001, 2_500_000_000, UInt64(1) << 40 | 12_345])
    func rembBitrateNeverExceedsTheEstimate(bitrate: UInt64) throws {
        var built: [UInt8] = []
        try RTCPREMB.append(senderSSRC: 1, bitrate: bitrate, ssrcs: [], to: &built)
        guard case .remb(let remb) = try Self.only(built) else {
            Issue.record("not a REMB")
            return
        }
        #expect(remb.bitrate <= bitrate)
        // Only bits below an 18-bit mantissa are lost.
        #expect(bitrate - remb.bitrate < max(1, bitrate >> 17))
        #expect(remb.mantissa < 1 << 18)
    }

    @Test func unknownTypesAreKeptRaw() throws {
        guard case .other(let raw) = try Self.only(Self.extendedReport) else {
            Issue.record("not raw")
            return
        }
        #expect(raw.packetType == 207)
        #expect(Array(raw.bytes) == Self.extendedReport)
        // Payload-specific FMT 15 without the REMB identifier is another application layer feedback.
        var afb = Self.remb
        afb[12] = 0x58
        guard case .other = try Self.only(afb) else {
            Issue.record("AFB not kept raw")
            return
        }
        // Payload-specific formats the SFU does not act on (SLI 2, RPSI 3) are kept raw too.
        for format: UInt8 in [2, 3, 7] {
            var unknown = Self.fullIntra
            unknown[0] = 0x80 | format
            guard case .other(let raw) = try Self.only(unknown) else {
                Issue.record("PSFB FMT \(format) not kept raw")
                return
            }
            #expect(raw.packetType == 206 && raw.count == format)
        }
    }

    @Test func compoundWithPaddingOnTheLast() throws {
        // SR + SDES padded with 4 bytes, the length field counting them.
        var padded = Self.sourceDescription
        padded[0] |= 0x20
        padded[3] += 1
        padded += [0, 0, 0, 4]
        let compound = try RTCPCompoundPacket(parsing: Self.senderReport + padded + [])
        #expect(compound.packets.count == 2)
        guard case .sourceDescription(let description) = compound.packets[1] else {
            Issue.record("not SDES")
            return
        }
        #expect(description.chunks.first?.cname == "abcd1234")
        // The same padding on the first packet of the compound is refused.
        expectRefused(.badPadding) { try RTCPCompoundPacket(parsing: padded + Self.senderReport) }
        // So are a zero count and a count larger than the packet body.
        var zero = padded
        zero[zero.count - 1] = 0
        expectRefused(.badPadding) { try RTCPCompoundPacket(parsing: zero) }
        var large = padded
        large[large.count - 1] = 21
        expectRefused(.badPadding) { try RTCPCompoundPacket(parsing: large) }
        // Padding that eats into the SDES chunk breaks the chunk.
        var eats = padded
        eats[eats.count - 1] = 8
        expectRefused(.truncated) { try RTCPCompoundPacket(parsing: eats) }
    }

    @Test func wholeCompoundParses() throws {
        let compound = try RTCPCompoundPacket(parsing: Self.all.reduce([], +))
        #expect(compound.packets.count == Self.all.count)
    }

    static let malformed: [([UInt8], MediaError.Code)] = [
        // Length field larger than the datagram.
        ([0x81, 201, 0x00, 0x08] + receiverReport.dropFirst(4), MediaError.Code.truncated),
        // Trailing bytes that are not a packet.
        (pictureLoss + [0x80, 201], .truncated),
        // Version 1.
        ([0x41] + pictureLoss.dropFirst(), .badVersion),
        // Empty.
        ([], .truncated),
        // RC says two blocks, one present.
        ([0x82] + receiverReport.dropFirst(), .truncated),
        // SR body shorter than its sender info.
        ([0x80, 200, 0x00, 0x01, 0, 0, 0, 1], .truncated),
        // PLI with FCI.
        ([0x81, 206, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0], .badLength),
        // NACK without FCI.
        ([0x81, 205, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2], .badLength),
        // Feedback without its SSRCs.
        ([0x81, 205, 0x00, 0x01, 0, 0, 0, 1], .truncated),
        // FIR entry cut to 4 bytes.
        ([0x84, 206, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 5], .badLength),
        // REMB saying two SSRCs, carrying one.
        (Array(remb[0..<16]) + [0x02] + remb[17...], .badLength),
        // REMB cut after its identifier: no SSRC count or bitrate.
        ([0x8F, 206, 0x00, 0x03] + remb[4..<16], .truncated),
        // REMB saying no SSRCs but followed by one.
        (Array(remb[0..<16]) + [0x00] + remb[17...], .badLength),
        // SDES item running past the chunk.
        ([0x81, 202, 0x00, 0x02, 0, 0, 0, 1, 0x01, 0x09, 0x61, 0x62], .truncated),
        // SDES with a second word after its only chunk.
        ([0x81, 202, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0], .badLength),
        // BYE reason longer than the packet.
        ([0x81, 203, 0x00, 0x02, 0, 0, 0, 1, 0x05, 0x62, 0x79, 0x65], .truncated),
        // APP without its name.
        ([0x80, 204, 0x00, 0x01, 0, 0, 0, 1], .truncated),
    ]

    @Test(arguments: malformed)
    func malformedIsRefused(bytes: [UInt8], code: MediaError.Code) {
        expectRefused(code) { try RTCPCompoundPacket(parsing: bytes) }
    }

    @Test func builtFeedbackRefusesEmptyLists() {
        var output: [UInt8] = []
        expectRefused(.malformedPacket) { try RTCPGenericNACK.append(senderSSRC: 1, mediaSSRC: 2, lost: [], to: &output) }
        expectRefused(.malformedPacket) { try RTCPFullIntraRequest.append(senderSSRC: 1, entries: [], to: &output) }
        #expect(output.isEmpty)
    }
}

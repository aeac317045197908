/// One reception report block (RFC 3550 §6.4.1): what the reporter received from one source.
public struct RTCPReportBlock: Sendable, Equatable {
    public static let size = 24
    /// 24-bit signed range of the cumulative number of packets lost.
    public static let cumulativeLostRange: ClosedRange<Int32> = -0x80_0000...0x7F_FFFF

    public var ssrc: UInt32
    /// Fraction lost since the last report, in 1/256ths.
    public var fractionLost: UInt8
    /// Cumulative packets lost; negative when duplicates outnumber losses. Clamped to 24 bits when
    /// encoded.
    public var cumulativeLost: Int32
    public var extendedHighestSequenceNumber: UInt32
    /// Interarrival jitter in timestamp units.
    public var jitter: UInt32
    /// Middle 32 bits of the NTP timestamp of the last SR from this source (LSR).
    public var lastSenderReport: UInt32
    /// Delay since that SR in 1/65536 seconds (DLSR).
    public var delaySinceLastSenderReport: UInt32

    public init(
        ssrc: UInt32,
        fractionLost: UInt8,
        cumulativeLost: Int32,
        extendedHighestSequenceNumber: UInt32,
        jitter: UInt32,
        lastSenderReport: UInt32,
        delaySinceLastSenderReport: UInt32
    ) {
        self.ssrc = ssrc
        self.fractionLost = fractionLost
        self.cumulativeLost = cumulativeLost
        self.extendedHighestSequenceNumber = extendedHighestSequenceNumber
        self.jitter = jitter
        self.lastSenderReport = lastSenderReport
        self.delaySinceLastSenderReport = delaySinceLastSenderReport
    }

    init(_ bytes: ArraySlice<UInt8>) {
        ssrc = bytes.bigEndian(at: 0)
        let lossWord: UInt32 = bytes.bigEndian(at: 4)
        fractionLost = UInt8(truncatingIfNeeded: lossWord >> 24)
        // Sign-extend the 24-bit field by shifting it to the top and back.
        cumulativeLost = Int32(bitPattern: lossWord << 8) >> 8
        extendedHighestSequenceNumber = bytes.bigEndian(at: 8)
        jitter = bytes.bigEndian(at: 12)
        lastSenderReport = bytes.bigEndian(at: 16)
        delaySinceLastSenderReport = bytes.bigEndian(at: 20)
    }

    func append(to output: inout [UInt8]) {
        let lost = min(max(cumulativeLost, Self.cumulativeLostRange.lowerBound), Self.cumulativeLostRange.upperBound)
        output.appendBigEndian(ssrc)
        output.appendBigEndian(UInt32(fractionLost) << 24 | UInt32(bitPattern: lost) & 0xFF_FFFF)
        output.appendBigEndian(extendedHighestSequenceNumber)
        output.appendBigEndian(jitter)
        output.appendBigEndian(lastSenderReport)
        output.appendBigEndian(delaySinceLastSenderReport)
    }
}

/// The report blocks of an SR or RR, decoded one at a time from the packet's bytes.
public struct RTCPReportBlocks: RandomAccessCollection, Sendable, Equatable {
    let bytes: ArraySlice<UInt8>

    public var startIndex: Int { 0 }
    public var endIndex: Int { bytes.count / RTCPReportBlock.size }

    public subscript(position: Int) -> RTCPReportBlock {
        let start = bytes.startIndex + position * RTCPReportBlock.size
        return RTCPReportBlock(bytes[start..<(start + RTCPReportBlock.size)])
    }
}

/// A sender report (RFC 3550 §6.4.1, PT 200).
public struct RTCPSenderReport: Sendable, Equatable {
    public let senderSSRC: UInt32
    /// 64-bit NTP timestamp: seconds since 1900 in the high word, fraction in the low.
    public let ntpTimestamp: UInt64
    public let rtpTimestamp: UInt32
    public let packetCount: UInt32
    public let octetCount: UInt32
    public let reportBlocks: RTCPReportBlocks
    /// Profile-specific extension after the report blocks, if any.
    public let profileExtension: ArraySlice<UInt8>

    public var ntpSeconds: UInt32 { UInt32(truncatingIfNeeded: ntpTimestamp >> 32) }
    public var ntpFraction: UInt32 { UInt32(truncatingIfNeeded: ntpTimestamp) }
    /// The middle 32 bits, which receivers echo as LSR.
    public var compactNTP: UInt32 { UInt32(truncatingIfNeeded: ntpTimestamp >> 16) }

    init(_ raw: RTCPRawPacket) throws(MediaError) {
        let blocksLength = Int(raw.count) * RTCPReportBlock.size
        guard raw.body.count >= 24 + blocksLength else {
            throw MediaError(.truncated, "RTCP SR with \(raw.count) report blocks has only \(raw.body.count) bytes")
        }
        let body = raw.body
        senderSSRC = body.bigEndian(at: 0)
        ntpTimestamp = body.bigEndian(at: 4)
        rtpTimestamp = body.bigEndian(at: 12)
        packetCount = body.bigEndian(at: 16)
        octetCount = body.bigEndian(at: 20)
        let blocksStart = body.startIndex + 24
        reportBlocks = RTCPReportBlocks(bytes: body[blocksStart..<(blocksStart + blocksLength)])
        profileExtension = body[(blocksStart + blocksLength)...]
    }

    /// Appends an SR; at most 31 report blocks fit its count field.
    public static func append(
        senderSSRC: UInt32,
        ntpTimestamp: UInt64,
        rtpTimestamp: UInt32,
        packetCount: UInt32,
        octetCount: UInt32,
        reportBlocks: [RTCPReportBlock] = [],
        to output: inout [UInt8]
    ) throws(MediaError) {
        guard reportBlocks.count <= 31 else { throw MediaError(.oversize, "\(reportBlocks.count) report blocks, over 31") }
        try RTCPPacket.appendHeader(
            count: UInt8(reportBlocks.count),
            packetType: RTCPPacket.senderReportType,
            bodyLength: 24 + reportBlocks.count * RTCPReportBlock.size,
            to: &output
        )
        output.appendBigEndian(senderSSRC)
        output.appendBigEndian(ntpTimestamp)
        output.appendBigEndian(rtpTimestamp)
        output.appendBigEndian(packetCount)
        output.appendBigEndian(octetCount)
        for block in reportBlocks { block.append(to: &output) }
    }
}

/// A receiver report (RFC 3550 §6.4.2, PT 201).
public struct RTCPReceiverReport: Sendable, Equatable {
    public let senderSSRC: UInt32
    public let reportBlocks: RTCPReportBlocks
    public let profileExtension: ArraySlice<UInt8>

    init(_ raw: RTCPRawPacket) throws(MediaError) {
        let blocksLength = Int(raw.count) * RTCPReportBlock.size
        guard raw.body.count >= 4 + blocksLength else {
            throw MediaError(.truncated, "RTCP RR with \(raw.count) report blocks has only \(raw.body.count) bytes")
        }
        senderSSRC = raw.body.bigEndian(at: 0)
        let blocksStart = raw.body.startIndex + 4
        reportBlocks = RTCPReportBlocks(bytes: raw.body[blocksStart..<(blocksStart + blocksLength)])
        profileExtension = raw.body[(blocksStart + blocksLength)...]
    }

    /// Appends an RR; at most 31 report blocks fit its count field.
    public static func append(senderSSRC: UInt32, reportBlocks: [RTCPReportBlock], to output: inout [UInt8]) throws(MediaError) {
        guard reportBlocks.count <= 31 else { throw MediaError(.oversize, "\(reportBlocks.count) report blocks, over 31") }
        try RTCPPacket.appendHeader(
            count: UInt8(reportBlocks.count),
            packetType: RTCPPacket.receiverReportType,
            bodyLength: 4 + reportBlocks.count * RTCPReportBlock.size,
            to: &output
        )
        output.appendBigEndian(senderSSRC)
        for block in reportBlocks { block.append(to: &output) }
    }
}

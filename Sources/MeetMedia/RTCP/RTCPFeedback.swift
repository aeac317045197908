/// One generic NACK entry (RFC 4585 §6.2.1): a lost packet id and a bitmask of the 16 following.
public struct RTCPNACKEntry: Sendable, Equatable {
    public var packetID: UInt16
    /// Bit i set: packet `packetID + i + 1` is lost too.
    public var bitmask: UInt16

    public init(packetID: UInt16, bitmask: UInt16) {
        self.packetID = packetID
        self.bitmask = bitmask
    }
}

/// A generic NACK (PT 205 FMT 1): the sequence numbers a receiver asks to have retransmitted.
public struct RTCPGenericNACK: Sendable, Equatable {
    public let senderSSRC: UInt32
    public let mediaSSRC: UInt32
    let fci: ArraySlice<UInt8>

    init(_ feedback: RTCPFeedbackRaw) throws(MediaError) {
        guard !feedback.fci.isEmpty, feedback.fci.count % 4 == 0 else {
            throw MediaError(.badLength, "generic NACK FCI of \(feedback.fci.count) bytes is not a positive multiple of 4")
        }
        senderSSRC = feedback.senderSSRC
        mediaSSRC = feedback.mediaSSRC
        fci = feedback.fci
    }

    public var entries: [RTCPNACKEntry] {
        stride(from: 0, to: fci.count, by: 4).map { RTCPNACKEntry(packetID: fci.bigEndian(at: $0), bitmask: fci.bigEndian(at: $0 + 2)) }
    }

    /// Every sequence number asked for, in the order the entries list them (which a conforming
    /// sender keeps ascending, modulo 2^16).
    public var lostSequenceNumbers: [UInt16] {
        var lost: [UInt16] = []
        lost.reserveCapacity(fci.count / 4 * 2)
        for offset in stride(from: 0, to: fci.count, by: 4) {
            let packetID: UInt16 = fci.bigEndian(at: offset)
            let bitmask: UInt16 = fci.bigEndian(at: offset + 2)
            lost.append(packetID)
            for bit in 0..<16 where bitmask & (1 << bit) != 0 {
                lost.append(packetID &+ UInt16(bit + 1))
            }
        }
        return lost
    }

    /// Packs sequence numbers into as few entries as a greedy pass allows. Duplicates are dropped;
    /// the numbers are ordered starting after the largest gap between them on the 2^16 circle, so
    /// a list that runs across 65535 → 0 stays one run.
    public static func pack(_ lost: some Sequence<UInt16>) -> [RTCPNACKEntry] {
        let ordered = wrapOrdered(lost)
        var entries: [RTCPNACKEntry] = []
        var index = 0
        while index < ordered.count {
            let packetID = ordered[index]
            var bitmask: UInt16 = 0
            index += 1
            while index < ordered.count {
                let distance = ordered[index] &- packetID
                guard distance <= 16 else { break }
                bitmask |= 1 << (distance - 1)
                index += 1
            }
            entries.append(RTCPNACKEntry(packetID: packetID, bitmask: bitmask))
        }
        return entries
    }

    /// Distinct sequence numbers in ascending order modulo 2^16, starting after the largest gap.
    public static func wrapOrdered(_ numbers: some Sequence<UInt16>) -> [UInt16] {
        var sorted = Array(Set(numbers)).sorted()
        guard let first = sorted.first, let last = sorted.last else { return [] }
        var start = 0
        var largestGap = Int(first) + 0x1_0000 - Int(last)
        for index in sorted.indices.dropFirst() {
            let gap = Int(sorted[index]) - Int(sorted[index - 1])
            if gap > largestGap {
                largestGap = gap
                start = index
            }
        }
        sorted.rotate(toStartAt: start)
        return sorted
    }

    /// Appends a generic NACK asking for `lost`; throws if the list is empty.
    public static func append(senderSSRC: UInt32, mediaSSRC: UInt32, lost: some Sequence<UInt16>, to output: inout [UInt8]) throws(MediaError) {
        let entries = pack(lost)
        guard !entries.isEmpty else { throw MediaError(.malformedPacket, "a NACK needs at least one sequence number") }
        try RTCPPacket.appendHeader(count: 1, packetType: RTCPPacket.transportFeedbackType, bodyLength: 8 + 4 * entries.count, to: &output)
        output.appendBigEndian(senderSSRC)
        output.appendBigEndian(mediaSSRC)
        for entry in entries {
            output.appendBigEndian(entry.packetID)
            output.appendBigEndian(entry.bitmask)
        }
    }
}

extension Array {
    /// Rotates left so that `start` becomes the first index.
    mutating func rotate(toStartAt start: Int) {
        guard start > 0, start < count else { return }
        self = Array(self[start...] + self[..<start])
    }
}

/// A picture loss indication (PT 206 FMT 1, RFC 4585 §6.3.1): asks the media sender for a key frame.
public struct RTCPPictureLossIndication: Sendable, Equatable {
    public let senderSSRC: UInt32
    public let mediaSSRC: UInt32

    public init(senderSSRC: UInt32, mediaSSRC: UInt32) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
    }

    init(_ feedback: RTCPFeedbackRaw) throws(MediaError) {
        guard feedback.fci.isEmpty else { throw MediaError(.badLength, "PLI carries \(feedback.fci.count) bytes of FCI; it has none") }
        self.init(senderSSRC: feedback.senderSSRC, mediaSSRC: feedback.mediaSSRC)
    }

    public func append(to output: inout [UInt8]) {
        // A fixed 8-byte body always fits the length field.
        output += [0x81, RTCPPacket.payloadFeedbackType, 0, 2]
        output.appendBigEndian(senderSSRC)
        output.appendBigEndian(mediaSSRC)
    }
}

/// One full intra request entry (RFC 5104 §4.3.1.1): the source asked and the command number.
public struct RTCPFIREntry: Sendable, Equatable {
    public var ssrc: UInt32
    /// Incremented for each new request, so a repeat of the same request can be recognised.
    public var sequenceNumber: UInt8

    public init(ssrc: UInt32, sequenceNumber: UInt8) {
        self.ssrc = ssrc
        self.sequenceNumber = sequenceNumber
    }
}

/// A full intra request (PT 206 FMT 4, RFC 5104 §4.3.1).
public struct RTCPFullIntraRequest: Sendable, Equatable {
    public let senderSSRC: UInt32
    /// RFC 5104 says 0; the entries name the sources.
    public let mediaSSRC: UInt32
    let fci: ArraySlice<UInt8>

    init(_ feedback: RTCPFeedbackRaw) throws(MediaError) {
        guard !feedback.fci.isEmpty, feedback.fci.count % 8 == 0 else {
            throw MediaError(.badLength, "FIR FCI of \(feedback.fci.count) bytes is not a positive multiple of 8")
        }
        senderSSRC = feedback.senderSSRC
        mediaSSRC = feedback.mediaSSRC
        fci = feedback.fci
    }

    public var entryCount: Int { fci.count / 8 }

    public var entries: [RTCPFIREntry] {
        stride(from: 0, to: fci.count, by: 8).map { RTCPFIREntry(ssrc: fci.bigEndian(at: $0), sequenceNumber: fci[fci.startIndex + $0 + 4]) }
    }

    public static func append(senderSSRC: UInt32, entries: [RTCPFIREntry], to output: inout [UInt8]) throws(MediaError) {
        guard !entries.isEmpty else { throw MediaError(.malformedPacket, "a FIR needs at least one entry") }
        try RTCPPacket.appendHeader(count: 4, packetType: RTCPPacket.payloadFeedbackType, bodyLength: 8 + 8 * entries.count, to: &output)
        output.appendBigEndian(senderSSRC)
        output.appendBigEndian(UInt32(0))
        for entry in entries {
            output.appendBigEndian(entry.ssrc)
            output += [entry.sequenceNumber, 0, 0, 0]
        }
    }
}

/// Receiver estimated maximum bitrate (PT 206 FMT 15 with "REMB", draft-alvestrand-rmcat-remb-03
/// §2.2): a bitrate as an 18-bit mantissa and a 6-bit exponent, and the SSRCs it applies to.
public struct RTCPREMB: Sendable, Equatable {
    static let identifier: [UInt8] = Array("REMB".utf8)

    public let senderSSRC: UInt32
    public let mediaSSRC: UInt32
    public let exponent: UInt8
    public let mantissa: UInt32
    let ssrcList: ArraySlice<UInt8>

    init(_ feedback: RTCPFeedbackRaw) throws(MediaError) {
        let fci = feedback.fci
        guard fci.count >= 8 else { throw MediaError(.truncated, "REMB FCI of \(fci.count) bytes") }
        let count = Int(fci[fci.startIndex + 4])
        guard fci.count == 8 + 4 * count else {
            throw MediaError(.badLength, "REMB lists \(count) SSRCs in \(fci.count - 8) bytes")
        }
        senderSSRC = feedback.senderSSRC
        mediaSSRC = feedback.mediaSSRC
        let word: UInt32 = fci.bigEndian(at: 4)
        exponent = UInt8(truncatingIfNeeded: word >> 18) & 0x3F
        mantissa = word & 0x3_FFFF
        ssrcList = fci.dropFirst(8)
    }

    /// Bits per second; saturates at `UInt64.max` for exponents no real estimate uses.
    public var bitrate: UInt64 {
        // The exponent has 6 bits, so the shift itself never overflows; the product can.
        let (value, overflow) = UInt64(mantissa).multipliedReportingOverflow(by: UInt64(1) << UInt64(exponent))
        return overflow ? UInt64.max : value
    }

    public var ssrcs: [UInt32] { stride(from: 0, to: ssrcList.count, by: 4).map { ssrcList.bigEndian(at: $0) } }

    /// Splits a bitrate into the largest 18-bit mantissa and smallest exponent; bits below the
    /// mantissa are dropped, so the encoded rate never exceeds the estimate.
    public static func split(bitrate: UInt64) -> (exponent: UInt8, mantissa: UInt32) {
        var mantissa = bitrate
        var exponent: UInt8 = 0
        while mantissa >= 1 << 18 {
            mantissa >>= 1
            exponent += 1
        }
        return (exponent, UInt32(mantissa))
    }

    /// Appends a REMB for `bitrate` bits per second applying to `ssrcs` (at most 255).
    public static func append(senderSSRC: UInt32, bitrate: UInt64, ssrcs: [UInt32], to output: inout [UInt8]) throws(MediaError) {
        guard ssrcs.count <= 255 else { throw MediaError(.oversize, "REMB for \(ssrcs.count) SSRCs, over 255") }
        let (exponent, mantissa) = split(bitrate: bitrate)
        try RTCPPacket.appendHeader(count: 15, packetType: RTCPPacket.payloadFeedbackType, bodyLength: 16 + 4 * ssrcs.count, to: &output)
        output.appendBigEndian(senderSSRC)
        output.appendBigEndian(UInt32(0))
        output += identifier
        output.append(UInt8(ssrcs.count))
        output.append(exponent << 2 | UInt8(truncatingIfNeeded: mantissa >> 16))
        output.appendBigEndian(UInt16(truncatingIfNeeded: mantissa))
        for ssrc in ssrcs { output.appendBigEndian(ssrc) }
    }
}

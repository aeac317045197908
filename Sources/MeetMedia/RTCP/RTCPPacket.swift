/// One packet of a compound RTCP packet (RFC 3550 §6, RFC 4585 §6, RFC 5104 §4.3), decoded into a
/// view over the received bytes: fixed fields are read once, lists stay slices and are read on
/// demand. Types the SFU does not act on are kept raw.
public enum RTCPPacket: Sendable, Equatable {
    case senderReport(RTCPSenderReport)
    case receiverReport(RTCPReceiverReport)
    case sourceDescription(RTCPSourceDescription)
    case goodbye(RTCPGoodbye)
    /// APP (PT 204), kept raw: its meaning is private to whoever defined its name.
    case application(RTCPRawPacket)
    case nack(RTCPGenericNACK)
    /// Transport-wide congestion control feedback (PT 205 FMT 15), kept raw for the estimator.
    case transportWideCC(RTCPFeedbackRaw)
    case pictureLossIndication(RTCPPictureLossIndication)
    case fullIntraRequest(RTCPFullIntraRequest)
    case remb(RTCPREMB)
    /// Any other packet type or feedback format.
    case other(RTCPRawPacket)

    /// The common header of every RTCP packet.
    public static let headerSize = 4
    public static let senderReportType: UInt8 = 200
    public static let receiverReportType: UInt8 = 201
    public static let sourceDescriptionType: UInt8 = 202
    public static let goodbyeType: UInt8 = 203
    public static let applicationType: UInt8 = 204
    /// Transport-layer feedback (RFC 4585 §6.2).
    public static let transportFeedbackType: UInt8 = 205
    /// Payload-specific feedback (RFC 4585 §6.3).
    public static let payloadFeedbackType: UInt8 = 206
}

/// Any RTCP packet as its header fields and body, padding removed.
public struct RTCPRawPacket: Sendable, Equatable {
    /// The whole packet as received, header and padding included.
    public let bytes: ArraySlice<UInt8>
    public let packetType: UInt8
    /// The 5-bit count field: RC, SC, FMT or APP subtype depending on the type.
    public let count: UInt8
    /// What follows the 4-byte header, without padding.
    public let body: ArraySlice<UInt8>
}

/// Sender and media SSRC of a feedback packet (RFC 4585 §6.1) and its FCI, kept raw.
public struct RTCPFeedbackRaw: Sendable, Equatable {
    public let senderSSRC: UInt32
    public let mediaSSRC: UInt32
    /// Feedback control information.
    public let fci: ArraySlice<UInt8>

    init(_ raw: RTCPRawPacket) throws(MediaError) {
        guard raw.body.count >= 8 else {
            throw MediaError(.truncated, "RTCP feedback packet type \(raw.packetType) has \(raw.body.count) bytes, fewer than its two SSRCs")
        }
        senderSSRC = raw.body.bigEndian(at: 0)
        mediaSSRC = raw.body.bigEndian(at: 4)
        fci = raw.body.dropFirst(8)
    }
}

/// A compound RTCP packet (RFC 3550 §6.1), as it arrives in one datagram after SRTCP, split into its
/// packets. Reduced-size RTCP (RFC 5506) is accepted, so the first packet need not be a report.
public struct RTCPCompoundPacket: Sendable, Equatable {
    public let packets: [RTCPPacket]

    public init(parsing datagram: [UInt8]) throws(MediaError) {
        try self.init(parsing: datagram[...])
    }

    /// Checks every packet's version, length field and padding (which only the last may carry),
    /// and that the packets fill the datagram exactly; then decodes each without copying.
    public init(parsing datagram: ArraySlice<UInt8>) throws(MediaError) {
        guard !datagram.isEmpty else { throw MediaError(.truncated, "empty RTCP datagram") }
        var packets: [RTCPPacket] = []
        var index = datagram.startIndex
        while index < datagram.endIndex {
            let remaining = datagram.endIndex - index
            guard remaining >= RTCPPacket.headerSize else {
                throw MediaError(.truncated, "\(remaining) bytes left, fewer than an RTCP header")
            }
            let first = datagram[index]
            guard first >> 6 == 2 else { throw MediaError(.badVersion, "RTCP version is \(first >> 6), not 2") }
            let length = 4 * (Int(datagram.bigEndian(at: index - datagram.startIndex + 2, as: UInt16.self)) + 1)
            guard length <= remaining else {
                throw MediaError(.truncated, "RTCP length field says \(length) bytes, only \(remaining) remain")
            }
            let end = index + length
            var bodyEnd = end
            if first & 0x20 != 0 {
                // RFC 3550 §6.4.1: only the last packet of a compound may be padded.
                guard end == datagram.endIndex else {
                    throw MediaError(.badPadding, "RTCP padding bit set on a packet that is not the last of its compound")
                }
                let padding = Int(datagram[end - 1])
                guard padding > 0, padding <= length - RTCPPacket.headerSize else {
                    throw MediaError(.badPadding, "RTCP padding count \(padding) in a packet of \(length) bytes")
                }
                bodyEnd = end - padding
            }
            let raw = RTCPRawPacket(
                bytes: datagram[index..<end],
                packetType: datagram[index + 1],
                count: first & 0x1F,
                body: datagram[(index + RTCPPacket.headerSize)..<bodyEnd]
            )
            packets.append(try RTCPPacket(raw))
            index = end
        }
        self.packets = packets
    }
}

extension RTCPPacket {
    /// Decodes one packet whose framing is already checked.
    init(_ raw: RTCPRawPacket) throws(MediaError) {
        switch raw.packetType {
        case Self.senderReportType:
            self = .senderReport(try RTCPSenderReport(raw))
        case Self.receiverReportType:
            self = .receiverReport(try RTCPReceiverReport(raw))
        case Self.sourceDescriptionType:
            self = .sourceDescription(try RTCPSourceDescription(raw))
        case Self.goodbyeType:
            self = .goodbye(try RTCPGoodbye(raw))
        case Self.applicationType:
            guard raw.body.count >= 8 else { throw MediaError(.truncated, "RTCP APP packet shorter than its SSRC and name") }
            self = .application(raw)
        case Self.transportFeedbackType:
            let feedback = try RTCPFeedbackRaw(raw)
            switch raw.count {
            case 1: self = .nack(try RTCPGenericNACK(feedback))
            case 15: self = .transportWideCC(feedback)
            default: self = .other(raw)
            }
        case Self.payloadFeedbackType:
            let feedback = try RTCPFeedbackRaw(raw)
            switch raw.count {
            case 1: self = .pictureLossIndication(try RTCPPictureLossIndication(feedback))
            case 4: self = .fullIntraRequest(try RTCPFullIntraRequest(feedback))
            case 15 where feedback.fci.starts(with: RTCPREMB.identifier):
                self = .remb(try RTCPREMB(feedback))
            default: self = .other(raw)
            }
        default:
            self = .other(raw)
        }
    }

    /// Appends the common header for a packet of `bodyLength` bytes (a multiple of 4, no padding).
    static func appendHeader(count: UInt8, packetType: UInt8, bodyLength: Int, to output: inout [UInt8]) throws(MediaError) {
        let words = bodyLength / 4
        guard bodyLength % 4 == 0, words <= Int(UInt16.max) else {
            throw MediaError(.oversize, "RTCP body of \(bodyLength) bytes does not fit the length field")
        }
        output.append(0x80 | count & 0x1F)
        output.append(packetType)
        output.appendBigEndian(UInt16(words))
    }
}

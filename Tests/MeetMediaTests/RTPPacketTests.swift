import Testing

@testable import MeetMedia

@Suite struct RTPPacketTests {
    /// Builds an RTP packet byte by byte, independently of the code under test. Extension data is
    /// zero-padded to a multiple of 4; `padding` bytes end with their count.
    static func packet(
        marker: Bool = false,
        payloadType: UInt8 = 96,
        sequenceNumber: UInt16 = 0x1234,
        timestamp: UInt32 = 0xDEAD_BEEF,
        ssrc: UInt32 = 0x0102_0304,
        csrcs: [UInt32] = [],
        extensionProfile: UInt16? = nil,
        extensionData: [UInt8] = [],
        payload: [UInt8] = [0xAA, 0xBB, 0xCC],
        padding: Int = 0
    ) -> [UInt8] {
        var bytes: [UInt8] = [
            0x80 | (padding > 0 ? 0x20 : 0) | (extensionProfile != nil ? 0x10 : 0) | UInt8(csrcs.count),
            (marker ? 0x80 : 0) | payloadType,
        ]
        bytes.appendBigEndian(sequenceNumber)
        bytes.appendBigEndian(timestamp)
        bytes.appendBigEndian(ssrc)
        for csrc in csrcs { bytes.appendBigEndian(csrc) }
        if let extensionProfile {
            var data = extensionData
            while data.count % 4 != 0 { data.append(0) }
            bytes.appendBigEndian(extensionProfile)
            bytes.appendBigEndian(UInt16(data.count / 4))
            bytes += data
        }
        bytes += payload
        if padding > 0 {
            bytes += [UInt8](repeating: 0, count: padding - 1)
            bytes.append(UInt8(padding))
        }
        return bytes
    }

    /// RFC 8285 §4.2, the one-byte example: ids 1 (1 byte), 2 (2 bytes), two padding bytes, 3 (4 bytes).
    static let rfc8285OneByte: [UInt8] = [
        0xBE, 0xDE, 0x00, 0x03,
        0x10, 0xAA, 0x21, 0xBB,
        0xBB, 0x00, 0x00, 0x33,
        0xCC, 0xCC, 0xCC, 0xCC,
    ]

    /// RFC 8285 §4.3, the two-byte example: id 1 (0 bytes), id 2 (1 byte), a padding byte, id 3 (4 bytes).
    static let rfc8285TwoByte: [UInt8] = [
        0x10, 0x00, 0x00, 0x03,
        0x01, 0x00, 0x02, 0x01,
        0x42, 0x00, 0x03, 0x04,
        0xD1, 0xD2, 0xD3, 0xD4,
    ]

    static let ids = RTPHeaderExtensionIDs(mid: 1, rid: 2, repairedRID: 6, absSendTime: 3, audioLevel: 4, transportWideCC: 5)

    /// mid "audio", rid "hi", abs-send-time 0x123456, audio level (voice, 5), transport-wide seq 0x0102.
    static let withExtensions = packet(
        marker: true,
        extensionProfile: 0xBEDE,
        extensionData: [0x14, 0x61, 0x75, 0x64, 0x69, 0x6F, 0x21, 0x68, 0x69, 0x32, 0x12, 0x34, 0x56, 0x40, 0x85, 0x51, 0x01, 0x02],
        payload: [1, 2, 3, 4, 5]
    )

    @Test func fixedHeader() throws {
        let bytes: [UInt8] = [0x80, 0xE0, 0x12, 0x34, 0xDE, 0xAD, 0xBE, 0xEF, 0x01, 0x02, 0x03, 0x04, 0xAA, 0xBB]
        let packet = try RTPPacket(parsing: bytes)
        #expect(packet.marker)
        #expect(packet.payloadType == 96)
        #expect(packet.sequenceNumber == 0x1234)
        #expect(packet.timestamp == 0xDEAD_BEEF)
        #expect(packet.ssrc == 0x0102_0304)
        #expect(packet.csrcCount == 0)
        #expect(packet.headerLength == 12)
        #expect(packet.headerExtension == nil)
        #expect(!packet.hasPadding)
        #expect(Array(packet.payload) == [0xAA, 0xBB])
    }

    @Test func csrcList() throws {
        let bytes: [UInt8] = [
            0x82, 0x08, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03,
            0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x22, 0x22, 0x7F,
        ]
        let packet = try RTPPacket(parsing: bytes)
        #expect(!packet.marker)
        #expect(packet.payloadType == 8)
        #expect(packet.csrcCount == 2)
        #expect(packet.csrcs == [0x1111_1111, 0x2222_2222])
        #expect(packet.csrc(at: 1) == 0x2222_2222)
        #expect(packet.csrc(at: 2) == nil)
        #expect(packet.headerLength == 20)
        #expect(Array(packet.payload) == [0x7F])
        // One CSRC more than the bytes hold.
        var cut = bytes
        cut[0] = 0x85
        expectRefused(.truncated) { try RTPPacket(parsing: cut) }
    }

    @Test func rfc8285OneByteExample() throws {
        let bytes = Self.packet(extensionProfile: 0xBEDE, extensionData: Array(Self.rfc8285OneByte.dropFirst(4)), payload: [0x98, 0x36])
        #expect(Array(bytes[12..<28]) == Self.rfc8285OneByte)
        let packet = try RTPPacket(parsing: bytes)
        let headerExtension = try #require(packet.headerExtension)
        #expect(headerExtension.form == .oneByte)
        #expect(headerExtension.profile == 0xBEDE)
        #expect(packet.headerLength == 28)
        let elements = headerExtension.elements.map { ($0.id, Array($0.value)) }
        #expect(elements.map(\.0) == [1, 2, 3])
        #expect(elements.map(\.1) == [[0xAA], [0xBB, 0xBB], [0xCC, 0xCC, 0xCC, 0xCC]])
        #expect(packet.extensionElement(id: 2).map(Array.init) == [0xBB, 0xBB])
        #expect(packet.extensionElement(id: 4) == nil)
        #expect(Array(packet.payload) == [0x98, 0x36])
    }

    @Test func rfc8285TwoByteExample() throws {
        let bytes = Self.packet(extensionProfile: 0x1000, extensionData: Array(Self.rfc8285TwoByte.dropFirst(4)), payload: [0x01])
        let packet = try RTPPacket(parsing: bytes)
        let headerExtension = try #require(packet.headerExtension)
        #expect(headerExtension.form == .twoByte(appBits: 0))
        let elements = headerExtension.elements.map { ($0.id, Array($0.value)) }
        #expect(elements.map(\.0) == [1, 2, 3])
        #expect(elements.map(\.1) == [[], [0x42], [0xD1, 0xD2, 0xD3, 0xD4]])
        #expect(Array(packet.payload) == [0x01])
        // The low four bits of the profile are application bits, not a different layout.
        let appBits = Self.packet(extensionProfile: 0x100A, extensionData: Array(Self.rfc8285TwoByte.dropFirst(4)))
        #expect(try RTPPacket(parsing: appBits).headerExtension?.form == .twoByte(appBits: 0x0A))
    }

    @Test func otherProfileHasNoElements() throws {
        let packet = try RTPPacket(parsing: Self.packet(extensionProfile: 0xABCD, extensionData: [0x10, 0xAA, 0, 0]))
        #expect(packet.headerExtension?.form == .other)
        #expect(packet.headerExtension.map { Array($0.elements).isEmpty } == true)
        #expect(packet.headerExtension?.data.count == 4)
    }

    @Test func oneByteIDFifteenEndsTheExtension() throws {
        // Id 1, then id 15 with a length that would overrun: processing stops there, no error.
        let packet = try RTPPacket(parsing: Self.packet(extensionProfile: 0xBEDE, extensionData: [0x10, 0xAA, 0xFF, 0x20, 0x00, 0x00, 0x00, 0x00]))
        #expect(packet.headerExtension.map { $0.elements.map(\.id) } == [1])
    }

    static let overruns: [(UInt16, [UInt8])] = [
        // One-byte element of 4 bytes in 4 bytes of data.
        (UInt16(0xBEDE), [UInt8]([0x13, 1, 2, 3])),
        // Two-byte element header cut after its id.
        (0x1000, [0x00, 0x00, 0x00, 0x07]),
        // Two-byte element of 5 bytes in 2 remaining.
        (0x1000, [0x01, 0x05, 0x00, 0x00]),
    ]

    @Test(arguments: overruns)
    func extensionElementOverrunIsRefused(profile: UInt16, data: [UInt8]) {
        expectRefused(.malformedPacket) {
            try RTPPacket(parsing: Self.packet(extensionProfile: profile, extensionData: data))
        }
    }

    @Test func extensionLengthPastPacket() {
        var bytes = Self.packet(extensionProfile: 0xBEDE, extensionData: [0x10, 0xAA])
        bytes[15] = 9
        expectRefused(.truncated) { try RTPPacket(parsing: bytes) }
        expectRefused(.truncated) { try RTPPacket(parsing: Array(bytes.prefix(14))) }
    }

    @Test func padding() throws {
        let bytes = Self.packet(payload: [1, 2, 3], padding: 4)
        let packet = try RTPPacket(parsing: bytes)
        #expect(packet.hasPadding)
        #expect(packet.paddingLength == 4)
        #expect(Array(packet.payload) == [1, 2, 3])
        #expect(packet.bytes.count == 19)
        // Padding that is the whole of what follows the header leaves an empty payload.
        let allPadding = try RTPPacket(parsing: Self.packet(payload: [], padding: 7))
        #expect(allPadding.payload.isEmpty)
    }

    @Test func badPaddingIsRefused() {
        var zero = Self.packet(payload: [1, 2, 3], padding: 2)
        zero[zero.count - 1] = 0
        expectRefused(.badPadding) { try RTPPacket(parsing: zero) }
        var tooLarge = Self.packet(payload: [1, 2, 3], padding: 2)
        tooLarge[tooLarge.count - 1] = 6
        expectRefused(.badPadding) { try RTPPacket(parsing: tooLarge) }
        // A padding count reaching into the extension is also too large.
        var intoHeader = Self.packet(extensionProfile: 0xBEDE, extensionData: [0x10, 0xAA], payload: [], padding: 1)
        intoHeader[intoHeader.count - 1] = 2
        expectRefused(.badPadding) { try RTPPacket(parsing: intoHeader) }
    }

    @Test func versionAndLength() {
        var bytes = Self.packet()
        bytes[0] = 0x40
        expectRefused(.badVersion) { try RTPPacket(parsing: bytes) }
        expectRefused(.truncated) { try RTPPacket(parsing: Array(Self.packet().prefix(11))) }
        expectRefused(.truncated) { try RTPPacket(parsing: [UInt8]()) }
    }

    @Test func parsesASliceInPlace() throws {
        let storage: [UInt8] = [9, 9] + Self.withExtensions
        let packet = try RTPPacket(parsing: storage[2...])
        #expect(packet.mid(Self.ids) == "audio")
        #expect(packet.payload.startIndex == storage.count - 5)
    }

    @Test func extensionHelpers() throws {
        let packet = try RTPPacket(parsing: Self.withExtensions)
        #expect(packet.mid(Self.ids) == "audio")
        #expect(packet.rid(Self.ids) == "hi")
        #expect(packet.repairedRID(Self.ids) == nil)
        #expect(packet.absSendTime(id: Self.ids.absSendTime) == 0x12_3456)
        #expect(packet.audioLevel(id: Self.ids.audioLevel) == RTPAudioLevel(voiceActivity: true, level: 5))
        #expect(packet.transportWideSequenceNumber(id: Self.ids.transportWideCC) == 0x0102)
        #expect(packet.stringExtension(id: nil) == nil)
        // abs-send-time must be exactly three bytes; "hi" is two.
        #expect(packet.absSendTime(id: 2) == nil)
        #expect(Array(packet.payload) == [1, 2, 3, 4, 5])
    }

    @Test func legacyHeaderAgrees() throws {
        for bytes in [Self.withExtensions, Self.packet(csrcs: [1, 2], padding: 3), Self.packet()] {
            let header = try RTPHeader(parsing: bytes)
            let packet = try RTPPacket(parsing: bytes)
            #expect(header.length == packet.headerLength)
            #expect(header.sequenceNumber == packet.sequenceNumber && header.ssrc == packet.ssrc && header.marker == packet.marker)
        }
    }

    @Test(arguments: [
        ([UInt8]([0x80, 200]), RTPMuxKind.rtcp), ([0x80, 192], .rtcp), ([0x80, 223], .rtcp), ([0x81, 205, 0, 3], .rtcp),
        ([0x80, 191], .rtp), ([0x80, 224], .rtp), ([0x80, 96], .rtp), ([0x80, 0xE0], .rtp), ([0x80, 64], .rtp),
        ([0x40, 200], .other), ([0x80], .other), ([], .other),
    ])
    func muxClassification(bytes: [UInt8], kind: RTPMuxKind) {
        #expect(RTPMuxKind(datagram: bytes) == kind)
    }
}

import Testing

@testable import MeetMedia

@Suite struct RTPRewriteTests {
    static let original = RTPPacketTests.withExtensions

    /// The indices at which `a` and `b` differ; they must have the same length.
    static func differences(_ a: [UInt8], _ b: [UInt8]) -> [Int] {
        #expect(a.count == b.count)
        return zip(a, b).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
    }

    @Test func fixedHeaderSettersTouchOnlyTheirField() throws {
        var bytes = Self.original
        try RTPPacket.setSequenceNumber(0xFEDC, in: &bytes)
        #expect(Self.differences(Self.original, bytes) == [2, 3])
        #expect(try RTPPacket(parsing: bytes).sequenceNumber == 0xFEDC)

        bytes = Self.original
        try RTPPacket.setTimestamp(0x0102_0304, in: &bytes)
        #expect(Set(Self.differences(Self.original, bytes)).isSubset(of: 4..<8))
        #expect(try RTPPacket(parsing: bytes).timestamp == 0x0102_0304)

        bytes = Self.original
        try RTPPacket.setSSRC(0xCAFE_BABE, in: &bytes)
        #expect(Self.differences(Self.original, bytes) == [8, 9, 10, 11])
        #expect(try RTPPacket(parsing: bytes).ssrc == 0xCAFE_BABE)

        bytes = Self.original
        try RTPPacket.setPayloadType(111, in: &bytes)
        #expect(Self.differences(Self.original, bytes) == [1])
        let parsed = try RTPPacket(parsing: bytes)
        #expect(parsed.payloadType == 111 && parsed.marker)

        bytes = Self.original
        try RTPPacket.setMarker(false, in: &bytes)
        #expect(Self.differences(Self.original, bytes) == [1])
        #expect(try RTPPacket(parsing: bytes).marker == false)
        #expect(try RTPPacket(parsing: bytes).payloadType == 96)
    }

    @Test func settersRefuseShortPacketsAndWidePayloadTypes() {
        var short: [UInt8] = [0x80, 96, 0, 1]
        expectRefused(.truncated) { try RTPPacket.setSequenceNumber(1, in: &short) }
        expectRefused(.truncated) { try RTPPacket.setSSRC(1, in: &short) }
        #expect(short == [0x80, 96, 0, 1])
        var bytes = Self.original
        expectRefused(.malformedPacket) { try RTPPacket.setPayloadType(128, in: &bytes) }
        #expect(bytes == Self.original)
    }

    @Test func rewriteExtensionOfSameLength() throws {
        var bytes = Self.original
        #expect(try RTPPacket.rewriteExtension(id: 5, with: [0xAB, 0xCD], in: &bytes))
        // Transport-wide CC value sits after 12 + 4 + 6 + 3 + 4 + 2 + 1 bytes.
        #expect(Self.differences(Self.original, bytes) == [32, 33])
        let parsed = try RTPPacket(parsing: bytes)
        #expect(parsed.transportWideSequenceNumber(id: 5) == 0xABCD)
        #expect(parsed.mid(RTPPacketTests.ids) == "audio")

        bytes = Self.original
        #expect(try RTPPacket.rewriteExtension(id: 1, with: Array("video".utf8), in: &bytes))
        #expect(try RTPPacket(parsing: bytes).mid(RTPPacketTests.ids) == "video")
        #expect(Set(Self.differences(Self.original, bytes)).isSubset(of: 17..<22))
    }

    @Test func rewriteRefusesOtherLengthsAndIgnoresAbsentIDs() throws {
        var bytes = Self.original
        expectRefused(.malformedPacket) { try RTPPacket.rewriteExtension(id: 5, with: [1, 2, 3], in: &bytes) }
        #expect(bytes == Self.original)
        #expect(try RTPPacket.rewriteExtension(id: 9, with: [1], in: &bytes) == false)
        #expect(try RTPPacket.removeExtension(id: 9, in: &bytes) == false)
        #expect(bytes == Self.original)
        var plain = RTPPacketTests.packet()
        #expect(try RTPPacket.rewriteExtension(id: 1, with: [1], in: &plain) == false)
    }

    @Test func removeExtensionLeavesPaddingOfTheSameLength() throws {
        var bytes = Self.original
        #expect(try RTPPacket.removeExtension(id: 3, in: &bytes))
        #expect(Self.differences(Self.original, bytes) == [25, 26, 27, 28])
        #expect(bytes[25...28].allSatisfy { $0 == 0 })
        let parsed = try RTPPacket(parsing: bytes)
        #expect(parsed.absSendTime(id: 3) == nil)
        #expect(parsed.headerExtension.map { $0.elements.map(\.id) } == [1, 2, 4, 5])
        #expect(parsed.audioLevel(id: 4) == RTPAudioLevel(voiceActivity: true, level: 5))
        #expect(Array(parsed.payload) == [1, 2, 3, 4, 5])
    }

    @Test func twoByteFormRewriteAndRemove() throws {
        let original = RTPPacketTests.packet(extensionProfile: 0x1000, extensionData: Array(RTPPacketTests.rfc8285TwoByte.dropFirst(4)))
        var bytes = original
        #expect(try RTPPacket.rewriteExtension(id: 3, with: [9, 8, 7, 6], in: &bytes))
        #expect(Self.differences(original, bytes) == [24, 25, 26, 27])
        #expect(try RTPPacket.removeExtension(id: 2, in: &bytes))
        #expect(Self.differences(original, bytes) == [18, 19, 20, 24, 25, 26, 27])
        let parsed = try RTPPacket(parsing: bytes)
        #expect(parsed.headerExtension.map { $0.elements.map(\.id) } == [1, 3])
        #expect(parsed.extensionElement(id: 3).map(Array.init) == [9, 8, 7, 6])
    }

    @Test func rtxWrapHasTheExpectedBytes() throws {
        let original: [UInt8] = [0x80, 0xE0, 0x12, 0x34, 0, 0, 0, 0x10, 0, 0, 0, 0x01, 0xAA, 0xBB]
        let rtx = try RTPPacket(parsing: original).wrappingRTX(rtxSSRC: 2, rtxPayloadType: 97, sequenceNumber: 0x0500)
        #expect(rtx == [0x80, 0xE1, 0x05, 0x00, 0, 0, 0, 0x10, 0, 0, 0, 0x02, 0x12, 0x34, 0xAA, 0xBB])
        let back = try RTPPacket(parsing: rtx).unwrappingRTX(originalPayloadType: 96, originalSSRC: 1)
        #expect(back == original)
    }

    @Test(arguments: [
        RTPPacketTests.withExtensions,
        RTPPacketTests.packet(csrcs: [7, 8], payload: []),
        RTPPacketTests.packet(extensionProfile: 0x1000, extensionData: Array(RTPPacketTests.rfc8285TwoByte.dropFirst(4))),
    ])
    func rtxRoundTrip(original: [UInt8]) throws {
        let packet = try RTPPacket(parsing: original)
        let rtx = try packet.wrappingRTX(rtxSSRC: 0x5555_0001, rtxPayloadType: 97, sequenceNumber: 65535)
        let parsedRTX = try RTPPacket(parsing: rtx)
        #expect(parsedRTX.ssrc == 0x5555_0001)
        #expect(parsedRTX.payloadType == 97)
        #expect(parsedRTX.sequenceNumber == 65535)
        #expect(parsedRTX.marker == packet.marker)
        #expect(parsedRTX.timestamp == packet.timestamp)
        #expect(parsedRTX.payload.prefix(2).elementsEqual([0x12, 0x34]))
        #expect(parsedRTX.headerExtension == packet.headerExtension)
        let back = try parsedRTX.unwrappingRTX(originalPayloadType: packet.payloadType, originalSSRC: packet.ssrc)
        #expect(back == original)
    }

    @Test func rtxDropsPaddingAndRefusesShortPayloads() throws {
        let padded = RTPPacketTests.packet(payload: [1, 2], padding: 3)
        let rtx = try RTPPacket(parsing: padded).wrappingRTX(rtxSSRC: 9, rtxPayloadType: 97, sequenceNumber: 1)
        let parsed = try RTPPacket(parsing: rtx)
        #expect(!parsed.hasPadding)
        #expect(Array(parsed.payload) == [0x12, 0x34, 1, 2])
        #expect(try parsed.unwrappingRTX(originalPayloadType: 96, originalSSRC: 0x0102_0304) == RTPPacketTests.packet(payload: [1, 2]))
        // A padded RTX packet gives an original without padding.
        let paddedRTX = RTPPacketTests.packet(payloadType: 97, sequenceNumber: 9, ssrc: 0x55, payload: [0x12, 0x34, 1, 2], padding: 4)
        let unwrapped = try RTPPacket(parsing: paddedRTX).unwrappingRTX(originalPayloadType: 96, originalSSRC: 0x0102_0304)
        #expect(unwrapped == RTPPacketTests.packet(payload: [1, 2]))
        // An RTX packet with a one-byte payload has no room for the original sequence number.
        let short = try RTPPacket(parsing: RTPPacketTests.packet(payload: [1]))
        expectRefused(.truncated) { try short.unwrappingRTX(originalPayloadType: 96, originalSSRC: 1) }
        // Padding-only RTX (used for bandwidth probing) has no original inside either.
        let probe = try RTPPacket(parsing: RTPPacketTests.packet(payload: [], padding: 200))
        expectRefused(.truncated) { try probe.unwrappingRTX(originalPayloadType: 96, originalSSRC: 1) }
    }
}

import Testing

@testable import MeetMedia

@Suite struct RTCPNACKTests {
    static func entry(_ packetID: UInt16, _ bitmask: UInt16) -> RTCPNACKEntry {
        RTCPNACKEntry(packetID: packetID, bitmask: bitmask)
    }

    @Test(arguments: [
        // Across the wrap: 65535, 0, 1 and 5 are 1, 2, 3 and 7 after 65534.
        ([UInt16(65534), 65535, 0, 1, 5], [entry(65534, 0x47)]),
        // A gap of 17 needs a second entry; a gap of 16 is the last bit of the mask.
        ([10, 27, 28], [entry(10, 0), entry(27, 1)]),
        ([10, 26], [entry(10, 0x8000)]),
        // Unordered input with duplicates.
        ([26, 10, 10], [entry(10, 0x8000)]),
        // Far apart across the wrap: 65530 comes first, then 20, 26 later.
        ([20, 65530], [entry(65530, 0), entry(20, 0)]),
        // Seventeen in a row fill one mask and start another.
        (Array(0...17), [entry(0, 0xFFFF), entry(17, 0)]),
        // Across the wrap with a gap larger than 16 in the middle.
        ([65500, 65535, 3, 4], [entry(65500, 0), entry(65535, 0x18)]),
    ])
    func packing(lost: [UInt16], expected: [RTCPNACKEntry]) throws {
        #expect(RTCPGenericNACK.pack(lost) == expected)
        var built: [UInt8] = []
        try RTCPGenericNACK.append(senderSSRC: 1, mediaSSRC: 2, lost: lost, to: &built)
        #expect(built.count == 12 + 4 * expected.count)
        let compound = try RTCPCompoundPacket(parsing: built)
        guard case .nack(let nack) = compound.packets.first else {
            Issue.record("not a NACK")
            return
        }
        #expect(nack.entries == expected)
        #expect(nack.lostSequenceNumbers == RTCPGenericNACK.wrapOrdered(lost))
        #expect(Set(nack.lostSequenceNumbers) == Set(lost))
    }

    @Test func wrapOrderStartsAfterTheLargestGap() {
        #expect(RTCPGenericNACK.wrapOrdered([1, 65535, 0, 65534]) == [65534, 65535, 0, 1])
        #expect(RTCPGenericNACK.wrapOrdered([300, 100, 200]) == [100, 200, 300])
        #expect(RTCPGenericNACK.wrapOrdered([]).isEmpty)
        #expect(RTCPGenericNACK.wrapOrdered([7]) == [7])
    }

    /// Random runs of losses around random starting points, many of them across the wrap.
    @Test func randomRoundTrips() throws {
        var random = RTPFuzzTests.Generator(state: 0x4E41_434B)
        for iteration in 0..<2000 {
            let start = UInt16.random(in: 0...UInt16.max, using: &random)
            let span = UInt16.random(in: 1...300, using: &random)
            let count = Int.random(in: 1...60, using: &random)
            let lost = (0..<count).map { _ in start &+ UInt16.random(in: 0..<span, using: &random) }
            var built: [UInt8] = []
            try RTCPGenericNACK.append(senderSSRC: 1, mediaSSRC: 2, lost: lost, to: &built)
            guard case .nack(let nack) = try RTCPCompoundPacket(parsing: built).packets.first else {
                Issue.record("iteration \(iteration): not a NACK")
                return
            }
            let expected = RTCPGenericNACK.wrapOrdered(lost)
            #expect(nack.lostSequenceNumbers == expected, "iteration \(iteration)")
            // The ordering is ascending modulo 2^16 from the first, so each step is a forward one.
            #expect(zip(expected, expected.dropFirst()).allSatisfy { $1 &- $0 < 0x8000 }, "iteration \(iteration)")
            // Greedy packing: every entry but the first starts more than 16 after the previous one.
            let ids = nack.entries.map(\.packetID)
            #expect(zip(ids, ids.dropFirst()).allSatisfy { $1 &- $0 > 16 }, "iteration \(iteration)")
        }
    }
}

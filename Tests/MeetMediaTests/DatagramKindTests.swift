import Testing

@testable import MeetMedia

@Suite struct DatagramKindTests {
    /// The edges of every RFC 7983 range, and the ranges this server does not speak.
    @Test(arguments: [
        (UInt8(0), DatagramKind.stun), (3, .stun), (4, .other), (15, .other), (16, .other), (19, .other),
        (20, .dtls), (22, .dtls), (63, .dtls), (64, .other), (79, .other), (127, .other),
        (128, .rtp), (144, .rtp), (191, .rtp), (192, .other), (255, .other),
    ])
    func firstByteDecides(firstByte: UInt8, kind: DatagramKind) {
        #expect(DatagramKind(firstByte: firstByte) == kind)
        #expect(DatagramKind(datagram: [firstByte, 0xFF, 0xFF]) == kind)
    }

    @Test func emptyIsOther() {
        #expect(DatagramKind(datagram: [UInt8]()) == .other)
    }

    @Test func everyRFC5769VectorIsSTUN() {
        for (name, bytes) in RFC5769.all {
            #expect(DatagramKind(datagram: bytes) == .stun, "\(name)")
        }
    }
}

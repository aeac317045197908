/// The 96-bit transaction id that pairs a STUN response with its request (RFC 8489 §5).
/// Held as two integers so that it costs no heap allocation.
public struct STUNTransactionID: Hashable, Sendable, CustomStringConvertible {
    /// The first 32 bits on the wire.
    public let high: UInt32
    /// The last 64 bits on the wire.
    public let low: UInt64

    public init(high: UInt32, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Exactly 12 bytes in wire order, or nil.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 12 else { return nil }
        var high: UInt32 = 0
        var low: UInt64 = 0
        for (index, byte) in bytes.enumerated() {
            if index < 4 { high = high << 8 | UInt32(byte) } else { low = low << 8 | UInt64(byte) }
        }
        self.init(high: high, low: low)
    }

    /// A new id from the system's cryptographically secure generator: RFC 8489 §6 asks for ids an
    /// attacker cannot guess, since guessing one lets them forge the response.
    public static func random() -> STUNTransactionID {
        var generator = SystemRandomNumberGenerator()
        return STUNTransactionID(high: generator.next(), low: generator.next())
    }

    /// The 12 bytes in wire order.
    public var bytes: [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(12)
        appendBytes(to: &output)
        return output
    }

    func appendBytes(to output: inout [UInt8]) {
        output.appendBigEndian(high)
        output.appendBigEndian(low)
    }

    public var description: String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}

extension Array where Element == UInt8 {
    mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        var shift = T.bitWidth - 8
        while shift >= 0 {
            append(UInt8(truncatingIfNeeded: value >> shift))
            shift -= 8
        }
    }
}

extension Collection<UInt8> {
    /// The big-endian integer starting `offset` bytes into the collection; callers check the bounds.
    func bigEndian<T: FixedWidthInteger>(at offset: Int, as _: T.Type = T.self) -> T {
        var value: T = 0
        var index = self.index(startIndex, offsetBy: offset)
        for _ in 0..<(T.bitWidth / 8) {
            value = value << 8 | T(self[index])
            index = self.index(after: index)
        }
        return value
    }
}

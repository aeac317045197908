/// An IP address and port as MAPPED-ADDRESS and XOR-MAPPED-ADDRESS carry them (RFC 8489 §14.1–14.2).
public struct STUNAddress: Hashable, Sendable, CustomStringConvertible {
    /// An IPv4 or IPv6 address held as integers in network order, so that it needs no heap.
    public enum IP: Hashable, Sendable, CustomStringConvertible {
        /// 192.0.2.1 is `.v4(0xC000_0201)`.
        case v4(UInt32)
        /// The first and last 64 bits; 2001:db8::1 is `.v6(high: 0x2001_0DB8_0000_0000, low: 1)`.
        case v6(high: UInt64, low: UInt64)

        /// 4 or 16 bytes in network order, or nil.
        public init?(bytes: some Collection<UInt8>) {
            switch bytes.count {
            case 4: self = .v4(bytes.bigEndian(at: 0))
            case 16: self = .v6(high: bytes.bigEndian(at: 0), low: bytes.bigEndian(at: 8))
            default: return nil
            }
        }

        /// The address in network order.
        public var bytes: [UInt8] {
            var output: [UInt8] = []
            switch self {
            case .v4(let address):
                output.appendBigEndian(address)
            case .v6(let high, let low):
                output.appendBigEndian(high)
                output.appendBigEndian(low)
            }
            return output
        }

        /// The STUN address family code.
        var family: UInt8 {
            switch self {
            case .v4: 0x01
            case .v6: 0x02
            }
        }

        /// Dotted quad, or the RFC 5952 text form (lower case, longest zero run shortened to `::`).
        public var description: String {
            switch self {
            case .v4(let address):
                return (0..<4).map { String(UInt8(truncatingIfNeeded: address >> (24 - 8 * $0))) }.joined(separator: ".")
            case .v6(let high, let low):
                let groups = (0..<8).map { index -> UInt16 in
                    let half = index < 4 ? high : low
                    return UInt16(truncatingIfNeeded: half >> (48 - 16 * (index % 4)))
                }
                return Self.format(groups)
            }
        }

        private static func format(_ groups: [UInt16]) -> String {
            // RFC 5952 §4.2: shorten the longest run of two or more zero groups, the first if tied.
            var best = (start: -1, length: 1)
            var index = 0
            while index < groups.count {
                guard groups[index] == 0 else {
                    index += 1
                    continue
                }
                var end = index
                while end < groups.count, groups[end] == 0 { end += 1 }
                if end - index > best.length { best = (index, end - index) }
                index = end
            }
            let text = groups.map { String($0, radix: 16) }
            guard best.start >= 0 else { return text.joined(separator: ":") }
            let head = text[..<best.start].joined(separator: ":")
            let tail = text[(best.start + best.length)...].joined(separator: ":")
            return head + "::" + tail
        }
    }

    public var ip: IP
    public var port: UInt16

    public init(ip: IP, port: UInt16) {
        self.ip = ip
        self.port = port
    }

    /// `192.0.2.1:32853` or `[2001:db8::1]:32853`.
    public var description: String {
        switch ip {
        case .v4: "\(ip):\(port)"
        case .v6: "[\(ip)]:\(port)"
        }
    }
}

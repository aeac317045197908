/// The small pieces of the RFC 8866 §9 grammar that several lines share.
enum SDPGrammar {
    /// A decimal number of ASCII digits only (no sign, no spaces), at most 20 of them, that fits `T`.
    static func parse<T: FixedWidthInteger>(_ text: Substring, as _: T.Type) -> T? {
        let utf8 = text.utf8
        guard (1...20).contains(utf8.count), utf8.allSatisfy(\.isDecimalDigit) else { return nil }
        return T(text, radix: 10)
    }

    /// RFC 8866 `token`: visible ASCII except the separators `"(),/:;<=>?@[\]{}` and space.
    static func isToken(_ text: Substring) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy(\.isTokenChar)
    }

    /// An address as `c=` and `a=candidate` write it: IPv4, IPv6 (with an optional zone) or a
    /// host name, such as Chromium's mDNS `….local` names.
    static func isAddress(_ text: Substring) -> Bool {
        (1...255).contains(text.utf8.count)
            && text.utf8.allSatisfy { byte in
                byte.isDecimalDigit || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || Array(".:-_%".utf8).contains(byte)
            }
    }

    /// RFC 8866 `proto`: tokens joined by `/`.
    static func isProtocol(_ text: Substring) -> Bool {
        text.split(separator: "/", omittingEmptySubsequences: false).allSatisfy(isToken)
    }

    /// A payload type in the 0–127 range that RTP's 7-bit field can carry.
    static func payloadType(_ text: Substring) -> UInt8? {
        guard let value = parse(text, as: UInt8.self), value <= 127 else { return nil }
        return value
    }
}

extension UInt8 {
    /// RFC 8866 `token-char`.
    var isTokenChar: Bool {
        switch self {
        case 0x21, 0x23...0x27, 0x2A...0x2B, 0x2D...0x2E, 0x30...0x39, 0x41...0x5A, 0x5E...0x7E: true
        default: false
        }
    }

    /// RFC 8839 `ice-char`: ALPHA / DIGIT / "+" / "/".
    var isICEChar: Bool {
        switch self {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, UInt8(ascii: "+"), UInt8(ascii: "/"): true
        default: false
        }
    }
}

import Crypto

/// A certificate fingerprint as `a=fingerprint` carries it (RFC 8122 §5): a hash function name in
/// lower case and the digest, written as upper-case hex pairs joined by colons.
public struct SDPFingerprint: Hashable, Sendable, CustomStringConvertible {
    /// `sha-256`, `sha-384`, … as written, lower-cased.
    public var algorithm: String
    public var bytes: [UInt8]

    public init(algorithm: String, bytes: [UInt8]) {
        self.algorithm = algorithm.lowercased()
        self.bytes = bytes
    }

    /// The SHA-256 fingerprint of one of our certificates.
    public init(_ fingerprint: DTLSFingerprint) {
        self.init(algorithm: "sha-256", bytes: fingerprint.bytes)
    }

    /// Digest sizes of the hash functions RFC 8122 lists; a fingerprint of one of them must have
    /// exactly that many bytes.
    static let digestSizes: [String: Int] = [
        "sha-1": 20, "sha-224": 28, "sha-256": 32, "sha-384": 48, "sha-512": 64, "md5": 16, "md2": 16,
    ]

    /// True when this layer can check a certificate against the fingerprint. RFC 8122 §5 forbids
    /// MD2 and MD5, and SHA-1 is no longer collision resistant, so only the SHA-2 family counts.
    public var isVerifiable: Bool {
        ["sha-256", "sha-384", "sha-512"].contains(algorithm)
    }

    /// Whether `certificateDER` hashes to this fingerprint; false for an algorithm that is not verifiable.
    public func matches(certificateDER: some Sequence<UInt8>) -> Bool {
        let der = Array(certificateDER)
        let digest: [UInt8]
        switch algorithm {
        case "sha-256": digest = Array(SHA256.hash(data: der))
        case "sha-384": digest = Array(SHA384.hash(data: der))
        case "sha-512": digest = Array(SHA512.hash(data: der))
        default: return false
        }
        // Fingerprints are public, so a plain comparison leaks nothing.
        return digest == bytes
    }

    /// `sha-256 AB:CD:…`.
    public var description: String {
        algorithm + " " + Self.hex(bytes)
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 3)
        for (index, byte) in bytes.enumerated() {
            if index > 0 { text.append(UInt8(ascii: ":")) }
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Parses `<hash> <hex pairs>`; nil unless every pair is two hex digits and a known hash
    /// function's digest has its size.
    init?(sdpValue: Substring) {
        let parts = sdpValue.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].utf8.count <= 32, SDPGrammar.isToken(parts[0]) else { return nil }
        let pairs = parts[1].split(separator: ":", omittingEmptySubsequences: false)
        guard (1...64).contains(pairs.count) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(pairs.count)
        for pair in pairs {
            guard pair.utf8.count == 2, pair.utf8.allSatisfy(\.isHexDigit), let byte = UInt8(pair, radix: 16) else { return nil }
            bytes.append(byte)
        }
        let algorithm = parts[0].lowercased()
        if let size = Self.digestSizes[algorithm], size != bytes.count { return nil }
        self.init(algorithm: algorithm, bytes: bytes)
    }
}

extension UInt8 {
    var isHexDigit: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(self)
    }

    var isDecimalDigit: Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) }
}

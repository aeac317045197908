import Crypto
import Foundation

/// Time-based one-time passwords (RFC 6238): HMAC-SHA1, 6 digits, 30-second steps, accepted one step
/// either side of now, and each step usable once per account (the caller stores the last step used).
public struct TOTP: Sendable {
    public static let digits = 6
    public static let period: TimeInterval = 30
    /// Steps accepted either side of the current one, for clock drift.
    public static let window = 1

    public let secret: [UInt8]

    /// A fresh 160-bit secret (RFC 4226 §4 recommends 160 bits).
    public static func generate() -> TOTP {
        TOTP(secret: SymmetricKey(size: .init(bitCount: 160)).withUnsafeBytes { Array($0) })
    }

    public init(secret: [UInt8]) {
        self.secret = secret
    }

    /// The time step containing `time`.
    public static func step(at time: Date) -> Int64 {
        Int64((time.timeIntervalSince1970 / period).rounded(.down))
    }

    /// The code for a time step, zero-padded to `digits` (RFC 4226 §5.3 dynamic truncation).
    public func code(step: Int64, digits: Int = TOTP.digits) -> String {
        let counter = withUnsafeBytes(of: UInt64(bitPattern: step).bigEndian, Array.init)
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: counter, using: SymmetricKey(data: secret)))
        let offset = Int(mac[mac.count - 1] & 0x0f)
        let binary = (UInt32(mac[offset] & 0x7f) << 24) | (UInt32(mac[offset + 1]) << 16) | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        var modulus: UInt32 = 1
        for _ in 0..<digits { modulus *= 10 }
        let value = String(binary % modulus)
        return String(repeating: "0", count: digits - value.count) + value
    }

    public func code(at time: Date) -> String {
        code(step: Self.step(at: time))
    }

    /// The step a code matches within the window around `time`, if it is later than `lastUsedStep`
    /// (so a code, or an older one, cannot be replayed). Comparison is constant-time per candidate.
    public func verify(_ candidate: String, at time: Date, lastUsedStep: Int64?) -> Int64? {
        let trimmed = candidate.filter { !$0.isWhitespace }
        guard trimmed.count == Self.digits, trimmed.allSatisfy(\.isASCII), trimmed.allSatisfy(\.isNumber) else { return nil }
        let now = Self.step(at: time)
        var matched: Int64?
        for step in (now - Int64(Self.window))...(now + Int64(Self.window)) {
            if ConstantTime.equal(Array(code(step: step).utf8), Array(trimmed.utf8)), matched == nil { matched = step }
        }
        guard let matched, matched > (lastUsedStep ?? Int64.min) else { return nil }
        return matched
    }

    /// The secret in base32 (RFC 4648), as authenticator apps expect.
    public var base32Secret: String { Base32.encode(secret) }

    /// The `otpauth://` URI an authenticator app reads from the enrolment QR code.
    public func provisioningURI(account: String, issuer: String) -> String {
        var components = URLComponents()
        components.scheme = "otpauth"
        components.host = "totp"
        components.path = "/\(issuer):\(account)"
        components.queryItems = [
            URLQueryItem(name: "secret", value: base32Secret),
            URLQueryItem(name: "issuer", value: issuer),
            URLQueryItem(name: "algorithm", value: "SHA1"),
            URLQueryItem(name: "digits", value: String(Self.digits)),
            URLQueryItem(name: "period", value: String(Int(Self.period))),
        ]
        return components.string ?? ""
    }
}

/// Base32 (RFC 4648 §6) without padding, the alphabet authenticator apps use for TOTP secrets.
public enum Base32 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | UInt32(byte)
            bits += 8
            while bits >= 5 {
                output.append(alphabet[Int((buffer >> UInt32(bits - 5)) & 31)])
                bits -= 5
            }
        }
        if bits > 0 { output.append(alphabet[Int((buffer << UInt32(5 - bits)) & 31)]) }
        return String(decoding: output, as: UTF8.self)
    }

    public static func decode(_ text: String) -> [UInt8]? {
        var output: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for character in text.uppercased().utf8 where character != UInt8(ascii: "=") {
            guard let value = alphabet.firstIndex(of: character) else { return nil }
            buffer = (buffer << 5) | UInt32(value)
            bits += 5
            if bits >= 8 {
                output.append(UInt8((buffer >> UInt32(bits - 8)) & 0xff))
                bits -= 8
            }
        }
        return output
    }
}

/// An ICE username fragment and password (RFC 8445 §5.3), as `a=ice-ufrag` and `a=ice-pwd` carry
/// them. The password is never printed.
public struct ICECredentials: Hashable, Sendable, CustomStringConvertible {
    public let ufrag: String
    public let password: String

    public init(ufrag: String, password: String) {
        self.ufrag = ufrag
        self.password = password
    }

    /// Fresh credentials from the system's secure generator: 8 `ice-char`s (48 bits) of ufrag, so
    /// that the demultiplexer's look-up by ufrag rarely collides, and 24 of password (144 bits,
    /// over the 128 RFC 8445 §5.3 asks for).
    public static func random() -> ICECredentials {
        var generator = SystemRandomNumberGenerator()
        return ICECredentials(ufrag: randomText(count: 8, using: &generator), password: randomText(count: 24, using: &generator))
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    private static func randomText(count: Int, using generator: inout some RandomNumberGenerator) -> String {
        // 64 symbols, so six random bits pick one without bias.
        String(decoding: (0..<count).map { _ in alphabet[Int(generator.next() & 63)] }, as: UTF8.self)
    }

    public var description: String { "ufrag \(ufrag)" }
}

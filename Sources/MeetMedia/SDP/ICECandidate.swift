/// One ICE candidate as `a=candidate` (RFC 8839 §5.1) or a trickled `candidate:` string carries it.
public struct ICECandidate: Hashable, Sendable, CustomStringConvertible {
    /// `host`, `srflx`, `prflx`, `relay`, or a type this layer does not know.
    public struct Kind: RawRepresentable, Hashable, Sendable {
        public let rawValue: String

        public init(rawValue: String) {
            self.rawValue = rawValue
        }

        public static let host = Kind(rawValue: "host")
        public static let serverReflexive = Kind(rawValue: "srflx")
        public static let peerReflexive = Kind(rawValue: "prflx")
        public static let relayed = Kind(rawValue: "relay")
    }

    /// A trailing `<name> <value>` pair such as `generation 0` or `tcptype active`.
    public struct Extension: Hashable, Sendable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public var foundation: String
    public var component: UInt16
    /// `udp` or `tcp` as written (the grammar is case-insensitive).
    public var transport: String
    public var priority: UInt32
    /// An IP address, or a host name such as Chromium's mDNS `….local` names.
    public var address: String
    public var port: UInt16
    public var kind: Kind
    public var relatedAddress: String?
    public var relatedPort: UInt16?
    public var extensions: [Extension]

    public init(
        foundation: String,
        component: UInt16 = 1,
        transport: String = "udp",
        priority: UInt32,
        address: String,
        port: UInt16,
        kind: Kind = .host,
        relatedAddress: String? = nil,
        relatedPort: UInt16? = nil,
        extensions: [Extension] = []
    ) {
        self.foundation = foundation
        self.component = component
        self.transport = transport
        self.priority = priority
        self.address = address
        self.port = port
        self.kind = kind
        self.relatedAddress = relatedAddress
        self.relatedPort = relatedPort
        self.extensions = extensions
    }

    /// Parses the attribute value (what follows `a=candidate:`); a leading `candidate:`, as
    /// trickled candidates have it, is accepted too.
    public init(parsing text: some StringProtocol) throws(SDPError) {
        var value = Substring(text)
        if value.hasPrefix("candidate:") { value = value.dropFirst("candidate:".count) }
        try self.init(sdpValue: value, line: nil)
    }

    init(sdpValue value: Substring, line: Int?) throws(SDPError) {
        func fail(_ reason: String) -> SDPError { SDPError(code: .malformedValue, line: line, reason: "candidate: " + reason) }
        let tokens = value.split(separator: " ", omittingEmptySubsequences: false)
        guard tokens.count >= 8, tokens[6] == "typ" else {
            throw fail("expected '<foundation> <component> <transport> <priority> <address> <port> typ <type>'")
        }
        guard (1...32).contains(tokens[0].utf8.count), tokens[0].utf8.allSatisfy(\.isICEChar) else { throw fail("bad foundation") }
        guard let component = SDPGrammar.parse(tokens[1], as: UInt16.self), (1...256).contains(component) else { throw fail("bad component") }
        guard SDPGrammar.isToken(tokens[2]) else { throw fail("bad transport") }
        guard let priority = SDPGrammar.parse(tokens[3], as: UInt32.self) else { throw fail("bad priority") }
        guard SDPGrammar.isAddress(tokens[4]) else { throw fail("bad address") }
        guard let port = SDPGrammar.parse(tokens[5], as: UInt16.self) else { throw fail("bad port") }
        guard SDPGrammar.isToken(tokens[7]) else { throw fail("bad type") }
        var index = 8
        var relatedAddress: String?
        var relatedPort: UInt16?
        if index + 1 < tokens.count, tokens[index] == "raddr" {
            guard SDPGrammar.isAddress(tokens[index + 1]) else { throw fail("bad raddr") }
            relatedAddress = String(tokens[index + 1])
            index += 2
        }
        if index + 1 < tokens.count, tokens[index] == "rport" {
            guard let parsed = SDPGrammar.parse(tokens[index + 1], as: UInt16.self) else { throw fail("bad rport") }
            relatedPort = parsed
            index += 2
        }
        guard (tokens.count - index) % 2 == 0 else { throw fail("an extension has a name but no value") }
        var extensions: [Extension] = []
        while index < tokens.count {
            guard SDPGrammar.isToken(tokens[index]), SDPGrammar.isToken(tokens[index + 1]) else { throw fail("bad extension") }
            extensions.append(Extension(name: String(tokens[index]), value: String(tokens[index + 1])))
            index += 2
        }
        self.init(
            foundation: String(tokens[0]),
            component: component,
            transport: String(tokens[2]),
            priority: priority,
            address: String(tokens[4]),
            port: port,
            kind: Kind(rawValue: String(tokens[7])),
            relatedAddress: relatedAddress,
            relatedPort: relatedPort,
            extensions: extensions
        )
    }

    /// The attribute value, without `candidate:`.
    public var description: String {
        var text = "\(foundation) \(component) \(transport) \(priority) \(address) \(port) typ \(kind.rawValue)"
        if let relatedAddress { text += " raddr \(relatedAddress)" }
        if let relatedPort { text += " rport \(relatedPort)" }
        for item in extensions { text += " \(item.name) \(item.value)" }
        return text
    }

    /// RFC 8445 §5.1.2.1 priority: type preference, local preference, component.
    public static func priority(typePreference: UInt8, localPreference: UInt16, component: UInt16 = 1) -> UInt32 {
        UInt32(typePreference) << 24 | UInt32(localPreference) << 8 | UInt32(256 - min(max(component, 1), 256))
    }
}

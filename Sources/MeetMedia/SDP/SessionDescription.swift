/// A session description (RFC 8866) in the subset WebRTC uses (JSEP, RFC 8829, Unified Plan):
/// session-level lines, then one ``MediaDescription`` per `m=` line.
///
/// Read one with ``init(parsing:)``, which is strict and bounded (see ``Limits``) and throws an
/// ``SDPError`` naming the line for anything else; write one with ``sdpText``, always with CRLF.
/// Attributes keep their order, and attributes this layer does not interpret are kept verbatim.
public struct SessionDescription: Hashable, Sendable {
    /// The bounds on input: anything larger is refused before it is parsed further.
    public enum Limits {
        public static let maximumBytes = 64 * 1024
        public static let maximumMediaSections = 64
        public static let maximumLinesPerSection = 1024
        public static let maximumLineBytes = 4096
    }

    public var origin: SDPOrigin
    /// `s=`; `-` when the session has no name.
    public var sessionName: String
    public var connection: SDPConnection?
    public var bandwidths: [SDPBandwidth]
    /// `t=` lines; WebRTC always has one, `0 0`.
    public var timing: [SDPTiming]
    /// `i=`, `u=`, `e=`, `p=`, `r=`, `z=` and `k=` lines, kept but not interpreted.
    public var otherLines: [SDPLine]
    public var attributes: [SDPAttribute]
    public var media: [MediaDescription]

    public init(
        origin: SDPOrigin,
        sessionName: String = "-",
        connection: SDPConnection? = nil,
        bandwidths: [SDPBandwidth] = [],
        timing: [SDPTiming] = [SDPTiming(start: 0, stop: 0)],
        otherLines: [SDPLine] = [],
        attributes: [SDPAttribute] = [],
        media: [MediaDescription] = []
    ) {
        self.origin = origin
        self.sessionName = sessionName
        self.connection = connection
        self.bandwidths = bandwidths
        self.timing = timing
        self.otherLines = otherLines
        self.attributes = attributes
        self.media = media
    }

    /// The description as text, every line ended by CRLF.
    public var sdpText: String {
        var lines = ["v=0", "o=\(origin)", "s=\(sessionName)"]
        lines += otherLines.filter { "iuep".contains($0.type) }.map(\.description)
        if let connection { lines.append("c=\(connection)") }
        lines += bandwidths.map { "b=\($0)" }
        lines += timing.map { "t=\($0.start) \($0.stop)" }
        lines += otherLines.filter { "rzk".contains($0.type) }.map(\.description)
        lines += attributes.map { "a=" + $0.sdpText }
        for section in media { lines += section.sdpLines }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// The first BUNDLE group (RFC 8843), if any.
    public var bundleGroup: [String]? {
        for case .group(let group) in attributes where group.semantics == "BUNDLE" { return group.mids }
        return nil
    }

    public var isICELite: Bool { attributes.contains(.iceLite) }
}

/// `o=<username> <session id> <session version> <nettype> <addrtype> <address>`.
public struct SDPOrigin: Hashable, Sendable, CustomStringConvertible {
    public var username: String
    /// Digits only; kept as text because RFC 8866 does not bound its size.
    public var sessionID: String
    public var sessionVersion: UInt64
    public var networkType: String
    public var addressType: String
    public var address: String

    public init(
        username: String = "-",
        sessionID: String,
        sessionVersion: UInt64,
        networkType: String = "IN",
        addressType: String = "IP4",
        address: String = "127.0.0.1"
    ) {
        self.username = username
        self.sessionID = sessionID
        self.sessionVersion = sessionVersion
        self.networkType = networkType
        self.addressType = addressType
        self.address = address
    }

    public var description: String { "\(username) \(sessionID) \(sessionVersion) \(networkType) \(addressType) \(address)" }
}

/// `c=<nettype> <addrtype> <address>`.
public struct SDPConnection: Hashable, Sendable, CustomStringConvertible {
    public var networkType: String
    public var addressType: String
    public var address: String

    public init(networkType: String = "IN", addressType: String = "IP4", address: String) {
        self.networkType = networkType
        self.addressType = addressType
        self.address = address
    }

    /// `IN IP4 0.0.0.0`, what JSEP writes when the address is not known or not used.
    public static let unspecified = SDPConnection(address: "0.0.0.0")

    public var description: String { "\(networkType) \(addressType) \(address)" }
}

/// `b=<type>:<kilobits or bits per second>`.
public struct SDPBandwidth: Hashable, Sendable, CustomStringConvertible {
    public var type: String
    public var value: UInt32

    public init(type: String, value: UInt32) {
        self.type = type
        self.value = value
    }

    public var description: String { "\(type):\(value)" }
}

/// `t=<start> <stop>`.
public struct SDPTiming: Hashable, Sendable {
    public var start: UInt64
    public var stop: UInt64

    public init(start: UInt64, stop: UInt64) {
        self.start = start
        self.stop = stop
    }
}

/// A line kept as its type letter and value, for types this layer does not interpret.
public struct SDPLine: Hashable, Sendable, CustomStringConvertible {
    public var type: Character
    public var value: String

    public init(type: Character, value: String) {
        self.type = type
        self.value = value
    }

    public var description: String { "\(type)=\(value)" }
}

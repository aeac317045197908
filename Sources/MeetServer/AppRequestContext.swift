import Hummingbird
import NIOCore

/// The request context of every DigitalMeet route: Hummingbird's core storage plus the peer address,
/// which rate limits, audit records and the loopback-only metrics rule need.
public struct AppRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// The session the request's cookie names, set by `SessionMiddleware` when it is valid.
    var signedIn: SignedIn?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
        signedIn = nil
    }

    /// JSON request bodies are small; anything larger is refused before it is buffered.
    public var maxUploadSize: Int { 64 * 1024 }

    /// Whether the peer is on this machine.
    var isLoopback: Bool {
        switch remoteAddress {
        case .v4(let address): address.host.hasPrefix("127.")
        case .v6(let address): address.host == "::1" || address.host.hasPrefix("::ffff:127.")
        default: false
        }
    }
}

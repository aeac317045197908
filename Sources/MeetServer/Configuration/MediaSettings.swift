import Foundation
import MeetCrypto

/// Where the SFU listens and what browsers are told to reach it: the UDP port, the addresses put in
/// its ICE candidates, and an optional external TURN server (coturn) with time-limited credentials.
public struct MediaSettings: Sendable {
    /// The address the SFU's UDP socket binds.
    public var bindHost: String
    /// The one UDP port every peer connection of every meeting uses (0: any free port, for tests).
    public var port: Int
    /// The addresses (IP literals) announced in ICE candidates: the public address behind NAT or in a cloud.
    public var announcedAddresses: [String]
    /// `turn:`/`turns:` URLs handed to browsers; empty when no TURN server is configured.
    public var turnURLs: [String]
    /// The secret shared with the TURN server (`static-auth-secret` in coturn); required with `turnURLs`.
    public var turnSecret: String?
    /// How long a TURN credential lives.
    public var turnCredentialLifetime: Duration
    /// Browsers relay all media through TURN (`iceTransportPolicy: "relay"`), hiding their addresses from the SFU and other networks.
    public var relayOnly: Bool

    init(reader: SettingsReader, httpsHost: String) throws {
        bindHost = reader.string("media.host") ?? httpsHost
        port = try reader.int("media.port", in: 0...65535) ?? 10_000
        let announced = reader.strings("media.announcedAddresses") ?? []
        for address in announced where !Self.isIPLiteral(address) {
            throw ConfigurationError(
                "\(SettingsReader.describe("media.announcedAddresses")) must list IP addresses (ICE candidates carry addresses, not names), not \"\(address)\""
            )
        }
        announcedAddresses =
            announced.isEmpty ? [Self.isIPLiteral(bindHost) && bindHost != "0.0.0.0" && bindHost != "::" ? bindHost : "127.0.0.1"] : announced
        turnURLs = reader.strings("turn.urls") ?? []
        for url in turnURLs where !(url.hasPrefix("turn:") || url.hasPrefix("turns:")) {
            throw ConfigurationError("\(SettingsReader.describe("turn.urls")) must hold turn: or turns: URLs, not \"\(url)\"")
        }
        turnSecret = reader.string("turn.secret")
        if !turnURLs.isEmpty {
            guard let secret = turnSecret, secret.utf8.count >= 32 else {
                throw ConfigurationError(
                    "\(SettingsReader.describe("turn.secret")) must be set to the TURN server's shared secret (at least 32 characters, e.g. openssl rand -hex 32) when turn.urls is set"
                )
            }
        }
        turnCredentialLifetime = .seconds(try reader.int("turn.credentialLifetimeSeconds", in: 60...604_800) ?? 43_200)
        relayOnly = (reader.string("turn.relayOnly") ?? "false").lowercased() == "true"
        if relayOnly && turnURLs.isEmpty {
            throw ConfigurationError("\(SettingsReader.describe("turn.relayOnly")) needs a TURN server in turn.urls")
        }
    }

    static func isIPLiteral(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }

    /// What a participant is told about reaching the SFU, with a fresh TURN credential for their seat.
    func access(for seat: UUID, now: Date) -> MediaAccess {
        var servers: [MediaAccess.ICEServer] = []
        if let secret = turnSecret, !turnURLs.isEmpty {
            let credential = TURNCredentialIssuer(secret: secret, lifetime: turnCredentialLifetime)
                .credential(for: seat.uuidString.lowercased(), now: now)
            servers.append(.init(urls: turnURLs, username: credential.username, credential: credential.password))
        }
        return MediaAccess(iceServers: servers, iceTransportPolicy: relayOnly ? "relay" : "all")
    }
}

/// The `meeting.media` object of the join answer.
struct MediaAccess: Encodable, Sendable, Equatable {
    struct ICEServer: Encodable, Sendable, Equatable {
        let urls: [String]
        let username: String
        let credential: String
    }
    let iceServers: [ICEServer]
    let iceTransportPolicy: String
}

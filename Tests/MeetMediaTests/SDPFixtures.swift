import Foundation

@testable import MeetMedia

/// The captured offers in Fixtures/SDP (see its README), read from the source tree.
enum SDPFixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/SDP")

    static let offerNames = ["aiortc-offer", "aiortc-offer-datachannel", "chromium-offer", "chromium-offer-simulcast", "firefox-offer"]

    static func text(_ name: String) -> String {
        (try? String(contentsOf: folder.appendingPathComponent(name + ".sdp"), encoding: .utf8)) ?? ""
    }

    static func offer(_ name: String) throws -> SessionDescription {
        try SessionDescription(parsing: text(name))
    }

    /// The SFU's side of a test connection: fixed credentials, fingerprint and one host candidate.
    static let transport = SFUTransportParameters(
        ice: ICECredentials(ufrag: "sfuU", password: "sfuPasswordOf24Chars+/xy"),
        fingerprint: SDPFingerprint(algorithm: "sha-256", bytes: Array(0..<32)),
        candidates: [
            ICECandidate(
                foundation: "1",
                priority: ICECandidate.priority(typePreference: 126, localPreference: 65535),
                address: "192.0.2.10",
                port: 40000
            )
        ],
        sessionID: "4611731400430051336"
    )
}

import Foundation

@testable import MeetMedia

/// The captured offers in Fixtures/SDP (see its README), read from the source tree.
enum SDPFixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/SDP")

    static let offerNames = ["aiortc-offer", "aiortc-offer-datachannel", "chromium-offer", "chromium-offer-simulcast"]

    static func text(_ name: String) -> String {
        (try? String(contentsOf: folder.appendingPathComponent(name + ".sdp"), encoding: .utf8)) ?? ""
    }

    static func offer(_ name: String) throws -> SessionDescription {
        try SessionDescription(parsing: text(name))
    }

}

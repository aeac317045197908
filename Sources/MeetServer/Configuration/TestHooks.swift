import Foundation

/// Hooks for the end-to-end tests (docs/e2ee.md, docs/operations.md), read only from the
/// environment, never from the configuration file, so that a copied production file cannot carry
/// them. The server logs a warning at start-up when either is set; production must not set them.
public struct TestHooks: Sendable, Equatable {
    /// `DIGITALMEET_TEST_MEDIA_CAPTURE`: a directory where the SFU writes the first RTP packets it
    /// forwards per producer (`MediaCapture`).
    public var mediaCaptureDirectory: String?
    /// `DIGITALMEET_TEST_SUBSTITUTE_E2EE_KEY`: the display name whose announced E2EE public key the
    /// server replaces with its own, as a malicious server would.
    public var substituteE2EEKeyOf: String?

    public init(mediaCaptureDirectory: String? = nil, substituteE2EEKeyOf: String? = nil) {
        self.mediaCaptureDirectory = mediaCaptureDirectory
        self.substituteE2EEKeyOf = substituteE2EEKeyOf
    }

    public init(environment: [String: String]) {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        mediaCaptureDirectory = value("DIGITALMEET_TEST_MEDIA_CAPTURE")
        substituteE2EEKeyOf = value("DIGITALMEET_TEST_SUBSTITUTE_E2EE_KEY")
    }

    /// One line per hook that is on, for the start-up warning.
    public var warnings: [String] {
        var lines: [String] = []
        if let mediaCaptureDirectory {
            lines.append("DIGITALMEET_TEST_MEDIA_CAPTURE is set: the SFU writes forwarded media to \(mediaCaptureDirectory)")
        }
        if let substituteE2EEKeyOf {
            lines.append(
                "DIGITALMEET_TEST_SUBSTITUTE_E2EE_KEY is set: the server replaces the E2EE public key of \"\(substituteE2EEKeyOf)\""
            )
        }
        return lines
    }
}

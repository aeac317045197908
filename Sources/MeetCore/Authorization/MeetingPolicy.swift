/// The meeting settings an organisation imposes as a floor: a member's meeting may be stricter, never
/// weaker (the meetings issue enforces this when meetings are created and changed).
public struct MeetingPolicy: Sendable, Equatable, Codable {
    public enum WaitingRoom: String, Sendable, Codable, CaseIterable {
        case off
        case guests
        case everyone
    }

    public enum Recording: String, Sendable, Codable, CaseIterable {
        /// Hosts and co-hosts may record (with every participant told and asked).
        case hosts
        case nobody
    }

    public enum ScreenSharing: String, Sendable, Codable, CaseIterable {
        case hosts
        case everyone
    }

    public var passcodeRequired: Bool
    public var waitingRoom: WaitingRoom
    public var whoMayRecord: Recording
    public var whoMayShareScreen: ScreenSharing
    public var e2eeRequired: Bool

    public init(passcodeRequired: Bool, waitingRoom: WaitingRoom, whoMayRecord: Recording, whoMayShareScreen: ScreenSharing, e2eeRequired: Bool) {
        self.passcodeRequired = passcodeRequired
        self.waitingRoom = waitingRoom
        self.whoMayRecord = whoMayRecord
        self.whoMayShareScreen = whoMayShareScreen
        self.e2eeRequired = e2eeRequired
    }

    /// Guests wait to be admitted, passcodes are required, only hosts share screens and record.
    public static let standard = MeetingPolicy(
        passcodeRequired: true,
        waitingRoom: .guests,
        whoMayRecord: .hosts,
        whoMayShareScreen: .hosts,
        e2eeRequired: false
    )
}

/// A meeting's security settings, chosen by its host within the organisation's floor (`MeetingPolicy`).
public struct MeetingSettings: Codable, Sendable, Equatable {
    public enum JoinRule: String, Codable, Sendable, CaseIterable {
        case anyoneWithLink = "anyone_with_link"
        case signedIn = "signed_in"
        case organization
        case invited
    }

    public var passcodeRequired: Bool
    public var whoMayJoin: JoinRule
    public var waitingRoom: MeetingPolicy.WaitingRoom
    public var whoMayShareScreen: MeetingPolicy.ScreenSharing
    public var whoMayRecord: MeetingPolicy.Recording
    public var muteOnEntry: Bool
    public var chatEnabled: Bool
    public var allowRename: Bool
    public var participantLimit: Int
    public var e2ee: Bool

    public static let maximumParticipants = 500

    public init(
        passcodeRequired: Bool,
        whoMayJoin: JoinRule,
        waitingRoom: MeetingPolicy.WaitingRoom,
        whoMayShareScreen: MeetingPolicy.ScreenSharing,
        whoMayRecord: MeetingPolicy.Recording,
        muteOnEntry: Bool,
        chatEnabled: Bool,
        allowRename: Bool,
        participantLimit: Int,
        e2ee: Bool
    ) {
        self.passcodeRequired = passcodeRequired
        self.whoMayJoin = whoMayJoin
        self.waitingRoom = waitingRoom
        self.whoMayShareScreen = whoMayShareScreen
        self.whoMayRecord = whoMayRecord
        self.muteOnEntry = muteOnEntry
        self.chatEnabled = chatEnabled
        self.allowRename = allowRename
        self.participantLimit = participantLimit
        self.e2ee = e2ee
    }

    /// The organisation's floor, with the other settings at their usual values.
    public static func defaults(for policy: MeetingPolicy) -> MeetingSettings {
        MeetingSettings(
            passcodeRequired: policy.passcodeRequired,
            whoMayJoin: .anyoneWithLink,
            waitingRoom: policy.waitingRoom,
            whoMayShareScreen: policy.whoMayShareScreen,
            whoMayRecord: policy.whoMayRecord,
            muteOnEntry: false,
            chatEnabled: true,
            allowRename: true,
            participantLimit: 100,
            e2ee: policy.e2eeRequired
        )
    }

    /// Refuses settings weaker than the organisation's floor, naming the setting.
    public func validated(against policy: MeetingPolicy) throws -> MeetingSettings {
        if policy.passcodeRequired && !passcodeRequired {
            throw MeetError(.policyViolation, "Your organisation requires a passcode for every meeting.", field: "passcodeRequired")
        }
        if Self.rank(waitingRoom) < Self.rank(policy.waitingRoom) {
            throw MeetError(
                .policyViolation,
                "Your organisation requires the waiting room for \(policy.waitingRoom.rawValue) at least.",
                field: "waitingRoom"
            )
        }
        if policy.whoMayShareScreen == .hosts && whoMayShareScreen == .everyone {
            throw MeetError(.policyViolation, "Your organisation lets only hosts share screens.", field: "whoMayShareScreen")
        }
        if policy.whoMayRecord == .nobody && whoMayRecord == .hosts {
            throw MeetError(.policyViolation, "Your organisation does not allow recording.", field: "whoMayRecord")
        }
        if policy.e2eeRequired && !e2ee {
            throw MeetError(.policyViolation, "Your organisation requires end-to-end encryption for every meeting.", field: "e2ee")
        }
        guard (2...Self.maximumParticipants).contains(participantLimit) else {
            throw MeetError(.invalidInput, "The participant limit must be between 2 and \(Self.maximumParticipants).", field: "participantLimit")
        }
        return self
    }

    static func rank(_ waitingRoom: MeetingPolicy.WaitingRoom) -> Int {
        switch waitingRoom {
        case .off: 0
        case .guests: 1
        case .everyone: 2
        }
    }
}

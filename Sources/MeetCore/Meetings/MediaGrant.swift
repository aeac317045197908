import Foundation

/// What the SFU forwards from one participant, derived from the meeting state alone. The server
/// hands the whole map to the SFU after every change, so a host's mute, a refused screen share or a
/// removal takes effect in the media path, not only in the interface.
public struct MediaGrant: Sendable, Equatable, Hashable {
    /// Audio is forwarded (not muted by themselves or a host, and their role may speak).
    public var audio: Bool
    /// Camera video is forwarded.
    public var camera: Bool
    /// A screen track is accepted and forwarded (the state machine has them sharing).
    public var screen: Bool

    public init(audio: Bool, camera: Bool, screen: Bool) {
        self.audio = audio
        self.camera = camera
        self.screen = screen
    }

    public static let nothing = MediaGrant(audio: false, camera: false, screen: false)
}

extension MeetingRoom {
    /// One grant per participant in the meeting; anyone absent (waiting, removed, gone, or every
    /// seat once the meeting ended) has no media at all and their transports are closed.
    public var mediaGrants: [UUID: MediaGrant] {
        guard !ended else { return [:] }
        var grants: [UUID: MediaGrant] = [:]
        for person in inMeeting {
            let role = Role.meeting(person.role)
            grants[person.id] = MediaGrant(
                audio: !person.audioMuted && PermissionTable.allows(role, .meetingPublishAudio),
                camera: person.videoOn && PermissionTable.allows(role, .meetingPublishVideo),
                screen: person.sharingScreen && PermissionTable.allows(role, .meetingShareScreen)
            )
        }
        return grants
    }
}

/// What a published media track carries; the meeting state decides who may publish each kind.
public enum TrackSource: String, Codable, Sendable, CaseIterable {
    case microphone
    case camera
    case screen
    case screenAudio
}

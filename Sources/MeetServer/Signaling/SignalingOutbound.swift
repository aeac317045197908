import Foundation
import MeetCore

/// What the server sends on a signaling socket: a JSON text message, or a close with a code.
enum SignalingOutbound: Sendable {
    case text(String)
    case close(code: UInt16, reason: String)

    /// A participant as others see them: no account ids, no addresses.
    struct ParticipantView: Encodable, Sendable {
        let seat: UUID
        let displayName: String
        let role: MeetingRole
        let status: Participant.Status
        let audioMuted: Bool
        let videoOn: Bool
        let sharingScreen: Bool
        let handRaised: Bool
        /// `{"publicKey", "order"}` once the seat announced its key in an E2EE meeting; absent before.
        let e2ee: E2EEIdentity?

        init(_ participant: Participant) {
            seat = participant.id
            displayName = participant.displayName
            role = participant.role
            status = participant.status
            audioMuted = participant.audioMuted
            videoOn = participant.videoOn
            sharingScreen = participant.sharingScreen
            handRaised = participant.handRaised
            e2ee = participant.e2ee
        }
    }

    struct MeetingSnapshot: Encodable, Sendable {
        let title: String
        let settings: MeetingSettings
        let locked: Bool
        let recording: Bool
        let you: UUID
        let participants: [ParticipantView]
        /// How to reach the SFU (ICE servers with this seat's TURN credential).
        let media: MediaAccess?
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// `{"v":1, …fields}` as text.
    static func message(_ fields: [String: any Encodable & Sendable]) -> SignalingOutbound {
        var object: [String: AnyEncodable] = ["v": AnyEncodable(1)]
        for (key, value) in fields { object[key] = AnyEncodable(value) }
        let data =
            (try? encoder.encode(object))
            ?? Data(#"{"v":1,"type":"error","code":"internal","message":"The server could not encode a message."}"#.utf8)
        return .text(String(decoding: data, as: UTF8.self))
    }

    static func ok(_ re: String, _ fields: [String: any Encodable & Sendable] = [:]) -> SignalingOutbound {
        message(fields.merging(["type": "ok", "re": re]) { _, new in new })
    }

    static func error(_ re: String?, code: String, message text: String) -> SignalingOutbound {
        var fields: [String: any Encodable & Sendable] = ["type": "error", "code": code, "message": text]
        if let re { fields["re"] = re }
        return message(fields)
    }

    static func event(_ event: MeetingEvent, room: MeetingRoom, media: (UUID) -> MediaAccess? = { _ in nil }) -> SignalingOutbound {
        func named(_ name: String, _ fields: [String: any Encodable & Sendable] = [:]) -> SignalingOutbound {
            message(fields.merging(["type": "event", "event": name]) { _, new in new })
        }
        switch event {
        case .admitted(let seat):
            let snapshot = MeetingSnapshot(
                title: room.title,
                settings: room.settings,
                locked: room.locked,
                recording: room.recording,
                you: seat,
                participants: room.inMeeting.map(ParticipantView.init),
                media: media(seat)
            )
            return named("admitted", ["meeting": snapshot])
        case .waitingForHost(_, let title): return named("waiting", ["title": title])
        case .denied: return named("denied")
        case .participantJoined(let participant): return named("participant_joined", ["participant": ParticipantView(participant)])
        case .participantChanged(let participant): return named("participant_changed", ["participant": ParticipantView(participant)])
        case .participantLeft(let seat, let reason): return named("participant_left", ["seat": seat, "reason": reason.rawValue])
        case .waitingListChanged(let waiting): return named("waiting_list", ["waiting": waiting.map(ParticipantView.init)])
        case .removed(_, let mayRejoin): return named("removed", ["mayRejoin": mayRejoin])
        case .mutedByHost(_, let by): return named("muted_by_host", ["by": by])
        case .askedToUnmute(_, let by): return named("asked_to_unmute", ["by": by])
        case .videoStoppedByHost(_, let by): return named("video_stopped_by_host", ["by": by])
        case .screenShareStoppedByHost(_, let by): return named("screen_share_stopped_by_host", ["by": by])
        case .lockChanged(let locked, let by): return named("lock_changed", ["locked": locked, "by": by])
        case .recordingChanged(let recording, let by): return named("recording_changed", ["recording": recording, "by": by])
        case .settingsChanged(let settings, let by): return named("settings_changed", ["settings": settings, "by": by])
        case .hostChanged(let host, let coHosts):
            var fields: [String: any Encodable & Sendable] = ["coHosts": coHosts]
            if let host { fields["host"] = host }
            return named("host_changed", fields)
        case .chat(let from, let name, let text): return named("chat", ["from": from, "name": name, "text": text])
        case .e2eeChat(let from, let name, let message): return named("chat", ["from": from, "name": name, "e2ee": message])
        case .e2eeKey(let from, let epoch, let payload):
            return named("e2ee_key", ["from": from, "epoch": epoch.value, "payload": payload.description])
        case .e2eeRatchet(let from, let epoch): return named("e2ee_ratchet", ["from": from, "epoch": epoch.value])
        case .ended(let by): return named("ended", by.map { ["by": $0] } ?? [:])
        }
    }
}

/// Type erasure for building JSON objects from mixed values.
struct AnyEncodable: Encodable, Sendable {
    let value: any Encodable & Sendable
    init(_ value: any Encodable & Sendable) { self.value = value }
    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}

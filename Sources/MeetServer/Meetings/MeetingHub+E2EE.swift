import Foundation
import MeetCore
import MeetCrypto

/// The hub's side of end-to-end encrypted meetings: the chat archive of both kinds of message, the
/// rule that encryption is not switched under people's feet, and the malicious-server test hook.
extension MeetingHub {
    /// Archives the chat messages among `deliveries` (plain text, or an E2EE meeting's ciphertext as it came).
    func archiveChat(_ deliveries: [MeetingDelivery], meetingID: String, organizationID: UUID) async throws {
        guard let chat else { return }
        for delivery in deliveries {
            let sent: (from: UUID, name: String, text: String, e2ee: E2EEChatMessage?)
            switch delivery.event {
            case .chat(let from, let name, let text): sent = (from, name, text, nil)
            case .e2eeChat(let from, let name, let encrypted): sent = (from, name, "", encrypted)
            default: continue
            }
            let message = ChatMessage(
                id: UUID(),
                meetingID: meetingID,
                organizationID: organizationID,
                sentAt: now(),
                from: sent.from,
                name: sent.name,
                text: sent.text,
                e2ee: sent.e2ee
            )
            try await chat.append(message)
        }
    }

    /// A host's settings change over HTTPS: end-to-end encryption is not turned on or off while
    /// anyone holds a seat (in the meeting, waiting, or kept for `resume`), since their browsers
    /// already chose how to send media and chat.
    func checkSettingsChange(_ record: MeetingRecord, to settings: MeetingSettings) throws {
        // Loaded if need be: seats kept over a restart count too.
        let live = record.endedAt == nil ? room(record) : nil
        guard let live, !live.participants.isEmpty, live.settings.e2ee != settings.e2ee else { return }
        throw MeetError(
            .conflict,
            "End-to-end encryption cannot be turned \(settings.e2ee ? "on" : "off") while people are in the meeting.",
            field: "e2ee"
        )
    }

    /// Test hook (`DIGITALMEET_TEST_SUBSTITUTE_E2EE_KEY`, never set in production): the key
    /// announced by the participant with that display name is replaced with one the server made,
    /// for everyone, the announcer included. The same announced key maps to the same substitute, so
    /// announcing again is still accepted; a different key still conflicts.
    func substitutingE2EEKey(in command: MeetingRoom.Command, meetingID: String, seat: UUID) -> MeetingRoom.Command {
        guard let name = substituteE2EEKeyOf, case .announceE2EEKey(let announced) = command,
            var live = rooms[meetingID], live.room.participant(seat)?.displayName == name
        else { return command }
        if let earlier = live.substitutedKeys[seat] {
            return earlier.announced == announced ? .announceE2EEKey(earlier.stored) : command
        }
        guard live.room.participant(seat)?.e2ee == nil, let substitute = E2EEPublicKey.unrelated() else { return command }
        live.substitutedKeys[seat] = (announced, substitute)
        rooms[meetingID] = live
        logger.warning(
            "Test hook: replaced an announced E2EE public key",
            metadata: ["event": "test.e2ee_key_substituted", "meeting": "\(meetingID)", "seat": "\(seat)"]
        )
        return .announceE2EEKey(substitute)
    }
}

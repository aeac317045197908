import Foundation

/// The server's part of end-to-end encrypted meetings (docs/e2ee.md): it keeps each seat's public
/// key and relays wrapped secrets, ratchet notices and encrypted chat between people in the
/// meeting. It checks who may send what to whom and how much, never the contents.
extension MeetingRoom {
    /// Called by `perform` (on a copy of the room, so a refusal changes nothing) for people in the meeting.
    mutating func applyE2EE(_ command: Command, actor: Participant) throws -> [MeetingDelivery] {
        guard settings.e2ee else {
            throw MeetError(.policyViolation, "This meeting is not end-to-end encrypted: it takes no E2EE keys or encrypted chat.")
        }
        switch command {
        case .e2eeChat(let message):
            guard settings.chatEnabled else { throw MeetError(.forbidden, "Chat is turned off in this meeting.") }
            return [MeetingDelivery(.inMeeting, .e2eeChat(from: actor.id, name: actor.displayName, message: message))]
        case .announceE2EEKey(let key):
            // One key per seat: a browser that lost its key pair joins again (a new seat).
            if let announced = actor.e2ee {
                guard announced.publicKey == key else {
                    throw MeetError(.conflict, "This seat already announced a different public key; join again to use a new one.")
                }
                return []
            }
            e2eeLastOrder += 1
            let identity = E2EEIdentity(publicKey: key, order: e2eeLastOrder)
            update(actor.id) { $0.e2ee = identity }
            return changed(actor.id)
        case .sendE2EEKey(let seat, let epoch, let payload):
            try requireAnnounced(actor)
            guard seat != actor.id else { throw MeetError(.invalidInput, "Send meeting keys to someone else.", field: "to") }
            guard let recipient = participant(seat), recipient.status == .inMeeting else {
                throw MeetError(.notFound, "That person is not in the meeting.")
            }
            guard recipient.e2ee != nil else { throw MeetError(.conflict, "That person has not announced a public key yet.") }
            return [MeetingDelivery(.seat(seat), .e2eeKey(from: actor.id, epoch: epoch, payload: payload))]
        case .ratchetE2EE(let epoch):
            try requireAnnounced(actor)
            return [MeetingDelivery(.inMeetingExcept(actor.id), .e2eeRatchet(from: actor.id, epoch: epoch))]
        default:
            return []
        }
    }

    private func requireAnnounced(_ actor: Participant) throws {
        guard actor.e2ee != nil else { throw MeetError(.conflict, "Announce your public key first (e2ee_public_key).") }
    }
}

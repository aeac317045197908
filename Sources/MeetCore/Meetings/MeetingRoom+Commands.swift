import Foundation

extension MeetingRoom {
    /// Everything a participant or a host can ask of the meeting. Each is checked against the
    /// permission table for the actor's meeting role, then against the meeting's own settings.
    public enum Command: Sendable, Equatable {
        case admit(UUID)
        case admitAll
        case deny(UUID)
        case remove(UUID, allowRejoin: Bool)
        case mute(UUID)
        case muteAll
        case askToUnmute(UUID)
        case stopVideo(UUID)
        case stopScreenShare(UUID)
        case lowerHandOf(UUID)
        case setScreenSharing(MeetingPolicy.ScreenSharing)
        case lock
        case unlock
        case startRecording
        case stopRecording
        case makeCoHost(UUID)
        case removeCoHost(UUID)
        case transferHost(UUID)
        case endForAll
        case raiseHand
        case lowerHand
        case chat(String)
        /// Chat in an end-to-end encrypted meeting (plain `chat` is refused there).
        case e2eeChat(E2EEChatMessage)
        /// E2EE key management (docs/e2ee.md): announce this seat's public key, send a wrapped
        /// meeting secret to one other seat, tell everyone else the secret was ratcheted.
        case announceE2EEKey(E2EEPublicKey)
        case sendE2EEKey(to: UUID, epoch: E2EEEpoch, payload: E2EEKeyPayload)
        case ratchetE2EE(E2EEEpoch)
        case rename(String)
        case setMedia(audioMuted: Bool?, videoOn: Bool?)
        case startScreenShare
        case stopOwnScreenShare
        case consentToRecording(Bool)
        case leave

        /// The permission the actor's role must hold; nil for what anyone present may do to themselves.
        public var permission: Permission? {
            switch self {
            case .admit, .admitAll, .deny: .meetingAdmit
            case .remove: .meetingRemove
            case .mute, .muteAll, .askToUnmute, .lowerHandOf: .meetingMuteOthers
            case .stopVideo: .meetingStopVideo
            case .stopScreenShare: .meetingStopScreenShare
            case .setScreenSharing: .meetingChangeSettings
            case .lock, .unlock: .meetingLock
            case .startRecording, .stopRecording: .meetingRecord
            case .makeCoHost, .removeCoHost: .meetingMakeCoHost
            case .transferHost: .meetingTransferHost
            case .endForAll: .meetingEnd
            case .raiseHand, .lowerHand: .meetingRaiseHand
            case .chat, .e2eeChat: .meetingChat
            case .rename: .meetingRename
            case .setMedia(let audioMuted, let videoOn):
                audioMuted == false ? .meetingPublishAudio : videoOn == true ? .meetingPublishVideo : nil
            case .startScreenShare: .meetingShareScreen
            case .stopOwnScreenShare, .consentToRecording, .leave, .announceE2EEKey, .sendE2EEKey, .ratchetE2EE: nil
            }
        }

        /// The audit action of a security-relevant command (recorded when it changed something).
        public var auditAction: AuditAction? {
            switch self {
            case .admit, .admitAll: .meetingAdmitted
            case .deny: .meetingDenied
            case .remove: .meetingParticipantRemoved
            case .lock: .meetingLocked
            case .unlock: .meetingUnlocked
            case .startRecording: .meetingRecordingStarted
            case .stopRecording: .meetingRecordingStopped
            case .makeCoHost, .removeCoHost, .transferHost: .meetingRolesChanged
            case .setScreenSharing: .meetingSettingsChanged
            case .endForAll: .meetingEnded
            default: nil
            }
        }
    }

    public static let maximumChatLength = 2000

    /// Applies a command from a seat, or throws without changing anything.
    public mutating func perform(_ command: Command, by seat: UUID, floor: MeetingPolicy) throws -> [MeetingDelivery] {
        guard !ended else { throw MeetError(.meetingEnded, "This meeting has ended.") }
        guard let actor = participant(seat) else { throw MeetError(.notFound, "You are not in this meeting.") }
        if case .leave = command { return leave(seat, reason: .left) }
        guard actor.status == .inMeeting else { throw MeetError(.forbidden, "Wait for a host to let you in.") }
        if let permission = command.permission, !PermissionTable.allows(.meeting(actor.role), permission) {
            throw MeetError(.forbidden, "Your role in this meeting (\(actor.role.rawValue)) does not allow that.")
        }
        var copy = self
        let deliveries = try copy.apply(command, actor: actor, floor: floor)
        self = copy
        return deliveries
    }

    private mutating func apply(_ command: Command, actor: Participant, floor: MeetingPolicy) throws -> [MeetingDelivery] {
        switch command {
        case .admit(let target):
            let person = try waitingPerson(target)
            return admit([person])
        case .admitAll:
            return admit(waiting)
        case .deny(let target):
            let person = try waitingPerson(target)
            remove(person.id)
            return [
                MeetingDelivery(.seat(person.id), .denied(seat: person.id)),
                MeetingDelivery(.moderators, .waitingListChanged(waiting)),
            ]
        case .remove(let target, let allowRejoin):
            let person = try managed(target, by: actor)
            removedIdentities[person.identity] = allowRejoin
            if allowRejoin { removedTickets.remove(person.ticketID) } else { removedTickets.insert(person.ticketID) }
            return [MeetingDelivery(.seat(person.id), .removed(seat: person.id, mayRejoin: allowRejoin))] + leave(person.id, reason: .removed)
        case .mute(let target):
            let person = try managed(target, by: actor, present: true)
            guard !person.audioMuted else { return [] }
            update(person.id) { $0.audioMuted = true }
            return [MeetingDelivery(.seat(person.id), .mutedByHost(seat: person.id, by: actor.id))] + changed(person.id)
        case .muteAll:
            var deliveries: [MeetingDelivery] = []
            for person in inMeeting where !person.isModerator && !person.audioMuted {
                update(person.id) { $0.audioMuted = true }
                deliveries += [MeetingDelivery(.seat(person.id), .mutedByHost(seat: person.id, by: actor.id))] + changed(person.id)
            }
            return deliveries
        case .askToUnmute(let target):
            // A host may ask; only the person can unmute.
            let person = try managed(target, by: actor, present: true)
            guard person.audioMuted else { return [] }
            return [MeetingDelivery(.seat(person.id), .askedToUnmute(seat: person.id, by: actor.id))]
        case .stopVideo(let target):
            let person = try managed(target, by: actor, present: true)
            guard person.videoOn else { return [] }
            update(person.id) { $0.videoOn = false }
            return [MeetingDelivery(.seat(person.id), .videoStoppedByHost(seat: person.id, by: actor.id))] + changed(person.id)
        case .stopScreenShare(let target):
            let person = try managed(target, by: actor, present: true)
            guard person.sharingScreen else { return [] }
            update(person.id) { $0.sharingScreen = false }
            return [MeetingDelivery(.seat(person.id), .screenShareStoppedByHost(seat: person.id, by: actor.id))] + changed(person.id)
        case .lowerHandOf(let target):
            let person = try managed(target, by: actor, present: true)
            guard person.handRaised else { return [] }
            update(person.id) { $0.handRaised = false }
            return changed(person.id)
        case .setScreenSharing(let rule):
            if rule == .everyone && floor.whoMayShareScreen == .hosts {
                throw MeetError(.policyViolation, "Your organisation lets only hosts share screens.")
            }
            guard settings.whoMayShareScreen != rule else { return [] }
            settings.whoMayShareScreen = rule
            var deliveries = [MeetingDelivery(.inMeeting, .settingsChanged(settings, by: actor.id))]
            if rule == .hosts {
                for person in inMeeting where person.sharingScreen && !person.isModerator {
                    update(person.id) { $0.sharingScreen = false }
                    deliveries += [MeetingDelivery(.seat(person.id), .screenShareStoppedByHost(seat: person.id, by: actor.id))] + changed(person.id)
                }
            }
            return deliveries
        case .lock, .unlock:
            let lock = command == .lock
            guard locked != lock else { return [] }
            locked = lock
            return [MeetingDelivery(.inMeeting, .lockChanged(locked: lock, by: actor.id))]
        case .startRecording:
            guard settings.whoMayRecord == .hosts else { throw MeetError(.forbidden, "Recording is turned off for this meeting.") }
            guard !settings.e2ee else {
                throw MeetError(
                    .forbidden,
                    "Cloud recording cannot start in an end-to-end encrypted meeting: the server cannot see its audio or video."
                )
            }
            guard !recording else { return [] }
            recording = true
            for person in participants { update(person.id) { $0.recordingConsent = $0.id == actor.id } }
            return [MeetingDelivery(.inMeeting, .recordingChanged(recording: true, by: actor.id))]
        case .stopRecording:
            guard recording else { return [] }
            recording = false
            return [MeetingDelivery(.inMeeting, .recordingChanged(recording: false, by: actor.id))]
        case .makeCoHost(let target), .removeCoHost(let target):
            let person = try managed(target, by: actor, present: true)
            let make = command == .makeCoHost(target)
            guard case .member = person.identity else { throw MeetError(.forbidden, "Only people with an account can be co-hosts.") }
            guard (person.role == .coHost) != make else { return [] }
            if make { coHostIdentities.insert(person.identity) } else { coHostIdentities.remove(person.identity) }
            update(person.id) { $0.role = make ? .coHost : .participant }
            return hostChanged() + changed(person.id) + (make ? waitingListFor(person.id) : [])
        case .transferHost(let target):
            let person = try managed(target, by: actor, present: true)
            guard case .member = person.identity else { throw MeetError(.forbidden, "Only people with an account can host.") }
            hostIdentity = person.identity
            coHostIdentities.remove(person.identity)
            coHostIdentities.insert(actor.identity)
            update(person.id) { $0.role = .host }
            update(actor.id) { $0.role = .coHost }
            return hostChanged() + changed(person.id) + changed(actor.id) + waitingListFor(person.id)
        case .endForAll:
            ended = true
            recording = false
            let waitingSeats = waiting.map(\.id)
            removeAll()
            return [MeetingDelivery(.inMeeting, .ended(by: actor.id))] + waitingSeats.map { MeetingDelivery(.seat($0), .ended(by: actor.id)) }
        case .raiseHand, .lowerHand:
            let raise = command == .raiseHand
            guard actor.handRaised != raise else { return [] }
            update(actor.id) { $0.handRaised = raise }
            return changed(actor.id)
        case .chat(let text):
            guard settings.chatEnabled else { throw MeetError(.forbidden, "Chat is turned off in this meeting.") }
            guard !settings.e2ee else { throw MeetError(.policyViolation, "Chat in this meeting is end-to-end encrypted: send it encrypted (e2ee).") }
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard (1...Self.maximumChatLength).contains(trimmed.count) else {
                throw MeetError(.invalidInput, "A chat message has 1 to \(Self.maximumChatLength) characters.", field: "text")
            }
            return [MeetingDelivery(.inMeeting, .chat(from: actor.id, name: actor.displayName, text: trimmed))]
        case .e2eeChat, .announceE2EEKey, .sendE2EEKey, .ratchetE2EE:
            return try applyE2EE(command, actor: actor)
        case .rename(let name):
            guard settings.allowRename else { throw MeetError(.forbidden, "Renaming is turned off in this meeting.") }
            let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
            guard (1...100).contains(trimmed.count) else {
                throw MeetError(.invalidInput, "Give a name of 1 to 100 characters.", field: "displayName")
            }
            update(actor.id) { $0.displayName = trimmed }
            return changed(actor.id)
        case .setMedia(let audioMuted, let videoOn):
            if audioMuted == false, !PermissionTable.allows(.meeting(actor.role), .meetingPublishAudio) {
                throw MeetError(.forbidden, "You may not speak in this meeting.")
            }
            if videoOn == true, !PermissionTable.allows(.meeting(actor.role), .meetingPublishVideo) {
                throw MeetError(.forbidden, "You may not turn on your camera in this meeting.")
            }
            update(actor.id) { person in
                if let audioMuted { person.audioMuted = audioMuted }
                if let videoOn { person.videoOn = videoOn }
            }
            return changed(actor.id)
        case .startScreenShare:
            guard settings.whoMayShareScreen == .everyone || actor.isModerator else {
                throw MeetError(.forbidden, "Only hosts may share their screen in this meeting.")
            }
            if let other = inMeeting.first(where: { $0.sharingScreen && $0.id != actor.id }) {
                throw MeetError(.conflict, "\(other.displayName) is sharing their screen; one screen at a time.")
            }
            guard !actor.sharingScreen else { return [] }
            update(actor.id) { $0.sharingScreen = true }
            return changed(actor.id)
        case .stopOwnScreenShare:
            guard actor.sharingScreen else { return [] }
            update(actor.id) { $0.sharingScreen = false }
            return changed(actor.id)
        case .consentToRecording(let consent):
            guard recording else { return [] }
            // Declining a recording means leaving it.
            guard consent else { return leave(actor.id, reason: .left) }
            update(actor.id) { $0.recordingConsent = true }
            return changed(actor.id)
        case .leave:
            return leave(actor.id, reason: .left)
        }
    }

    private func waitingPerson(_ seat: UUID) throws -> Participant {
        guard let person = participant(seat), person.status == .waiting else {
            throw MeetError(.notFound, "That person is not in the waiting room.")
        }
        return person
    }

    /// A target of a host action: present, not the actor, and not the host unless the host acts.
    private func managed(_ seat: UUID, by actor: Participant, present: Bool = false) throws -> Participant {
        guard let person = participant(seat), !present || person.status == .inMeeting else {
            throw MeetError(.notFound, "That person is not in the meeting.")
        }
        guard person.id != actor.id else { throw MeetError(.forbidden, "You cannot do that to yourself.") }
        if person.role == .host || (person.role == .coHost && actor.role != .host) {
            throw MeetError(.forbidden, "Only the host can do that to a \(person.role == .host ? "host" : "co-host").")
        }
        return person
    }

    private mutating func admit(_ people: [Participant]) -> [MeetingDelivery] {
        guard !people.isEmpty else { return [] }
        var deliveries: [MeetingDelivery] = []
        for person in people {
            update(person.id) { $0.status = .inMeeting }
            guard let admitted = participant(person.id) else { continue }
            deliveries.append(MeetingDelivery(.seat(person.id), .admitted(seat: person.id)))
            deliveries.append(MeetingDelivery(.inMeeting, .participantJoined(admitted)))
        }
        deliveries.append(MeetingDelivery(.moderators, .waitingListChanged(waiting)))
        return deliveries
    }

    /// A new moderator learns who is waiting.
    private func waitingListFor(_ seat: UUID) -> [MeetingDelivery] {
        waiting.isEmpty ? [] : [MeetingDelivery(.seat(seat), .waitingListChanged(waiting))]
    }

    func changed(_ seat: UUID) -> [MeetingDelivery] {
        participant(seat).map { [MeetingDelivery(.inMeeting, .participantChanged($0))] } ?? []
    }

    private func hostChanged() -> [MeetingDelivery] {
        let host = inMeeting.first { $0.role == .host }?.id
        return [MeetingDelivery(.inMeeting, .hostChanged(host: host, coHosts: inMeeting.filter { $0.role == .coHost }.map(\.id)))]
    }
}

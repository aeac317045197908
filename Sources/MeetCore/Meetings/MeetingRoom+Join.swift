import Foundation

extension MeetingRoom {
    /// Someone arriving with a valid join ticket. What the ticket does not decide is decided here.
    public struct JoinRequest: Sendable, Equatable {
        public var seat: UUID
        public var identity: ParticipantIdentity
        public var ticketID: UUID
        public var displayName: String
        /// The person is signed in / a member of the meeting's organisation / on the invitation list.
        public var signedIn: Bool
        public var organizationMember: Bool
        public var invited: Bool
        public var at: Date

        public init(
            seat: UUID = UUID(),
            identity: ParticipantIdentity,
            ticketID: UUID,
            displayName: String,
            signedIn: Bool,
            organizationMember: Bool,
            invited: Bool,
            at: Date
        ) {
            self.seat = seat
            self.identity = identity
            self.ticketID = ticketID
            self.displayName = displayName
            self.signedIn = signedIn
            self.organizationMember = organizationMember
            self.invited = invited
            self.at = at
        }
    }

    /// The role someone would have on joining.
    public func role(of identity: ParticipantIdentity, organizationMember: Bool) -> MeetingRole {
        if identity == hostIdentity { return .host }
        if coHostIdentities.contains(identity) { return .coHost }
        if case .member = identity, organizationMember { return .participant }
        return .guest
    }

    /// Seats a person: in the meeting, or in the waiting room. Whether the host is present changes
    /// nothing: arriving early never skips the waiting room.
    public mutating func join(_ request: JoinRequest) throws -> [MeetingDelivery] {
        guard !ended else { throw MeetError(.meetingEnded, "This meeting has ended.") }
        if removedTickets.contains(request.ticketID) || removedIdentities[request.identity] == false {
            throw MeetError(.removedFromMeeting, "A host removed you from this meeting.")
        }
        let role = role(of: request.identity, organizationMember: request.organizationMember)
        let moderator = role == .host || role == .coHost
        if !moderator {
            switch settings.whoMayJoin {
            case .anyoneWithLink: break
            case .signedIn:
                guard request.signedIn else { throw MeetError(.forbidden, "Sign in to join this meeting.") }
            case .organization:
                guard request.organizationMember else { throw MeetError(.forbidden, "Only members of the organisation may join this meeting.") }
            case .invited:
                guard request.invited else { throw MeetError(.forbidden, "Only invited people may join this meeting.") }
            }
            // A locked meeting admits nobody new, whatever they hold; its hosts may come back.
            guard !locked else { throw MeetError(.meetingLocked, "The meeting is locked: nobody new can join.") }
        }
        let name = request.displayName.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...100).contains(name.count) else { throw MeetError(.invalidInput, "Give a name of 1 to 100 characters.", field: "displayName") }
        var deliveries: [MeetingDelivery] = []
        // The same person joining again (another tab or device) takes the place of their earlier seat.
        for earlier in participants where earlier.identity == request.identity {
            deliveries.append(MeetingDelivery(.seat(earlier.id), .participantLeft(seat: earlier.id, reason: .replaced)))
            deliveries += leave(earlier.id, reason: .replaced)
        }
        guard moderator || participants.count < settings.participantLimit else {
            throw MeetError(.meetingFull, "The meeting is full (\(settings.participantLimit) people).")
        }
        let waits =
            !moderator
            && (settings.waitingRoom == .everyone || (settings.waitingRoom == .guests && role == .guest))
        let participant = Participant(
            id: request.seat,
            identity: request.identity,
            ticketID: request.ticketID,
            displayName: name,
            role: role,
            status: waits ? .waiting : .inMeeting,
            audioMuted: settings.muteOnEntry && !moderator,
            videoOn: false,
            sharingScreen: false,
            handRaised: false,
            recordingConsent: false,
            joinedAt: request.at
        )
        insert(participant)
        if waits {
            deliveries.append(MeetingDelivery(.seat(participant.id), .waitingForHost(seat: participant.id, title: title)))
            deliveries.append(MeetingDelivery(.moderators, .waitingListChanged(waiting)))
        } else {
            deliveries.append(MeetingDelivery(.seat(participant.id), .admitted(seat: participant.id)))
            deliveries.append(MeetingDelivery(.inMeeting, .participantJoined(participant)))
            // A host or co-host arriving learns who is already waiting.
            if moderator && !waiting.isEmpty { deliveries.append(MeetingDelivery(.seat(participant.id), .waitingListChanged(waiting))) }
        }
        return deliveries
    }

    /// Takes a seat away and says so to whoever needs to know.
    mutating func leave(_ seat: UUID, reason: MeetingEvent.LeaveReason) -> [MeetingDelivery] {
        guard let participant = participant(seat) else { return [] }
        remove(seat)
        if participant.status == .waiting {
            return [MeetingDelivery(.moderators, .waitingListChanged(waiting))]
        }
        return [MeetingDelivery(.inMeeting, .participantLeft(seat: seat, reason: reason))]
    }
}

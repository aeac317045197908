/// Which of a participant's two peer connections: publish (the browser offers and sends) or
/// subscribe (the SFU offers and sends).
public enum PeerRole: String, Sendable, Hashable {
    case publish
    case subscribe
}

/// What the SFU tells the signaling server.
public enum SFUEvent: Sendable, Equatable {
    /// The tracks a subscriber receives changed: send them this offer (SDP text) and pass their
    /// answer to `applySubscribeAnswer`.
    case subscribeOfferNeeded(meeting: String, participant: String, offer: String)
    /// A peer connection finished ICE and DTLS.
    case connected(meeting: String, participant: String, role: PeerRole)
    /// A peer connection closed: consent expired, DTLS failed, or the router closed it.
    case closed(meeting: String, participant: String, role: PeerRole, reason: PeerCloseReason)
}

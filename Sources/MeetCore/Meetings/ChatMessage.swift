import Foundation

/// A chat message of a meeting as it is archived: the text and the sender's name are sealed under
/// the organisation's data key; only the ids and the time are in clear, for ordering and retention.
/// In an end-to-end encrypted meeting the server never has the text: `text` is empty and `e2ee`
/// holds the participants' ciphertext, which is archived (sealed again) as it came.
public struct ChatMessage: Sendable, Equatable, Codable {
    public var id: UUID
    public var meetingID: String
    public var organizationID: UUID
    public var sentAt: Date
    /// The sender's seat in the meeting.
    public var from: UUID
    public var name: String
    public var text: String
    public var e2ee: E2EEChatMessage?

    public init(
        id: UUID,
        meetingID: String,
        organizationID: UUID,
        sentAt: Date,
        from: UUID,
        name: String,
        text: String,
        e2ee: E2EEChatMessage? = nil
    ) {
        self.id = id
        self.meetingID = meetingID
        self.organizationID = organizationID
        self.sentAt = sentAt
        self.from = from
        self.name = name
        self.text = text
        self.e2ee = e2ee
    }
}

/// Where chat messages are kept, encrypted, for as long as the organisation's retention policy says.
public protocol ChatArchive: Sendable {
    /// Stores a message; it is shown to the meeting only after this returns.
    func append(_ message: ChatMessage) async throws
    /// A meeting's messages in the order they were sent, at most `limit`, after the message `after`.
    func messages(meetingID: String, after: UUID?, limit: Int) async throws -> [ChatMessage]
    /// Deletes every message older than its organisation keeps chat. Returns how many were deleted.
    func purgeExpired(at now: Date) async throws -> Int
}

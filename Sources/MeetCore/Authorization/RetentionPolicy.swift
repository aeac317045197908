/// How long an organisation keeps what its meetings leave behind. The hourly maintenance deletes
/// what is older; the audit log is not covered (it is kept for investigations, see `docs/audit.md`).
public struct RetentionPolicy: Sendable, Equatable {
    /// Days a chat message is kept after it was sent.
    public var chatMessageDays: Int

    public static let chatMessageDaysRange = 1...3650

    public init(chatMessageDays: Int) throws(MeetError) {
        guard Self.chatMessageDaysRange.contains(chatMessageDays) else {
            throw MeetError(
                .invalidInput,
                "Chat messages are kept between \(Self.chatMessageDaysRange.lowerBound) and \(Self.chatMessageDaysRange.upperBound) days.",
                field: "chatMessageDays"
            )
        }
        self.chatMessageDays = chatMessageDays
    }

    private init(unchecked chatMessageDays: Int) { self.chatMessageDays = chatMessageDays }

    /// Thirty days of chat.
    public static let standard = RetentionPolicy(unchecked: 30)
}

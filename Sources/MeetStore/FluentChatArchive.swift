import FluentKit
import Foundation
import MeetCore
import MeetCrypto
import SQLKit

/// `ChatArchive` over the store. The sender's name and the text are one AES-256-GCM envelope under
/// the organisation's data key, bound to the row id, so a row cannot be moved or swapped unnoticed;
/// erasing the organisation destroys the key and with it every copy of its chat.
public struct FluentChatArchive: ChatArchive {
    let store: Store
    let dataKeys: DataKeyRing

    public init(store: Store, dataKeys: DataKeyRing) {
        self.store = store
        self.dataKeys = dataKeys
    }

    struct Sealed: Codable {
        let from: UUID
        let name: String
        let text: String
        /// The ciphertext of an end-to-end encrypted meeting's message (absent in rows of other meetings).
        let e2ee: E2EEChatMessage?
    }

    public func append(_ message: ChatMessage) async throws {
        let plaintext = try JSONEncoder().encode(Sealed(from: message.from, name: message.name, text: message.text, e2ee: message.e2ee))
        let envelope = try await dataKeys.seal(
            plaintext,
            scope: .organization(message.organizationID),
            binding: EncryptedColumn.chatMessage.binding(rowID: message.id)
        )
        try await store.write { database in
            try await database.sqlDatabase().insert(into: "chat_messages")
                .columns("id", "meeting_id", "organization_id", "sent_at_ms", "message_ciphertext")
                .values(
                    SQLBind(message.id),
                    SQLBind(message.meetingID),
                    SQLBind(message.organizationID),
                    SQLBind(FluentMeetingRepository.ms(message.sentAt)),
                    SQLBind(Data(envelope))
                )
                .run()
        }
    }

    public func messages(meetingID: String, after: UUID?, limit: Int) async throws -> [ChatMessage] {
        var query = try store.sql.select().columns("id", "organization_id", "sent_at_ms", "message_ciphertext").from("chat_messages")
            .where("meeting_id", .equal, meetingID)
        if let after {
            guard
                let anchor = try await store.sql.select().column("sent_at_ms").from("chat_messages")
                    .where("id", .equal, after).where("meeting_id", .equal, meetingID).first()
            else { throw MeetError(.invalidInput, "There is no such message in this meeting.", field: "after") }
            let sentAt = try anchor.decode(column: "sent_at_ms", as: Int64.self)
            query = query.where { group in
                group.where("sent_at_ms", .greaterThan, sentAt)
                    .orWhere { tie in tie.where("sent_at_ms", .equal, sentAt).where("id", .greaterThan, after) }
            }
        }
        let rows = try await query.orderBy("sent_at_ms").orderBy("id").limit(max(0, min(limit, 1000))).all()
        var messages: [ChatMessage] = []
        for row in rows {
            let id = try row.decode(column: "id", as: UUID.self)
            let envelope = Array(try row.decode(column: "message_ciphertext", as: Data.self))
            let plaintext = try await dataKeys.open(envelope, binding: EncryptedColumn.chatMessage.binding(rowID: id))
            let sealed = try JSONDecoder().decode(Sealed.self, from: Data(plaintext))
            messages.append(
                ChatMessage(
                    id: id,
                    meetingID: meetingID,
                    organizationID: try row.decode(column: "organization_id", as: UUID.self),
                    sentAt: Date(timeIntervalSince1970: Double(try row.decode(column: "sent_at_ms", as: Int64.self)) / 1000),
                    from: sealed.from,
                    name: sealed.name,
                    text: sealed.text,
                    e2ee: sealed.e2ee
                )
            )
        }
        return messages
    }

    public func purgeExpired(at now: Date) async throws -> Int {
        let policies = try await store.sql.select().columns("id", "chat_retention_days").from(OrganizationModel.schema).all()
        var deleted = 0
        for row in policies {
            let organizationID = try row.decode(column: "id", as: UUID.self)
            let days = try row.decode(column: "chat_retention_days", as: Int64.self)
            let cutoff = FluentMeetingRepository.ms(now) - days * 86_400_000
            deleted += try await store.write { database in
                let gone = try await database.sqlDatabase().delete(from: "chat_messages")
                    .where("organization_id", .equal, organizationID)
                    .where("sent_at_ms", .lessThan, cutoff)
                    .returning("id")
                    .all()
                    .count
                guard gone > 0 else { return 0 }
                let event = AuditEvent(
                    action: .chatPurged,
                    organizationID: organizationID,
                    target: .organization(organizationID),
                    details: ["count": "\(gone)", "reason": "older than \(days) days"],
                    occurredAt: now
                )
                try await FluentAuditRepository.append([event], on: database)
                return gone
            }
        }
        return deleted
    }
}

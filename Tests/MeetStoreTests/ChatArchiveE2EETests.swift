import Foundation
import MeetCore
import MeetCrypto
import MeetTestSupport
import SQLKit
import Testing

@testable import MeetStore

/// An end-to-end encrypted meeting's chat is archived as the ciphertext the browsers sent, sealed
/// once more under the organisation's key, and comes back byte for byte.
@Suite struct ChatArchiveE2EETests {
    @Test(arguments: TestDatabase.all)
    func ciphertextComesBackAsItWasArchived(database: TestDatabase) async throws {
        try await database.withStore { store, _ in
            let archive = FluentChatArchive(store: store, dataKeys: store.keyRing(MasterKeys(.generate())))
            let organization = UUID()
            try await OrganizationModel(id: organization, name: "Acme").create(on: store.database)
            let epoch = try #require(E2EEEpoch(12))
            let nonce: [UInt8] = (0..<12).map { UInt8($0 + 100) }
            let ciphertext: [UInt8] = (0..<64).map { UInt8(255 - $0) }
            let encrypted = try #require(E2EEChatMessage(epoch: epoch, nonce: nonce, ciphertext: ciphertext))
            let message = ChatMessage(
                id: UUID(),
                meetingID: "e2ee",
                organizationID: organization,
                sentAt: Date(timeIntervalSince1970: 1_790_000_000),
                from: UUID(),
                name: "Ada",
                text: "",
                e2ee: encrypted
            )
            try await archive.append(message)
            try await archive.append(
                ChatMessage(id: UUID(), meetingID: "plain", organizationID: organization, sentAt: Date(), from: UUID(), name: "Bo", text: "hello")
            )
            let back = try await archive.messages(meetingID: "e2ee", after: nil, limit: 10)
            #expect(back == [message])
            #expect(back.first?.e2ee?.ciphertext == encrypted.ciphertext)
            #expect(try await archive.messages(meetingID: "plain", after: nil, limit: 10).map(\.e2ee) == [nil])
            // The ciphertext is sealed again at rest: its base64url is not in the row.
            let rows = try await store.sql.select().column("message_ciphertext").from("chat_messages").all()
            for row in rows {
                let bytes = try row.decode(column: "message_ciphertext", as: Data.self)
                #expect(bytes.range(of: Data(Base64URL.encode(encrypted.ciphertext).utf8)) == nil)
            }
        }
    }
}

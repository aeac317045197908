import FluentKit
import Foundation
import MeetCore
import MeetCrypto
import MeetTestSupport
import SQLKit
import Testing

@testable import MeetStore

@Suite struct ChatArchiveTests {
    static func message(_ text: String, meeting: String, organization: UUID, at sentAt: Date, name: String = "Ada") -> ChatMessage {
        ChatMessage(id: UUID(), meetingID: meeting, organizationID: organization, sentAt: sentAt, from: UUID(), name: name, text: text)
    }

    @Test(arguments: TestDatabase.all)
    func messagesComeBackInOrderPageByPageAndAreSealedInTheDatabase(database: TestDatabase) async throws {
        try await database.withStore { store, backend in
            let ring = store.keyRing(MasterKeys(.generate()))
            let archive = FluentChatArchive(store: store, dataKeys: ring)
            let organization = UUID()
            try await OrganizationModel(id: organization, name: "Acme").create(on: store.database)
            let start = Date(timeIntervalSince1970: 1_790_000_000)
            // Two messages in the same millisecond keep a stable order (by id after time).
            var sent: [ChatMessage] = []
            for index in 0..<7 {
                let message = Self.message(
                    "secret plan number \(index)",
                    meeting: "m1",
                    organization: organization,
                    at: start.addingTimeInterval(Double(index / 2))
                )
                try await archive.append(message)
                sent.append(message)
            }
            try await archive.append(Self.message("another meeting", meeting: "m2", organization: organization, at: start))
            let expected = sent.sorted { ($0.sentAt, $0.id.uuidString) < ($1.sentAt, $1.id.uuidString) }

            var pages: [[ChatMessage]] = []
            var after: UUID?
            repeat {
                let page = try await archive.messages(meetingID: "m1", after: after, limit: 3)
                pages.append(page)
                after = page.count == 3 ? page.last?.id : nil
            } while after != nil
            #expect(pages.map(\.count) == [3, 3, 1])
            #expect(pages.flatMap { $0 }.map(\.text) == expected.map(\.text))
            #expect(pages.flatMap { $0 }.map(\.id).map { $0.uuidString } == expected.map(\.id).map { $0.uuidString })
            #expect(pages[0][0].from == expected[0].from && pages[0][0].name == "Ada")
            await #expect(throws: MeetError.self) { _ = try await archive.messages(meetingID: "m2", after: expected[0].id, limit: 3) }

            // Neither the text nor the name is in clear in what the database holds.
            let rows = try await store.sql.select().columns("id", "message_ciphertext").from("chat_messages").all()
            #expect(rows.count == 8)
            for row in rows {
                let bytes = try row.decode(column: "message_ciphertext", as: Data.self)
                #expect(bytes.range(of: Data("secret plan".utf8)) == nil)
                #expect(bytes.range(of: Data("Ada".utf8)) == nil)
            }
            if case .sqlite(let path) = backend {
                let file = try Data(contentsOf: URL(fileURLWithPath: path))
                #expect(file.range(of: Data("secret plan".utf8)) == nil)
            }
        }
    }

    @Test(arguments: TestDatabase.all)
    func aSealedMessageMovedToAnotherRowDoesNotOpen(database: TestDatabase) async throws {
        try await database.withStore { store, _ in
            let ring = store.keyRing(MasterKeys(.generate()))
            let archive = FluentChatArchive(store: store, dataKeys: ring)
            let organization = UUID()
            let first = Self.message("first", meeting: "m", organization: organization, at: Date())
            let second = Self.message("second", meeting: "m", organization: organization, at: Date().addingTimeInterval(1))
            try await archive.append(first)
            try await archive.append(second)
            let envelope = try #require(
                try await store.sql.select().column("message_ciphertext").from("chat_messages").where("id", .equal, first.id).first()
            ).decode(column: "message_ciphertext", as: Data.self)
            try await store.sql.update("chat_messages").set("message_ciphertext", to: SQLBind(envelope)).where("id", .equal, second.id).run()
            await #expect(throws: EncryptionError.self) { _ = try await archive.messages(meetingID: "m", after: nil, limit: 10) }
        }
    }

    @Test(arguments: TestDatabase.all)
    func eachOrganisationsRetentionDeletesOnlyItsOwnOldMessagesAndIsAudited(database: TestDatabase) async throws {
        try await database.withStore { store, _ in
            let ring = store.keyRing(MasterKeys(.generate()))
            let archive = FluentChatArchive(store: store, dataKeys: ring)
            let organizations = FluentOrganizationRepository(store: store)
            let brief = UUID()
            let long = UUID()
            for id in [brief, long] { try await OrganizationModel(id: id, name: "Org").create(on: store.database) }
            var policy = try #require(try await organizations.organization(id: brief))
            #expect(policy.retention == .standard)
            policy.retention = try RetentionPolicy(chatMessageDays: 1)
            try await organizations.updatePolicy(policy, audit: [])
            #expect(try await organizations.organization(id: brief)?.retention.chatMessageDays == 1)

            let now = Date(timeIntervalSince1970: 1_790_000_000)
            let day = 86_400.0
            for organization in [brief, long] {
                try await archive.append(Self.message("old", meeting: "m-\(organization)", organization: organization, at: now - 2 * day))
                try await archive.append(Self.message("recent", meeting: "m-\(organization)", organization: organization, at: now - 0.5 * day))
                try await archive.append(Self.message("ancient", meeting: "m-\(organization)", organization: organization, at: now - 31 * day))
            }
            #expect(try await archive.purgeExpired(at: now) == 3)
            #expect(try await archive.messages(meetingID: "m-\(brief)", after: nil, limit: 10).map(\.text) == ["recent"])
            #expect(try await archive.messages(meetingID: "m-\(long)", after: nil, limit: 10).map(\.text) == ["old", "recent"])
            #expect(try await archive.purgeExpired(at: now) == 0, "nothing more is due")

            let audit = FluentAuditRepository(store: store)
            let purges = try await audit.entries(chain: brief.uuidString.lowercased(), after: 0, limit: 100).filter { $0.event.action == .chatPurged }
            #expect(purges.map { $0.event.details["count"] } == ["2"])
            let others = try await audit.entries(chain: long.uuidString.lowercased(), after: 0, limit: 100).filter { $0.event.action == .chatPurged }
            #expect(others.map { $0.event.details["count"] } == ["1"])
        }
    }

    @Test func retentionOutsideItsLimitsIsRefused() {
        #expect(throws: MeetError.self) { try RetentionPolicy(chatMessageDays: 0) }
        #expect(throws: MeetError.self) { try RetentionPolicy(chatMessageDays: 3651) }
        #expect((try? RetentionPolicy(chatMessageDays: 3650))?.chatMessageDays == 3650)
    }
}

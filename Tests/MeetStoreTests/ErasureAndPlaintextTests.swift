import FluentKit
import Foundation
import MeetCore
import MeetCrypto
import MeetTestSupport
import SQLKit
import Testing

@testable import MeetStore

@Suite struct ErasureAndPlaintextTests {
    @Test(arguments: TestDatabase.all)
    func erasingAPersonCryptoShredsTheirData(database: TestDatabase) async throws {
        try await database.withStore { store, backend in
            let master = MasterKeys(.generate())
            let ring = store.keyRing(master)
            let org = UUID()
            let others = try await store.insertUsers(count: 3, scope: nil, organizationID: org, ring: ring)
            let (adaRow, adaEmail) = try await store.insertUsers(count: 1, scope: nil, organizationID: org, ring: ring)[0]
            let leftover = try await store.emailEnvelope(of: adaRow)
            let adaKey = try #require(try await FluentDataKeyRepository(store: store).activeKey(scope: .user(adaRow), purpose: .encryption))

            let destroyed = try await DataErasure(store: store, ring: ring).eraseUser(adaRow)
            #expect(destroyed == [adaKey.keyID])
            #expect(try await UserModel.find(adaRow, on: store.database) == nil)

            let record = try await store.dataKey(adaKey.keyID)
            #expect(record.state == .destroyed)
            #expect(record.wrappedKey.isEmpty)
            // The ciphertext left behind (copied before deletion, as a backup or free page would keep it) is unreadable,
            // for this process and for a fresh one.
            for reader in [ring, store.keyRing(master)] {
                await #expect(throws: EncryptionError.self) {
                    _ = try await reader.open(leftover, binding: EncryptedColumn.userEmail.binding(rowID: adaRow))
                }
            }
            // Everyone else is untouched.
            for (id, email) in others {
                #expect(
                    try await ring.openString(try await store.emailEnvelope(of: id), binding: EncryptedColumn.userEmail.binding(rowID: id)) == email
                )
            }
            if case .sqlite(let path) = backend {
                #expect(try await store.secureDeleteEnabled())
                let file = try Data(contentsOf: URL(fileURLWithPath: path))
                #expect(file.range(of: Data(adaKey.wrappedKey)) == nil, "the wrapped key's bytes are gone from the file")
                #expect(file.range(of: Data(leftover)) == nil, "secure_delete overwrote the deleted row")
                #expect(file.range(of: Data(adaEmail.utf8)) == nil)
            }
        }
    }

    @Test(arguments: TestDatabase.all)
    func erasingAnOrganisationShredsItsKeysAndItsMembersKeys(database: TestDatabase) async throws {
        try await database.withStore { store, _ in
            let master = MasterKeys(.generate())
            let ring = store.keyRing(master)
            let org = UUID()
            try await OrganizationModel(id: org, name: "Acme").create(on: store.database)
            let chat = FluentChatArchive(store: store, dataKeys: ring)
            try await chat.append(
                ChatMessage(id: UUID(), meetingID: "m", organizationID: org, sentAt: Date(), from: UUID(), name: "Ada", text: "chat line")
            )
            let members = try await store.insertUsers(count: 2, scope: nil, organizationID: org, ring: ring)
            let bystander = UUID()
            let outsider = try await store.insertUsers(count: 1, scope: nil, organizationID: bystander, ring: ring)
            let destroyed = try await DataErasure(store: store, ring: ring).eraseOrganization(org)
            #expect(destroyed.count == 3, "the organisation's key and each member's personal key")
            for (id, _) in members {
                #expect(try await FluentDataKeyRepository(store: store).keys(scope: .user(id)).allSatisfy { $0.state == .destroyed })
            }
            #expect(try await UserModel.query(on: store.database).count() == 1)
            #expect(try await OrganizationModel.query(on: store.database).count() == 1)
            #expect(try await chat.messages(meetingID: "m", after: nil, limit: 10).isEmpty, "the organisation's chat is deleted too")
            #expect(
                try await ring.openString(
                    try await store.emailEnvelope(of: outsider[0].0),
                    binding: EncryptedColumn.userEmail.binding(rowID: outsider[0].0)
                )
                    == outsider[0].1
            )
        }
    }

    /// Known plaintexts written through the key ring must not appear anywhere in what the database holds.
    @Test(arguments: TestDatabase.all)
    func noKnownPlaintextIsStored(database: TestDatabase) async throws {
        try await database.withStore { store, backend in
            let ring = store.keyRing(MasterKeys(.generate()))
            let org = UUID()
            let users = try await store.insertUsers(count: 3, scope: .organization(org), organizationID: org, ring: ring)
            let secrets = users.map(\.1)
            var haystack = Data()
            switch backend {
            case .sqlite(let path):
                await store.shutdown()
                haystack = try Data(contentsOf: URL(fileURLWithPath: path))
                for suffix in ["-journal", "-wal"] {
                    haystack += (try? Data(contentsOf: URL(fileURLWithPath: path + suffix))) ?? Data()
                }
            case .postgres:
                for table in ["organizations", "users", "setup_tokens", "data_keys", "reencryption_progress"] {
                    let rows = try await store.sql.raw("SELECT CAST(t.* AS text) AS row FROM \(unsafeRaw: table) t").all()
                    for row in rows { haystack += Data(try row.decode(column: "row", as: String.self).utf8) }
                }
                #expect(!haystack.isEmpty)
            }
            for secret in secrets {
                #expect(haystack.range(of: Data(secret.utf8)) == nil, "\(secret) is stored in plaintext")
                #expect(haystack.range(of: Data(secret.uppercased().utf8)) == nil)
            }
        }
    }
}

import FluentKit
import Foundation
import Logging
import MeetCore
import MeetCrypto
import MeetTestSupport
import Testing

@testable import MeetStore

@Suite struct ReencryptionTests {
    static let logger: Logger = {
        var logger = Logger(label: "test.reencryption")
        logger.logLevel = .critical
        return logger
    }()

    @Test(arguments: TestDatabase.all)
    func rotationInterruptedHalfwayResumesAndRetiresTheOldKey(database: TestDatabase) async throws {
        try await database.withStore { store, _ in
            let master = MasterKeys(.generate())
            let org = UUID()
            let scope = KeyScope.organization(org)
            let ring = store.keyRing(master)
            let users = try await store.insertUsers(count: 230, scope: scope, organizationID: org, ring: ring)
            let oldCiphertext = try await store.emailEnvelope(of: users[0].0)

            let (old, new) = try await ring.rotate(scope: scope, reason: "test")
            let oldKey = try #require(old)
            #expect(try await store.dataKey(oldKey).state == .retiring)

            // First run: two batches of 50, then the "crash".
            let first = Reencryptor(store: store, ring: ring, batchSize: 50, logger: Self.logger)
            #expect(try await first.run(oldKeyID: oldKey, stopAfterBatches: 2) == .paused(rowsReencrypted: 100))
            let halfway = try await store.envelopeCountsByKey()
            #expect(halfway[oldKey] == 130)
            #expect(halfway[new] == 100)

            // Every row reads during the rotation, whichever key it is under.
            let midReader = store.keyRing(master)
            for (id, email) in users.shuffled().prefix(40) {
                #expect(
                    try await midReader.openString(try await store.emailEnvelope(of: id), binding: EncryptedColumn.userEmail.binding(rowID: id))
                        == email
                )
            }

            // A new process resumes from the saved position rather than starting over.
            let restartedRing = store.keyRing(master)
            let second = Reencryptor(store: store, ring: restartedRing, batchSize: 50, logger: Self.logger)
            #expect(try await second.run(oldKeyID: oldKey) == .finished(rowsReencrypted: 230))

            let after = try await store.envelopeCountsByKey()
            #expect(after[oldKey] == nil)
            #expect(after[new] == 230)
            let retired = try await store.dataKey(oldKey)
            #expect(retired.state == .retired)
            #expect(retired.wrappedKey.isEmpty)
            for (id, email) in users {
                #expect(
                    try await restartedRing.openString(try await store.emailEnvelope(of: id), binding: EncryptedColumn.userEmail.binding(rowID: id))
                        == email
                )
            }
            // A copy of a ciphertext taken before the rotation is now unreadable.
            await #expect(throws: EncryptionError.self) {
                _ = try await store.keyRing(master).open(oldCiphertext, binding: EncryptedColumn.userEmail.binding(rowID: users[0].0))
            }
            #expect(try await ReencryptionProgressModel.query(on: store.database).count() == 0)
        }
    }

    @Test(arguments: TestDatabase.all)
    func onlyTheRotatedScopeIsReencrypted(database: TestDatabase) async throws {
        try await database.withStore { store, _ in
            let master = MasterKeys(.generate())
            let ring = store.keyRing(master)
            let (orgA, orgB) = (UUID(), UUID())
            _ = try await store.insertUsers(count: 10, scope: .organization(orgA), organizationID: orgA, ring: ring)
            _ = try await store.insertUsers(count: 10, scope: .organization(orgB), organizationID: orgB, ring: ring)
            let before = try await store.envelopeCountsByKey()
            let keyB = try #require(try await FluentDataKeyRepository(store: store).activeKey(scope: .organization(orgB), purpose: .encryption)).keyID
            let (old, new) = try await ring.rotate(scope: .organization(orgA), reason: "test")
            let outcomes = try await Reencryptor(store: store, ring: ring, logger: Self.logger).runAll()
            #expect(outcomes == [try #require(old): .finished(rowsReencrypted: 10)])
            let after = try await store.envelopeCountsByKey()
            #expect(after[keyB] == before[keyB])
            #expect(after[new] == 10)
        }
    }

    @Test func refusesKeysThatAreNotRetiring() async throws {
        try await TestDatabase.sqlite.withStore { store, _ in
            let ring = store.keyRing(MasterKeys(.generate()))
            _ = try await ring.seal("x", scope: .system, binding: .init(table: "t", column: "c", rowID: "1"))
            let active = try #require(try await FluentDataKeyRepository(store: store).activeKey(scope: .system, purpose: .encryption))
            await #expect(throws: MeetError.self) {
                _ = try await Reencryptor(store: store, ring: ring, logger: Self.logger).run(oldKeyID: active.keyID)
            }
            await #expect(throws: MeetError.self) { _ = try await Reencryptor(store: store, ring: ring, logger: Self.logger).run(oldKeyID: 12345) }
        }
    }
}

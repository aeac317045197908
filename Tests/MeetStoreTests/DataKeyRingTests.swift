import FluentKit
import Foundation
import MeetCore
import MeetCrypto
import MeetTestSupport
import Testing

@testable import MeetStore

@Suite struct DataKeyRingTests {
    @Test(arguments: TestDatabase.all)
    func sealsUnderTheScopeKeyAndOpensFromAFreshProcess(database: TestDatabase) async throws {
        try await database.withStore { store, _ in
            let master = MasterKeys(.generate())
            let org = UUID()
            let ring = store.keyRing(master)
            let binding = Envelope.Binding(table: "users", column: "email", rowID: "1")
            let sealed = try await ring.seal("ada@example.com", scope: .organization(org), binding: binding)
            let active = try #require(try await FluentDataKeyRepository(store: store).activeKey(scope: .organization(org), purpose: .encryption))
            #expect(try Envelope.keyID(of: sealed) == active.keyID)
            #expect(active.encryptionCount == 1024, "a block of encryptions is reserved before use")
            #expect(try await store.keyRing(master).openString(sealed, binding: binding) == "ada@example.com")

            let other = try await ring.seal("ada@example.com", scope: .organization(UUID()), binding: binding)
            #expect(try Envelope.keyID(of: other) != active.keyID, "each organisation has its own key")
        }
    }

    @Test(arguments: TestDatabase.all)
    func blindIndexIsStableKeyedAndSeparate(database: TestDatabase) async throws {
        try await database.withStore { store, _ in
            let master = MasterKeys(.generate())
            let a = try await store.keyRing(master).blindIndex("ada@example.com", purpose: "users.email")
            #expect(try await store.keyRing(master).blindIndex("ada@example.com", purpose: "users.email") == a)
            #expect(try await store.keyRing(master).blindIndex("bob@example.com", purpose: "users.email") != a)
            #expect(try await store.keyRing(master).blindIndex("ada@example.com", purpose: "other.field") != a)
            let keys = try await FluentDataKeyRepository(store: store).allKeys()
            #expect(keys.map(\.purpose) == [.blindIndex])
        }
    }

    @Test(arguments: TestDatabase.all)
    func concurrentFirstUseMakesOneActiveKey(database: TestDatabase) async throws {
        try await database.withStore { store, _ in
            let master = MasterKeys(.generate())
            let scope = KeyScope.organization(UUID())
            let sealed = try await withThrowingTaskGroup(of: (Int, [UInt8]).self) { group in
                for index in 0..<12 {
                    // Separate rings: like separate processes, they share nothing but the database.
                    let ring = store.keyRing(master)
                    group.addTask {
                        (index, try await ring.seal("message \(index)", scope: scope, binding: .init(table: "t", column: "c", rowID: "\(index)")))
                    }
                }
                return try await group.reduce(into: [(Int, [UInt8])]()) { $0.append($1) }
            }
            let keys = try await FluentDataKeyRepository(store: store).keys(scope: scope)
            #expect(keys.filter { $0.state == .active }.count == 1)
            let reader = store.keyRing(master)
            for (index, envelope) in sealed {
                #expect(try await reader.openString(envelope, binding: .init(table: "t", column: "c", rowID: "\(index)")) == "message \(index)")
            }
        }
    }

    @Test(arguments: TestDatabase.all)
    func aWrappedKeyCannotBeMovedToAnotherRowOrOpenedWithAnotherMasterKey(database: TestDatabase) async throws {
        try await database.withStore { store, _ in
            let master = MasterKeys(.generate())
            let ring = store.keyRing(master)
            let first = try await ring.seal("one", scope: .user(UUID()), binding: .init(table: "t", column: "c", rowID: "1"))
            _ = try await ring.seal("two", scope: .user(UUID()), binding: .init(table: "t", column: "c", rowID: "2"))
            let keys = try await DataKeyModel.query(on: store.database).all()
            #expect(keys.count == 2)
            // Swap the wrapped material of the two keys.
            let (a, b) = (keys[0].wrappedKey, keys[1].wrappedKey)
            keys[0].wrappedKey = b
            keys[1].wrappedKey = a
            try await keys[0].save(on: store.database)
            try await keys[1].save(on: store.database)
            await #expect(throws: EncryptionError.self) {
                _ = try await store.keyRing(master).open(first, binding: .init(table: "t", column: "c", rowID: "1"))
            }
            await #expect(throws: EncryptionError.self) {
                _ = try await store.keyRing(MasterKeys(.generate())).open(first, binding: .init(table: "t", column: "c", rowID: "1"))
            }
        }
    }

    @Test(arguments: TestDatabase.all)
    func rotatesBeforeTheEncryptionLimit(database: TestDatabase) async throws {
        try await database.withStore { store, _ in
            let master = MasterKeys(.generate())
            let events = RecordedKeyEvents()
            let ring = store.keyRing(
                master,
                policy: .init(maxEncryptionsPerKey: 2_500, reservationBlock: 500, cacheLifetime: .seconds(60)),
                events: events
            )
            let scope = KeyScope.organization(UUID())
            var sealed: [[UInt8]] = []
            for index in 0..<6_000 {
                sealed.append(
                    try await ring.seal([UInt8(truncatingIfNeeded: index)], scope: scope, binding: .init(table: "t", column: "c", rowID: "\(index)"))
                )
            }
            let keys = try await FluentDataKeyRepository(store: store).keys(scope: scope)
            #expect(keys.count >= 3)
            #expect(keys.allSatisfy { $0.encryptionCount <= 2_500 }, "no key is used past its limit")
            #expect(keys.filter { $0.state == .active }.count == 1)
            #expect(events.actions.contains(.dataKeyRotated))
            // Retiring keys still open what they sealed.
            let reader = store.keyRing(master)
            for index in stride(from: 0, to: 6_000, by: 997) {
                #expect(
                    try await reader.open(sealed[index], binding: .init(table: "t", column: "c", rowID: "\(index)")) == [
                        UInt8(truncatingIfNeeded: index)
                    ]
                )
            }
        }
    }

    @Test(arguments: TestDatabase.all)
    func rotatesKeysPastTheirMaximumAge(database: TestDatabase) async throws {
        try await database.withStore { store, _ in
            let clock = TestClock()
            let master = MasterKeys(.generate())
            let ring = store.keyRing(master, policy: .init(maxKeyAge: .seconds(30 * 86_400), cacheLifetime: .seconds(3600)), clock: clock)
            let scope = KeyScope.organization(UUID())
            let binding = Envelope.Binding(table: "t", column: "c", rowID: "1")
            let before = try Envelope.keyID(of: try await ring.seal("x", scope: scope, binding: binding))
            #expect(try await ring.rotateDueKeys().isEmpty)
            clock.advance(days: 31)
            #expect(try await ring.rotateDueKeys() == [scope])
            let after = try Envelope.keyID(of: try await ring.seal("y", scope: scope, binding: binding))
            #expect(after != before)
            #expect(try await store.dataKey(before).state == .retiring)
        }
    }

    @Test(arguments: TestDatabase.all)
    func masterKeyRotationRewrapsWithoutTouchingData(database: TestDatabase) async throws {
        try await database.withStore { store, _ in
            let master = MasterKeys(.generate())
            let org = UUID()
            let ring = store.keyRing(master)
            let users = try await store.insertUsers(count: 5, scope: .organization(org), organizationID: org, ring: ring)
            let envelopesBefore = try await store.envelopeCountsByKey()

            let rotated = master.ring.addingVersion()
            master.replace(with: rotated)
            #expect(try await ring.rewrapAll() == 2)  // the organisation key and the blind-index key
            #expect(try await FluentDataKeyRepository(store: store).allKeys().allSatisfy { $0.kekVersion == 2 })
            #expect(try await store.envelopeCountsByKey() == envelopesBefore)

            // A ring holding only the new master key version reads everything.
            let onlyNew = try MasterKeyRing.parse("kek 2 \(rotated.current.withUnsafeBytes { Data($0).base64EncodedString() })")
            let reader = store.keyRing(MasterKeys(onlyNew))
            for (id, email) in users {
                #expect(
                    try await reader.openString(try await store.emailEnvelope(of: id), binding: EncryptedColumn.userEmail.binding(rowID: id)) == email
                )
            }
            #expect(
                try await reader.blindIndex(users[0].1, purpose: "users.email") == (try await ring.blindIndex(users[0].1, purpose: "users.email"))
            )
        }
    }

    @Test func aRunningRingReloadsTheKeyFileForANewMasterKeyVersion() async throws {
        try await TestDatabase.sqlite.withStore { store, _ in
            let original = MasterKeyRing.generate()
            let rotated = original.addingVersion()
            let serverMaster = MasterKeys(original) { rotated }
            let server = store.keyRing(serverMaster)
            let sealed = try await server.seal("hello", scope: .system, binding: .init(table: "t", column: "c", rowID: "1"))
            // The CLI rotates the master key and re-wraps; the server's ring has never seen version 2.
            let cliMaster = MasterKeys(rotated)
            #expect(try await store.keyRing(cliMaster).rewrapAll() == 1)
            #expect(try await server.openString(sealed, binding: .init(table: "t", column: "c", rowID: "1")) == "hello")
            #expect(serverMaster.ring.currentVersion == 2)
        }
    }
}

import Foundation
import MeetCore
import MeetTestSupport
import Testing

@testable import MeetStore

@Suite struct OwnerSetupRepositoryTests {
    static let email = "ada.lovelace@example.com"

    static func owner() -> ProtectedOwner {
        ProtectedOwner(
            userID: UUID(),
            organizationID: UUID(),
            organizationName: "Acme",
            displayName: "Ada",
            emailCiphertext: Array(repeating: 0xEE, count: 40),
            emailBlindIndex: (0..<32).map { _ in UInt8.random(in: 0...255) },
            passwordHash: "$scrypt$ln=17,r=8,p=1$c2FsdA==$aGFzaA=="
        )
    }

    @Test(arguments: TestDatabase.all)
    func tokenWorksOnceAndOnlyOnce(database: TestDatabase) async throws {
        try await database.withStore { store, _ in
            let repository = FluentOwnerSetupRepository(store: store)
            let hash = Array(repeating: UInt8(7), count: 32)
            let now = Date()
            #expect(try await !repository.hasOwner())
            try await repository.replaceSetupToken(hash: hash, expiresAt: now.addingTimeInterval(3600))
            #expect(try await repository.isSetupTokenRedeemable(hash: hash, now: now))

            let first = try await repository.redeemSetupToken(hash: hash, now: now, owner: Self.owner())
            guard case .created = first else {
                Issue.record("first redemption gave \(first)")
                return
            }
            #expect(try await repository.hasOwner())
            #expect(try await !repository.isSetupTokenRedeemable(hash: hash, now: now))
            #expect(try await repository.redeemSetupToken(hash: hash, now: now, owner: Self.owner()) == .invalidToken)
        }
    }

    @Test(arguments: TestDatabase.all)
    func concurrentRedemptionsCreateExactlyOneOwner(database: TestDatabase) async throws {
        try await database.withStore { store, _ in
            let repository = FluentOwnerSetupRepository(store: store)
            let hash = Array(repeating: UInt8(9), count: 32)
            let now = Date()
            try await repository.replaceSetupToken(hash: hash, expiresAt: now.addingTimeInterval(3600))
            let outcomes = try await withThrowingTaskGroup(of: SetupRedemption.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await repository.redeemSetupToken(hash: hash, now: now, owner: Self.owner()) }
                }
                return try await group.reduce(into: [SetupRedemption]()) { $0.append($1) }
            }
            let created = outcomes.filter { if case .created = $0 { true } else { false } }
            #expect(created.count == 1)
            #expect(try await UserModel.query(on: store.database).count() == 1)
        }
    }

    @Test(arguments: TestDatabase.all)
    func expiredAndReplacedTokensAreDead(database: TestDatabase) async throws {
        try await database.withStore { store, _ in
            let repository = FluentOwnerSetupRepository(store: store)
            let now = Date()
            let old = Array(repeating: UInt8(1), count: 32)
            let new = Array(repeating: UInt8(2), count: 32)
            try await repository.replaceSetupToken(hash: old, expiresAt: now.addingTimeInterval(3600))
            try await repository.replaceSetupToken(hash: new, expiresAt: now.addingTimeInterval(60))
            #expect(try await repository.redeemSetupToken(hash: old, now: now, owner: Self.owner()) == .invalidToken)
            let later = now.addingTimeInterval(61)
            #expect(try await !repository.isSetupTokenRedeemable(hash: new, now: later))
            #expect(try await repository.redeemSetupToken(hash: new, now: later, owner: Self.owner()) == .invalidToken)
            #expect(try await !repository.hasOwner())
        }
    }

    @Test(arguments: TestDatabase.all)
    func aSecondOwnerCannotBeCreatedWithANewToken(database: TestDatabase) async throws {
        try await database.withStore { store, _ in
            let repository = FluentOwnerSetupRepository(store: store)
            let now = Date()
            try await repository.replaceSetupToken(hash: Array(repeating: 3, count: 32), expiresAt: now.addingTimeInterval(60))
            _ = try await repository.redeemSetupToken(hash: Array(repeating: 3, count: 32), now: now, owner: Self.owner())
            try await repository.replaceSetupToken(hash: Array(repeating: 4, count: 32), expiresAt: now.addingTimeInterval(60))
            #expect(try await repository.redeemSetupToken(hash: Array(repeating: 4, count: 32), now: now, owner: Self.owner()) == .alreadySetUp)
            #expect(try await UserModel.query(on: store.database).count() == 1)
        }
    }
}

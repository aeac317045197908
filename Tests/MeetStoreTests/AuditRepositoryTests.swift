import Foundation
import MeetCore
import MeetCrypto
import MeetTestSupport
import SQLKit
import Testing

@testable import MeetStore

/// The audit log on real SQLite and PostgreSQL: concurrent appends keep one gapless chain per
/// organisation, an entry is written or rolled back with its action, and each kind of change to the
/// stored rows is found by the verifier.
@Suite struct AuditRepositoryTests {
    static let organization = UUID()
    static var chain: String { AuditEntry.chain(of: organization) }

    static func event(_ index: Int, organization: UUID? = Self.organization) -> AuditEvent {
        AuditEvent(
            action: .signInFailure,
            outcome: .failure,
            organizationID: organization,
            actorID: UUID(),
            target: .user(UUID()),
            address: "198.51.100.\(index % 200)",
            requestID: "r\(index)",
            details: ["reason": "wrong password \(index)"],
            occurredAt: Date()
        )
    }

    /// Reads the chain back from the database and verifies it.
    static func verify(_ repository: FluentAuditRepository, chain: String = Self.chain) async throws -> AuditVerifier.Failure? {
        var verifier = AuditVerifier(chain: chain, checkpoints: try await repository.checkpoints(chain: chain), trustedKeys: [])
        var after: Int64 = 0
        pages: while true {
            let page = try await repository.entries(chain: chain, after: after, limit: 7)
            guard let last = page.last else { break }
            for entry in page where !verifier.add(entry) { break pages }
            after = last.sequence
        }
        let head = try await repository.head(chain: chain)
        return verifier.finish(storedHead: head)
    }

    static func withFilledLog(
        _ database: TestDatabase,
        count: Int = 20,
        _ body: (FluentAuditRepository, any SQLDatabase) async throws -> Void
    )
        async throws
    {
        try await database.withStore { store, _ in
            let repository = FluentAuditRepository(store: store)
            for index in 1...count { try await repository.append([event(index)]) }
            try #require(try await Self.verify(repository) == nil)
            try await body(repository, try store.sql)
        }
    }

    @Test(arguments: TestDatabase.all)
    func concurrentAppendsMakeOneGaplessChainPerOrganization(database: TestDatabase) async throws {
        try await database.withStore { store, _ in
            let repository = FluentAuditRepository(store: store)
            let other = UUID()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<60 {
                    group.addTask { try await repository.append([Self.event(index, organization: index % 3 == 0 ? other : Self.organization)]) }
                }
                try await group.waitForAll()
            }
            #expect(try await repository.head(chain: Self.chain)?.sequence == 40)
            #expect(try await repository.head(chain: AuditEntry.chain(of: other))?.sequence == 20)
            #expect(try await Self.verify(repository) == nil)
            #expect(try await Self.verify(repository, chain: AuditEntry.chain(of: other)) == nil)
            // Filters: outcome, action prefix, paging newest first.
            let page = try await repository.entries(chain: Self.chain, filter: AuditFilter(action: "signin.", outcome: .failure, limit: 15))
            #expect(page.count == 15 && page.first?.sequence == 40 && page.last?.sequence == 26)
            let next = try await repository.entries(chain: Self.chain, filter: AuditFilter(before: 26, limit: 100))
            #expect(next.count == 25)
            #expect(try await repository.entries(chain: Self.chain, filter: AuditFilter(action: "policy.")).isEmpty)
        }
    }

    @Test(arguments: TestDatabase.all)
    func anEntryIsRolledBackWithItsAction(database: TestDatabase) async throws {
        try await database.withStore { store, _ in
            let organizations = FluentOrganizationRepository(store: store)
            let repository = FluentAuditRepository(store: store)
            let id = UUID()
            let created = AuditEvent(action: .organizationCreated, organizationID: id, occurredAt: Date())
            try await organizations.createOrganization(id: id, name: "Acme", at: Date(), audit: [created])
            // A second organisation with the same id fails inside the transaction: its audit entry must go too.
            await #expect(throws: (any Error).self) {
                try await organizations.createOrganization(id: id, name: "Acme again", at: Date(), audit: [created])
            }
            #expect(try await repository.head(chain: AuditEntry.chain(of: id))?.sequence == 1)
            let entries = try await repository.entries(chain: AuditEntry.chain(of: id), filter: AuditFilter())
            #expect(entries.map(\.event.action) == [.organizationCreated])
        }
    }

    @Test(arguments: TestDatabase.all)
    func anEditedRowIsFound(database: TestDatabase) async throws {
        try await Self.withFilledLog(database) { repository, sql in
            try await sql.update("audit_entries").set("action", to: "signin.success").where("sequence", .equal, 9).run()
            let failure = try await Self.verify(repository)
            #expect(failure?.sequence == 9)
            #expect(failure?.reason.contains("edited") == true)
        }
    }

    @Test(arguments: TestDatabase.all)
    func aDeletedRowIsFound(database: TestDatabase) async throws {
        try await Self.withFilledLog(database) { repository, sql in
            try await sql.delete(from: "audit_entries").where("sequence", .equal, 12).run()
            #expect(try await Self.verify(repository)?.sequence == 12)
        }
    }

    @Test(arguments: TestDatabase.all)
    func reorderedRowsAreFound(database: TestDatabase) async throws {
        try await Self.withFilledLog(database) { repository, sql in
            try await sql.update("audit_entries").set("sequence", to: -5).where("sequence", .equal, 5).run()
            try await sql.update("audit_entries").set("sequence", to: 5).where("sequence", .equal, 6).run()
            try await sql.update("audit_entries").set("sequence", to: 6).where("sequence", .equal, -5).run()
            #expect(try await Self.verify(repository)?.sequence == 5)
        }
    }

    @Test(arguments: TestDatabase.all)
    func anInsertedRowIsFound(database: TestDatabase) async throws {
        try await Self.withFilledLog(database) { repository, sql in
            // Make room after 10 and insert a row whose own hashes are consistent with its predecessor.
            for sequence in stride(from: 20, through: 11, by: -1) {
                try await sql.update("audit_entries").set("sequence", to: sequence + 1).where("sequence", .equal, sequence).run()
            }
            let previous = try #require(try await repository.entries(chain: Self.chain, after: 9, limit: 1).first)
            let forged = AuditChain.append(Self.event(999), chain: Self.chain, after: (10, previous.chainHash))
            try await FluentAuditRepository.insert(forged, on: sql)
            #expect(try await Self.verify(repository)?.sequence == 12)
        }
    }

    @Test(arguments: TestDatabase.all)
    func deletingTheNewestRowsIsFound(database: TestDatabase) async throws {
        try await Self.withFilledLog(database) { repository, sql in
            try await sql.delete(from: "audit_entries").where("sequence", .greaterThan, 17).run()
            #expect(try await Self.verify(repository)?.sequence == 18)
        }
    }
}

import FluentKit
import Foundation
import MeetCore
import MeetCrypto
import Synchronization
import Testing

@testable import MeetStore

/// Collects key events so tests can check what would reach the audit log.
final class RecordedKeyEvents: KeyEventSink {
    let events = Mutex<[KeyEvent]>([])
    func record(_ event: KeyEvent) async { events.withLock { $0.append(event) } }
    var actions: [KeyEvent.Action] { events.withLock { $0.map(\.action) } }
}

/// A clock tests can move forward.
final class TestClock: Sendable {
    let current = Mutex(Date())
    func now() -> Date { current.withLock { $0 } }
    func advance(days: Double) { current.withLock { $0 = $0.addingTimeInterval(days * 86_400) } }
}

extension Store {
    /// A key ring over this store, as a freshly started process would have (empty caches).
    func keyRing(
        _ masterKeys: MasterKeys,
        policy: DataKeyRing.Policy = .init(cacheLifetime: .zero),
        events: RecordedKeyEvents = RecordedKeyEvents(),
        clock: TestClock? = nil
    ) -> DataKeyRing {
        let now: @Sendable () -> Date
        if let clock { now = { clock.now() } } else { now = { Date() } }
        return DataKeyRing(masterKeys: masterKeys, repository: FluentDataKeyRepository(store: self), events: events, policy: policy, now: now)
    }

    /// Inserts users whose emails are encrypted under `scope` (nil: each user's own personal key, as in
    /// production), returning (id, email) pairs.
    func insertUsers(count: Int, scope: KeyScope?, organizationID: UUID, ring: DataKeyRing) async throws -> [(UUID, String)] {
        if try await OrganizationModel.find(organizationID, on: database) == nil {
            try await OrganizationModel(id: organizationID, name: "Acme").create(on: database)
        }
        var users: [(UUID, String)] = []
        for index in 0..<count {
            let id = UUID()
            let email = "person\(index)-\(id.uuidString.prefix(8).lowercased())@example.com"
            let user = UserModel()
            user.id = id
            user.$organization.id = organizationID
            user.displayName = "Person \(index)"
            user.emailCiphertext = Data(try await ring.seal(email, scope: scope ?? .user(id), binding: EncryptedColumn.userEmail.binding(rowID: id)))
            user.emailBlindIndex = Data(try await ring.blindIndex(email, purpose: "users.email"))
            user.passwordHash = "$scrypt$ln=17,r=8,p=1$c2FsdA==$aGFzaA=="
            user.role = OrganizationRole.member.rawValue
            try await user.create(on: database)
            users.append((id, email))
        }
        return users
    }

    func emailEnvelope(of userID: UUID) async throws -> [UInt8] {
        let user = try #require(try await UserModel.find(userID, on: database))
        return Array(user.emailCiphertext)
    }

    func dataKey(_ id: UInt32) async throws -> DataKeyRecord {
        try #require(try await FluentDataKeyRepository(store: self).key(id: id))
    }
}

import FluentKit
import Foundation
import MeetCore
import MeetCrypto
import MeetTestSupport
import Synchronization
import Testing

@testable import MeetStore

extension Store {
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
            user.failedLogins = 0
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

import FluentKit
import Foundation

final class OrganizationModel: Model, @unchecked Sendable {
    static let schema = "organizations"

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(id: UUID, name: String) {
        self.id = id
        self.name = name
    }
}

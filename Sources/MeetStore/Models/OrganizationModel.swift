import FluentKit
import Foundation

final class OrganizationModel: Model, @unchecked Sendable {
    static let schema = "organizations"

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Field(key: "require_mfa") var requireMFA: Bool
    @Field(key: "allow_signup") var allowSignup: Bool
    @Field(key: "session_idle_seconds") var sessionIdleSeconds: Int64
    @Field(key: "session_absolute_seconds") var sessionAbsoluteSeconds: Int64

    init() {}

    init(id: UUID, name: String) {
        self.id = id
        self.name = name
        requireMFA = false
        allowSignup = false
        sessionIdleSeconds = 1800
        sessionAbsoluteSeconds = 43_200
    }
}

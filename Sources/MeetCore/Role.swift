/// A person's role in an organisation.
public enum OrganizationRole: String, Codable, Sendable, CaseIterable {
    case owner
    case admin
    case auditor
    case member
}

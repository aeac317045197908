import Foundation

/// Where a vulnerability report stands (security policy §11: acknowledged within 48 hours, the
/// reporter kept informed, credited with permission once fixed).
public enum SecurityReportStatus: String, Codable, Sendable, CaseIterable {
    /// In, and nobody has looked at it yet: the 48-hour clock runs.
    case received
    /// A person has read it and told the reporter so.
    case acknowledged
    case fixed
    /// Not a vulnerability, a duplicate or out of scope.
    case declined
}

/// What a reporter sends. The initialiser checks every field and names the one that is wrong.
public struct SecurityReportSubmission: Codable, Sendable, Equatable {
    public static let summaryLength = 3...200
    public static let detailsLength = 20...20_000
    public static let nameLength = 0...100

    public let summary: String
    public let details: String
    /// An email address for progress updates, if the reporter gave one.
    public let contact: String?
    /// How to credit the reporter, if they want to be.
    public let name: String?
    public let creditPermitted: Bool

    public init(summary: String, details: String, contact: String?, name: String?, creditPermitted: Bool) throws {
        let summary = summary.trimmingCharacters(in: .whitespacesAndNewlines)
        guard Self.summaryLength.contains(summary.count), !summary.contains(where: \.isNewline) else {
            throw MeetError(.invalidInput, "Give a one-line summary of 3 to 200 characters.", field: "summary")
        }
        let details = details.trimmingCharacters(in: .whitespacesAndNewlines)
        guard Self.detailsLength.contains(details.count) else {
            throw MeetError(.invalidInput, "Describe the problem in 20 to 20,000 characters.", field: "details")
        }
        let contact = contact?.trimmingCharacters(in: .whitespacesAndNewlines)
        var address: String?
        if let contact, !contact.isEmpty {
            guard EmailAddress.isPlausible(contact) else {
                throw MeetError(.invalidInput, "This is not an email address we can write to.", field: "contact")
            }
            address = contact
        }
        let name = name?.trimmingCharacters(in: .whitespacesAndNewlines)
        guard Self.nameLength.contains(name?.count ?? 0), !(name ?? "").contains(where: \.isNewline) else {
            throw MeetError(.invalidInput, "A name is at most 100 characters on one line.", field: "name")
        }
        self.summary = summary
        self.details = details
        self.contact = address
        self.name = (name?.isEmpty ?? true) ? nil : name
        self.creditPermitted = creditPermitted
    }
}

/// A stored report, opened.
public struct SecurityReport: Sendable, Equatable {
    /// Reports still `received` this long after arrival break the policy's promise.
    public static let acknowledgementWindow: TimeInterval = 48 * 3600

    public let id: UUID
    public let organizationID: UUID
    public let receivedAt: Date
    public var status: SecurityReportStatus
    public var statusChangedAt: Date
    public var acknowledgedAt: Date?
    public let submission: SecurityReportSubmission

    public init(
        id: UUID,
        organizationID: UUID,
        receivedAt: Date,
        status: SecurityReportStatus,
        statusChangedAt: Date,
        acknowledgedAt: Date?,
        submission: SecurityReportSubmission
    ) {
        self.id = id
        self.organizationID = organizationID
        self.receivedAt = receivedAt
        self.status = status
        self.statusChangedAt = statusChangedAt
        self.acknowledgedAt = acknowledgedAt
        self.submission = submission
    }

    /// The short reference the reporter quotes: `DM-` and the first eight hex digits of the id.
    public var reference: String { Self.reference(of: id) }

    public static func reference(of id: UUID) -> String {
        let hex = id.uuidString.replacingOccurrences(of: "-", with: "").uppercased()
        return "DM-\(hex.prefix(4))-\(hex.dropFirst(4).prefix(4))"
    }

    public var acknowledgeBy: Date { receivedAt.addingTimeInterval(Self.acknowledgementWindow) }

    /// Nobody has acknowledged it and the 48 hours are over.
    public func isOverdue(at now: Date) -> Bool { status == .received && now > acknowledgeBy }

    /// The change a handler asks for: any status but `received`, which is only where reports start.
    /// Acknowledging is implied by any answer, so `acknowledgedAt` is set by the first one.
    public func changed(to status: SecurityReportStatus, at now: Date) throws -> SecurityReport {
        guard status != .received else {
            throw MeetError(.invalidInput, "A report cannot go back to received.", field: "status")
        }
        var changed = self
        changed.status = status
        changed.statusChangedAt = now
        if changed.acknowledgedAt == nil { changed.acknowledgedAt = now }
        return changed
    }
}

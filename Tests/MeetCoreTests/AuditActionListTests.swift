import Foundation
import MeetCore
import Testing

@Suite struct AuditActionListTests {
    /// The action names in docs/audit.md's "What is recorded" table.
    static func documentedActions() throws -> Set<String> {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("docs/audit.md"), encoding: .utf8)
        let rows = text.split(separator: "\n").filter { $0.hasPrefix("| ") && !$0.hasPrefix("| Area") }
        var names: Set<String> = []
        for row in rows {
            let actions = row.split(separator: "|", omittingEmptySubsequences: true).dropFirst().joined()
            for match in actions.matches(of: /`([a-z_]+(?:\.[a-z_]+)+)`/) { names.insert(String(match.1)) }
        }
        return names
    }

    @Test func theDocumentedTableListsExactlyTheKnownActions() throws {
        let known = Set(AuditAction.known.map(\.rawValue))
        let documented = try Self.documentedActions()
        #expect(known.subtracting(documented).sorted() == [], "missing from docs/audit.md")
        #expect(documented.subtracting(known).sorted() == [], "in docs/audit.md but not AuditAction.known")
    }

    @Test func everyKnownActionIsListedOnce() {
        let names = AuditAction.known.map(\.rawValue)
        #expect(Set(names).count == names.count)
    }
}

import Foundation
import MeetCore
import MeetCrypto
import MeetStore

/// The operator's audit and organisation commands (`digitalmeet audit …`, `digitalmeet organizations …`).
public struct AuditAdministration: Sendable {
    let deployment: Deployment
    let repository: FluentAuditRepository
    let signer: AuditSigner

    public init(deployment: Deployment) {
        self.deployment = deployment
        repository = FluentAuditRepository(store: deployment.store)
        signer = AuditSigner(repository: repository, dataKeys: deployment.dataKeys, logger: deployment.logger)
    }

    /// Verifies every chain (or one); returns the report and whether all chains are intact.
    public func verify(chain: String? = nil, progress: @escaping (String) -> Void = { _ in }) async throws -> (report: String, intact: Bool) {
        let started = Date()
        let reports = try await AuditVerification(repository: repository, signer: signer).verify(chain: chain) { chain, done in
            if done % 100_000 == 0 { progress("  \(chain): \(done) entries checked") }
        }
        var lines: [String] = []
        var intact = true
        for report in reports {
            if let failure = report.failure {
                intact = false
                lines.append("FAIL  \(report.chain): first bad entry \(failure.sequence): \(failure.reason)")
            } else {
                lines.append("ok    \(report.chain): \(report.entries) entries, \(report.checkpoints) signed checkpoints verified")
            }
        }
        if reports.isEmpty { lines.append(chain == nil ? "The audit log is empty." : "There is no audit chain \(chain ?? "").") }
        let seconds = Date().timeIntervalSince(started)
        lines.append(String(format: "%@ in %.1f s.", intact ? "The audit log is intact" : "The audit log has been tampered with", seconds))
        if intact {
            try await repository.append([
                .now(.auditVerified, organizationID: nil, actorID: nil, details: ["entries": "\(reports.reduce(0) { $0 + $1.entries })"], at: Date())
            ])
        }
        return (lines.joined(separator: "\n") + "\n", intact && !(chain != nil && reports.isEmpty))
    }

    /// Writes a chain as JSON lines.
    public func export(chain: String, write: (String) async throws -> Void) async throws {
        try await repository.append([
            .now(
                .auditExported,
                organizationID: nil,
                actorID: nil,
                target: AuditTarget(type: "audit", id: chain),
                details: ["method": "cli"],
                at: Date()
            )
        ])
        try await AuditExport(repository: repository, signer: signer).write(chain: chain, to: write)
    }

    /// Signs a checkpoint of every chain that grew since its last one.
    public func checkpoint() async throws -> Int {
        try await signer.checkpoint()
    }

    /// The public keys that sign checkpoints (base64), for a third party to pin.
    public func signingKeys() async throws -> [(id: UUID, publicKey: String, trusted: Bool)] {
        let trusted = try await signer.trustedPublicKeys()
        _ = try await signer.signingKey()
        return try await repository.signingKeys().map { ($0.id, Data($0.publicKey).base64EncodedString(), trusted.contains($0.publicKey)) }
    }

    public func organizations() async throws -> [(id: UUID, name: String, members: Int)] {
        let repository = FluentOrganizationRepository(store: deployment.store)
        var list: [(UUID, String, Int)] = []
        for organization in try await repository.organizations() {
            list.append(
                (organization.organizationID, organization.name, try await repository.members(organizationID: organization.organizationID).count)
            )
        }
        return list
    }

    /// Creates an organisation and an owner invitation for `ownerEmail`; returns the id and the link
    /// (also sent by email).
    public func createOrganization(name: String, ownerEmail: String) async throws -> (id: UUID, link: URL) {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...100).contains(trimmed.count) else { throw MeetError(.invalidInput, "Give the organisation a name of 1 to 100 characters.") }
        let email = EmailAddress.normalize(ownerEmail)
        guard EmailAddress.isPlausible(email) else { throw MeetError(.invalidInput, "Enter the owner's email address, such as name@example.com.") }
        let id = UUID()
        let now = Date()
        try await FluentOrganizationRepository(store: deployment.store).createOrganization(
            id: id,
            name: trimmed,
            at: now,
            audit: [.now(.organizationCreated, organizationID: id, actorID: nil, target: .organization(id), details: ["method": "cli"], at: now)]
        )
        let identity = FluentIdentityRepository(store: deployment.store)
        let blindIndex = try await deployment.dataKeys.blindIndex(email, purpose: "users.email")
        if try await identity.user(emailBlindIndex: blindIndex) != nil {
            throw MeetError(.conflict, "\(email) already has an account; invite another address as owner.")
        }
        let token = SecureToken()
        let invitationID = UUID()
        let invitation = Invitation(
            id: invitationID,
            organizationID: id,
            emailCiphertext: try await deployment.dataKeys.seal(
                email,
                scope: .organization(id),
                binding: EncryptedColumn.invitationEmail.binding(rowID: invitationID)
            ),
            emailBlindIndex: blindIndex,
            role: .owner,
            invitedBy: Invitation.byOperator,
            createdAt: now,
            expiresAt: now.addingTimeInterval(IdentityService.invitationLifetime)
        )
        try await identity.createInvitation(
            invitation,
            tokenHash: token.hash,
            audit: [
                .now(
                    .memberInvited,
                    organizationID: id,
                    actorID: nil,
                    target: AuditTarget(type: "invitation", id: invitationID.uuidString.lowercased()),
                    details: ["role": "owner", "method": "cli"],
                    at: now
                )
            ]
        )
        var components = URLComponents(url: deployment.configuration.publicURL, resolvingAgainstBaseURL: false)
        components?.path = "/invite"
        components?.fragment = "token=\(token.text)"
        guard let link = components?.url else { throw MeetError(.invalidInput, "The public URL cannot carry an invitation link.") }
        let mail = try makeMailTransport(configuration: deployment.configuration)
        try await mail.send(
            MailMessage(
                to: email,
                subject: "Your DigitalMeet organisation \(trimmed) is ready",
                text:
                    "An operator created the organisation \(trimmed) on DigitalMeet with you as its owner.\n\nOpen this link within 7 days to create your account:\n\n\(link.absoluteString)\n"
            )
        )
        return (id, link)
    }
}

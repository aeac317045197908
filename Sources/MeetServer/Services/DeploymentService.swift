import Foundation
import Logging
import MeetCrypto
import MeetStore
import Metrics
import ServiceLifecycle

/// Owns the deployment's lifetime in the service group. In the background it rotates data keys that
/// reached their age or encryption limit and re-encrypts the data of retiring keys (resuming any
/// re-encryption a restart interrupted), removes ended sessions and spent emailed links, and deletes
/// chat messages older than their organisation's retention policy allows. When the group shuts down, gracefully or because the server
/// failed to start, it stops that work first and only then closes the database, so no query is left
/// running on a closed connection pool.
struct DeploymentService: Service {
    let deployment: Deployment
    let interval: Duration

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    await runOnce()
                    try await Task.sleep(for: interval)
                }
            }
        } catch is CancellationError {
            // Shutdown: a half-done re-encryption resumes at the next start.
        }
        await deployment.close()
    }

    func runOnce() async {
        do {
            let rotated = try await deployment.dataKeys.rotateDueKeys()
            if !rotated.isEmpty {
                deployment.logger.notice("Rotated data keys that were due", metadata: ["scopes": "\(rotated.map(\.description))"])
            }
            _ = try await deployment.reencryptRetiringKeys()
            let purged = try await FluentIdentityRepository(store: deployment.store).purgeExpired(at: Date())
            if purged > 0 { deployment.logger.info("Removed ended sessions and spent links", metadata: ["rows": "\(purged)"]) }
            let chat = try await FluentChatArchive(store: deployment.store, dataKeys: deployment.dataKeys).purgeExpired(at: Date())
            if chat > 0 { deployment.logger.notice("Deleted chat messages past their retention", metadata: ["rows": "\(chat)"]) }
            let overdue = try await FluentSecurityReportRepository(store: deployment.store, dataKeys: deployment.dataKeys)
                .overdueCount(at: Date())
            Gauge(label: "digitalmeet_security_reports_overdue").record(overdue)
            if overdue > 0 {
                deployment.logger.warning(
                    "Vulnerability reports wait for acknowledgement past the promised 48 hours",
                    metadata: ["event": "security_report.overdue", "reports": "\(overdue)"]
                )
            }
        } catch is CancellationError {
            return
        } catch {
            deployment.logger.error("Key maintenance failed; will retry", metadata: ["error": "\(error)"])
        }
    }
}

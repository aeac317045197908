import Foundation
import Logging
import ServiceLifecycle

/// Signs checkpoints in the background: for a chain that grew by `everyEntries` or has unsigned
/// entries older than `interval`, and once more on shutdown, so the newest entries are covered.
struct AuditCheckpointService: Service {
    let signer: AuditSigner
    let interval: Duration
    let everyEntries: Int64
    let logger: Logger
    /// How often heads are compared with their last checkpoint (a cheap query).
    var poll: Duration = .seconds(10)

    func run() async throws {
        let interval = TimeInterval(self.interval.components.seconds)
        let everyEntries = everyEntries
        // A failed start cancels services instead of shutting them down gracefully: stop on either.
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await signer.checkpoint { grown, sinceLast in grown >= everyEntries || (sinceLast ?? .infinity) >= interval }
            } catch {
                logger.error("Could not sign an audit checkpoint", metadata: ["event": "audit.checkpoint_failed", "error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: poll) }
        }
        guard !Task.isCancelled else { return }
        do {
            try await signer.checkpoint()
        } catch {
            logger.error("Could not sign the audit checkpoint at shutdown", metadata: ["event": "audit.checkpoint_failed", "error": "\(error)"])
        }
    }
}

import Foundation
import Synchronization

/// Counted attempts in a sliding `window`: at most `perClient` per client network per scope, and
/// `perScope` per scope from anyone; beyond either, attempts are refused unexamined until it passes.
/// Wrong meeting passcodes are counted per meeting (5 and 50 in 10 minutes); vulnerability reports
/// per deployment (5 and 100 an hour).
final class AttemptThrottle: Sendable {
    let perClient: Int
    let perScope: Int
    let window: TimeInterval
    private let failures = Mutex<[String: [Date]]>([:])

    init(perClient: Int = 5, perScope: Int = 50, window: TimeInterval = 600) {
        self.perClient = perClient
        self.perScope = perScope
        self.window = window
    }

    /// Seconds to wait, if this client may not try in this scope now.
    func retryAfter(scope: String, client: String, now: Date) -> Int? {
        failures.withLock { failures in
            var longest: TimeInterval?
            for (key, limit) in [("c|\(scope)|\(client)", perClient), ("s|\(scope)", perScope)] {
                let recent = (failures[key] ?? []).filter { now.timeIntervalSince($0) < window }
                failures[key] = recent
                if recent.count >= limit, let oldest = recent.first {
                    longest = max(longest ?? 0, window - now.timeIntervalSince(oldest))
                }
            }
            return longest.map { max(1, Int($0.rounded(.up))) }
        }
    }

    func record(scope: String, client: String, now: Date) {
        failures.withLock { failures in
            failures["c|\(scope)|\(client)", default: []].append(now)
            failures["s|\(scope)", default: []].append(now)
            // Bounded memory: forget the oldest keys under a flood of distinct clients.
            if failures.count > 100_000 {
                for key in failures.keys.prefix(10_000) { failures[key] = nil }
            }
        }
    }
}

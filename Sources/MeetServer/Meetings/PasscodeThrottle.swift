import Foundation
import Synchronization

/// Wrong passcodes: at most `perClient` per client network per meeting, and `perMeeting` per meeting
/// from anyone, in a sliding `window`; beyond either, attempts are refused unexamined until it passes.
final class PasscodeThrottle: Sendable {
    let perClient: Int
    let perMeeting: Int
    let window: TimeInterval
    private let failures = Mutex<[String: [Date]]>([:])

    init(perClient: Int = 5, perMeeting: Int = 50, window: TimeInterval = 600) {
        self.perClient = perClient
        self.perMeeting = perMeeting
        self.window = window
    }

    /// Seconds to wait, if this client may not try this meeting's passcode now.
    func retryAfter(meeting: String, client: String, now: Date) -> Int? {
        failures.withLock { failures in
            var longest: TimeInterval?
            for (key, limit) in [("c|\(meeting)|\(client)", perClient), ("m|\(meeting)", perMeeting)] {
                let recent = (failures[key] ?? []).filter { now.timeIntervalSince($0) < window }
                failures[key] = recent
                if recent.count >= limit, let oldest = recent.first {
                    longest = max(longest ?? 0, window - now.timeIntervalSince(oldest))
                }
            }
            return longest.map { max(1, Int($0.rounded(.up))) }
        }
    }

    func recordFailure(meeting: String, client: String, now: Date) {
        failures.withLock { failures in
            failures["c|\(meeting)|\(client)", default: []].append(now)
            failures["m|\(meeting)", default: []].append(now)
            // Bounded memory: forget the oldest keys under a flood of distinct clients.
            if failures.count > 100_000 {
                for key in failures.keys.prefix(10_000) { failures[key] = nil }
            }
        }
    }
}

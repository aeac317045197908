import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Failed sign-in attempts per client network, across accounts (password spraying), and in total
/// (credential stuffing). Per-account delays live in `LockoutPolicy`; this is the layer in front.
/// In memory: a restart forgives, which the per-account counters in the database do not.
final class LoginThrottle: Sendable {
    struct Limits: Sendable {
        /// Failures one network may cause within `window` before it must wait.
        var perClient: Int = 20
        /// Failures the whole deployment sees within `window` before the guard logs and counts an attack.
        var global: Int = 1_000
        var window: TimeInterval = 600
    }

    private struct State {
        var failures: [String: [Date]] = [:]
        var global: [Date] = []
        var lastPrune = Date.distantPast
    }

    let limits: Limits
    private let state = Mutex(State())

    init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Seconds the client must wait before its next attempt, or nil if it may try now.
    func retryAfter(client: String, now: Date) -> Int? {
        state.withLock { state in
            let recent = (state.failures[client] ?? []).filter { now.timeIntervalSince($0) < limits.window }
            guard recent.count >= limits.perClient, let oldest = recent.first else { return nil }
            return max(1, Int((limits.window - now.timeIntervalSince(oldest)).rounded(.up)))
        }
    }

    /// Records a failure; returns true when the deployment-wide guard has just been crossed.
    func recordFailure(client: String, now: Date) -> Bool {
        state.withLock { state in
            if now.timeIntervalSince(state.lastPrune) > 60 {
                state.failures = state.failures.compactMapValues { dates in
                    let kept = dates.filter { now.timeIntervalSince($0) < limits.window }
                    return kept.isEmpty ? nil : kept
                }
                state.global.removeAll { now.timeIntervalSince($0) >= limits.window }
                state.lastPrune = now
            }
            var dates = state.failures[client, default: []].filter { now.timeIntervalSince($0) < limits.window }
            dates.append(now)
            // Only the most recent failures matter for the limit.
            if dates.count > limits.perClient { dates.removeFirst(dates.count - limits.perClient) }
            state.failures[client] = dates
            state.global.append(now)
            if state.global.count > limits.global { state.global.removeFirst(state.global.count - limits.global) }
            return state.global.count == limits.global && now.timeIntervalSince(state.global[0]) < limits.window
        }
    }

    /// The key a client is throttled under: its IPv4 address, or its IPv6 /64 (one subscriber's block).
    static func clientKey(_ address: String?) -> String {
        guard let address else { return "unknown" }
        if address.hasPrefix("::ffff:") && address.contains(".") { return String(address.dropFirst(7)) }
        guard address.contains(":") else { return address }
        var bytes = in6_addr()
        guard inet_pton(AF_INET6, address, &bytes) == 1 else { return address }
        let prefix = withUnsafeBytes(of: bytes) { Array($0.prefix(8)) }
        return prefix.map { String(format: "%02x", $0) }.joined() + "/64"
    }
}

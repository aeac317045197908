import Foundation

/// Sign-in throttling per account (SECURITY-REQUIREMENTS.md, NIST SP 800-63B rev 4 §3.2.2): from the
/// 5th consecutive failure each attempt waits twice as long as the previous one, capped at 15 minutes;
/// after 100 consecutive failures the password is disabled until it is reset. A success clears it.
public struct LockoutPolicy: Sendable, Equatable {
    /// Consecutive failures allowed before any delay.
    public var freeAttempts: Int
    public var firstDelay: Duration
    public var maximumDelay: Duration
    /// Consecutive failures after which the password stops working until reset.
    public var hardStop: Int

    public init(freeAttempts: Int = 4, firstDelay: Duration = .seconds(1), maximumDelay: Duration = .seconds(15 * 60), hardStop: Int = 100) {
        self.freeAttempts = freeAttempts
        self.firstDelay = firstDelay
        self.maximumDelay = maximumDelay
        self.hardStop = hardStop
    }

    /// Where an account stands.
    public enum State: Sendable, Equatable {
        /// A password may be tried now.
        case open
        /// No attempt is considered before this instant; attempts before it are refused unexamined.
        case delayed(until: Date)
        /// The password no longer works; only a reset (or an admin) reopens the account.
        case disabled
    }

    /// The delay imposed after `failures` consecutive failures (zero while within the free attempts).
    public func delay(afterFailures failures: Int) -> Duration {
        guard failures > freeAttempts else { return .zero }
        let doublings = failures - freeAttempts - 1
        // 2^10 s already exceeds 15 minutes; stop doubling long before overflow.
        guard doublings < 20 else { return maximumDelay }
        let delay = firstDelay * (1 << doublings)
        return min(delay, maximumDelay)
    }

    public func state(failures: Int, lastFailure: Date?, now: Date) -> State {
        if failures >= hardStop { return .disabled }
        let delay = delay(afterFailures: failures)
        guard delay > .zero, let lastFailure else { return .open }
        let until = lastFailure.addingTimeInterval(TimeInterval(delay.components.seconds) + TimeInterval(delay.components.attoseconds) / 1e18)
        return until > now ? .delayed(until: until) : .open
    }

    /// Whether this failure is the one that just locked the account (for the lockout notice and audit).
    public func failureLocks(failuresAfter failures: Int) -> Bool {
        failures == freeAttempts + 1 || failures == hardStop
    }
}

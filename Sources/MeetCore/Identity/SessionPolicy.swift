import Foundation

/// How long a signed-in session lives (SECURITY-REQUIREMENTS.md, Sessions): 30 minutes idle and 12 hours
/// in all by default; an organisation may choose other values but never beyond 1 hour idle or 24 hours
/// in all.
public struct SessionPolicy: Sendable, Equatable {
    public static let maximumIdle: Duration = .seconds(3600)
    public static let maximumAbsolute: Duration = .seconds(24 * 3600)

    public let idleTimeout: Duration
    public let absoluteTimeout: Duration

    public static let standard = SessionPolicy(validatedIdle: .seconds(30 * 60), absolute: .seconds(12 * 3600))

    /// Refuses values outside the caps (and an idle timeout longer than the absolute one) with a
    /// reason an administrator can act on.
    public init(idleTimeout: Duration, absoluteTimeout: Duration) throws {
        guard idleTimeout >= .seconds(60), idleTimeout <= Self.maximumIdle else {
            throw MeetError(.invalidInput, "The idle timeout must be between 1 and 60 minutes.", field: "idleTimeout")
        }
        guard absoluteTimeout >= idleTimeout, absoluteTimeout <= Self.maximumAbsolute else {
            throw MeetError(.invalidInput, "The session lifetime must be at least the idle timeout and at most 24 hours.", field: "absoluteTimeout")
        }
        self.init(validatedIdle: idleTimeout, absolute: absoluteTimeout)
    }

    private init(validatedIdle: Duration, absolute: Duration) {
        idleTimeout = validatedIdle
        absoluteTimeout = absolute
    }

    /// Whether a session created at `createdAt` and last used at `lastSeen` is still valid at `now`.
    public func isAlive(createdAt: Date, lastSeen: Date, now: Date) -> Bool {
        now < createdAt.addingTimeInterval(Self.interval(absoluteTimeout)) && now < lastSeen.addingTimeInterval(Self.interval(idleTimeout))
    }

    /// When the session ends if it is not used again.
    public func expiry(createdAt: Date, lastSeen: Date) -> Date {
        min(createdAt.addingTimeInterval(Self.interval(absoluteTimeout)), lastSeen.addingTimeInterval(Self.interval(idleTimeout)))
    }

    public static func interval(_ duration: Duration) -> TimeInterval {
        TimeInterval(duration.components.seconds) + TimeInterval(duration.components.attoseconds) / 1e18
    }
}

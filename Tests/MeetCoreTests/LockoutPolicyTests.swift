import Foundation
import Testing

@testable import MeetCore

@Suite struct LockoutPolicyTests {
    let policy = LockoutPolicy()
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test(arguments: [(0, 0), (4, 0), (5, 1), (6, 2), (7, 4), (10, 32), (14, 512), (15, 900), (99, 900)])
    func delayDoublesFromTheFifthFailureUpToFifteenMinutes(failures: Int, seconds: Int64) {
        #expect(policy.delay(afterFailures: failures) == .seconds(seconds))
    }

    @Test func freeAttemptsAreNeverDelayed() {
        for failures in 0...4 {
            #expect(policy.state(failures: failures, lastFailure: now, now: now) == .open)
        }
    }

    @Test func aDelayedAccountReopensWhenTheDelayHasPassed() {
        let last = now
        #expect(policy.state(failures: 7, lastFailure: last, now: now.addingTimeInterval(3.9)) == .delayed(until: last.addingTimeInterval(4)))
        #expect(policy.state(failures: 7, lastFailure: last, now: now.addingTimeInterval(4)) == .open)
    }

    @Test func theHundredthConsecutiveFailureDisablesThePasswordForGood() {
        #expect(policy.state(failures: 99, lastFailure: now, now: now.addingTimeInterval(3600)) == .open)
        #expect(policy.state(failures: 100, lastFailure: now, now: now.addingTimeInterval(365 * 86_400)) == .disabled)
        #expect(policy.state(failures: 100, lastFailure: nil, now: now) == .disabled)
    }

    @Test func theLockingFailuresAreTheFifthAndTheHundredth() {
        #expect((1...120).filter { policy.failureLocks(failuresAfter: $0) } == [5, 100])
    }

    @Test func hugeFailureCountsDoNotOverflow() {
        #expect(policy.delay(afterFailures: Int.max) == .seconds(900))
    }
}

@Suite struct SessionPolicyTests {
    let created = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func standardIsThirtyMinutesIdleAndTwelveHoursInAll() {
        let policy = SessionPolicy.standard
        #expect(policy.isAlive(createdAt: created, lastSeen: created, now: created.addingTimeInterval(29 * 60)))
        #expect(!policy.isAlive(createdAt: created, lastSeen: created, now: created.addingTimeInterval(30 * 60)))
        // Kept busy, it still ends after 12 hours.
        let busy = created.addingTimeInterval(12 * 3600 - 60)
        #expect(policy.isAlive(createdAt: created, lastSeen: busy, now: busy.addingTimeInterval(30)))
        #expect(!policy.isAlive(createdAt: created, lastSeen: busy, now: busy.addingTimeInterval(61)))
        #expect(policy.expiry(createdAt: created, lastSeen: busy) == created.addingTimeInterval(12 * 3600))
    }

    @Test(arguments: [(59, 3600), (3601, 7200), (1800, 86_401), (1800, 1799)])
    func organisationsCannotExceedTheCaps(idle: Int64, absolute: Int64) {
        #expect(throws: MeetError.self) { try SessionPolicy(idleTimeout: .seconds(idle), absoluteTimeout: .seconds(absolute)) }
    }

    @Test func organisationsMayTightenWithinTheCaps() throws {
        let strict = try SessionPolicy(idleTimeout: .seconds(300), absoluteTimeout: .seconds(3600))
        #expect(!strict.isAlive(createdAt: created, lastSeen: created, now: created.addingTimeInterval(301)))
        _ = try SessionPolicy(idleTimeout: SessionPolicy.maximumIdle, absoluteTimeout: SessionPolicy.maximumAbsolute)
    }
}

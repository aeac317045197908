import Foundation
import MeetCore
import MeetCrypto
import MeetStore
import Synchronization

/// Collects key events so tests can check what would reach the audit log.
public final class RecordedKeyEvents: KeyEventSink {
    public init() {}
    public let events = Mutex<[KeyEvent]>([])
    public func record(_ event: KeyEvent) async { events.withLock { $0.append(event) } }
    public var actions: [KeyEvent.Action] { events.withLock { $0.map(\.action) } }
}

/// A clock tests can move forward.
public final class TestClock: Sendable {
    public init() {}
    public let current = Mutex(Date())
    public func now() -> Date { current.withLock { $0 } }
    public func advance(seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
    public func advance(days: Double) { current.withLock { $0 = $0.addingTimeInterval(days * 86_400) } }
}

extension Store {
    /// A key ring over this store, as a freshly started process would have (empty caches).
    public func keyRing(
        _ masterKeys: MasterKeys,
        policy: DataKeyRing.Policy = .init(cacheLifetime: .zero),
        events: RecordedKeyEvents = RecordedKeyEvents(),
        clock: TestClock? = nil
    ) -> DataKeyRing {
        let now: @Sendable () -> Date
        if let clock { now = { clock.now() } } else { now = { Date() } }
        return DataKeyRing(masterKeys: masterKeys, repository: FluentDataKeyRepository(store: self), events: events, policy: policy, now: now)
    }
}

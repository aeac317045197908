/// Rejects packets whose index was already seen or lies too far behind the newest one (RFC 3711 §3.3.2),
/// with a window of 512 packets so reordering on lossy links is tolerated.
struct ReplayWindow: Sendable {
    static let size: UInt64 = 512
    private(set) var highest: UInt64?
    private var bits = [UInt64](repeating: 0, count: Int(ReplayWindow.size / 64))

    /// Whether `index` may be accepted (before authentication; call `accept` after it succeeds).
    func allows(_ index: UInt64) -> Bool {
        guard let highest else { return true }
        if index > highest { return true }
        guard highest - index < Self.size else { return false }
        return !isSet(index)
    }

    mutating func accept(_ index: UInt64) {
        if let current = highest, index <= current {
            set(index)
            return
        }
        let start = highest.map { $0 + 1 } ?? index
        if index - start + 1 >= Self.size {
            bits = bits.map { _ in 0 }
        } else {
            var cleared = start
            while cleared <= index {
                clear(cleared)
                cleared += 1
            }
        }
        highest = index
        set(index)
    }

    private func isSet(_ index: UInt64) -> Bool {
        let slot = index % Self.size
        return bits[Int(slot / 64)] & (1 << (slot % 64)) != 0
    }

    private mutating func set(_ index: UInt64) {
        let slot = index % Self.size
        bits[Int(slot / 64)] |= 1 << (slot % 64)
    }

    private mutating func clear(_ index: UInt64) {
        let slot = index % Self.size
        bits[Int(slot / 64)] &= ~(1 << (slot % 64))
    }
}

import Crypto
import Foundation
import MeetCore
import Synchronization

/// Envelope encryption for everything DigitalMeet stores: per-scope data keys (DEKs), wrapped by the
/// master key ring (KEK) and kept in the database, encrypt fields and files with AES-256-GCM.
///
/// - A scope's active key is rotated before `Policy.maxEncryptionsPerKey` encryptions (NIST SP 800-38D
///   bounds random-nonce GCM at 2^32) or `Policy.maxKeyAge`; the old key becomes `retiring` and keeps
///   opening data until the re-encryption job has moved everything to the new key.
/// - Encryptions are reserved from the database in blocks, so the stored count never lags the real one.
/// - Destroying a scope's keys makes everything encrypted under them unreadable (crypto-shredding).
public final class DataKeyRing: Sendable {
    public struct Policy: Sendable {
        public var maxEncryptionsPerKey: Int64
        public var maxKeyAge: Duration
        /// Encryptions reserved from the database at a time.
        public var reservationBlock: Int64
        /// How long an unwrapped key is trusted from memory before its state is read again. Another process
        /// (a second node, or the CLI) may rotate, retire or destroy a key; this bounds how long we miss it.
        /// Re-encryption waits at least this long after a rotation before its final check.
        public var cacheLifetime: Duration

        public init(
            maxEncryptionsPerKey: Int64 = 1 << 31,
            maxKeyAge: Duration = .seconds(365 * 86_400),
            reservationBlock: Int64 = 1024,
            cacheLifetime: Duration = .seconds(10)
        ) {
            self.maxEncryptionsPerKey = maxEncryptionsPerKey
            self.maxKeyAge = maxKeyAge
            self.reservationBlock = reservationBlock
            self.cacheLifetime = cacheLifetime
        }
    }

    let masterKeys: MasterKeys
    let repository: any DataKeyRepository
    public let events: any KeyEventSink
    public let policy: Policy
    let now: @Sendable () -> Date
    let cache = KeyCache()

    public init(
        masterKeys: MasterKeys,
        repository: any DataKeyRepository,
        events: any KeyEventSink,
        policy: Policy = Policy(),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.masterKeys = masterKeys
        self.repository = repository
        self.events = events
        self.policy = policy
        self.now = now
    }

    // MARK: Fields

    /// Encrypts `plaintext` under the scope's active key, bound to its place.
    public func seal(_ plaintext: some DataProtocol, scope: KeyScope, binding: Envelope.Binding) async throws -> [UInt8] {
        let (keyID, key) = try await encryptionKey(scope: scope, encryptions: 1)
        return try Envelope.seal(plaintext, key: key, keyID: keyID, binding: binding)
    }

    public func seal(_ text: String, scope: KeyScope, binding: Envelope.Binding) async throws -> [UInt8] {
        try await seal(Array(text.utf8), scope: scope, binding: binding)
    }

    /// Decrypts a ciphertext made by `seal`; throws `EncryptionError` for anything altered, moved, or under a
    /// key that is gone (retired or destroyed).
    public func open(_ envelope: [UInt8], binding: Envelope.Binding) async throws -> [UInt8] {
        let key = try await decryptionKey(id: try Envelope.keyID(of: envelope))
        return try Envelope.open(envelope, binding: binding) { _ in key }
    }

    public func openString(_ envelope: [UInt8], binding: Envelope.Binding) async throws -> String {
        let bytes = try await open(envelope, binding: binding)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw EncryptionError(.authenticationFailed, "decrypted field is not UTF-8")
        }
        return text
    }

    /// HMAC-SHA256 of a normalised value under the deployment's blind-index key, so equal values can be
    /// found without decrypting. The key is separate from every encryption key and is not rotated
    /// automatically (HMAC has no nonce limit; rotating it means recomputing every index).
    public func blindIndex(_ normalizedValue: String, purpose: String) async throws -> [UInt8] {
        let key = try await activeKey(scope: .system, purpose: .blindIndex, encryptions: 0).key
        var message = Array(purpose.utf8)
        message.append(0)
        message.append(contentsOf: normalizedValue.utf8)
        return Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
    }

    // MARK: Files

    /// A sealer for one large file; it reserves one encryption per chunk.
    public func fileSealer(scope: KeyScope, binding: Envelope.Binding, expectedBytes: Int) async throws -> StreamEnvelope.Sealer {
        let chunks = Int64(max(1, (expectedBytes + StreamEnvelope.defaultChunkSize - 1) / StreamEnvelope.defaultChunkSize + 1))
        let (keyID, key) = try await encryptionKey(scope: scope, encryptions: chunks)
        return StreamEnvelope.Sealer(key: key, keyID: keyID, binding: binding)
    }

    /// An opener for a file made by `fileSealer`, given its first bytes (at least `StreamEnvelope.headerCount`).
    public func fileOpener(header: [UInt8], binding: Envelope.Binding) async throws -> StreamEnvelope.Opener {
        let keyID = try StreamEnvelope.keyID(ofHeader: header)
        return try StreamEnvelope.Opener(header: header, key: try await decryptionKey(id: keyID), binding: binding)
    }

    // MARK: Rotation and erasure

    /// Makes a new active encryption key for the scope; the old one becomes `retiring`.
    /// Returns the (old, new) key ids.
    @discardableResult
    public func rotate(scope: KeyScope, reason: String) async throws -> (old: UInt32?, new: UInt32) {
        let current = try await repository.activeKey(scope: scope, purpose: .encryption)
        cache.forgetActive(scope: scope, purpose: .encryption)
        guard let created = try await createActiveKey(scope: scope, purpose: .encryption, replacing: current?.keyID) else {
            // Another process rotated this scope at the same moment; its new key serves.
            guard let winner = try await repository.activeKey(scope: scope, purpose: .encryption) else {
                throw MeetError(.conflict, "could not rotate the data key of \(scope)")
            }
            return (current?.keyID, winner.keyID)
        }
        await events.record(
            KeyEvent(
                action: .dataKeyRotated,
                keyID: created.keyID,
                scope: scope,
                detail: "\(reason); previous key \(current.map { String($0.keyID) } ?? "none")"
            )
        )
        return (current?.keyID, created.keyID)
    }

    /// Rotates every active encryption key that is too old or too used. Returns the scopes rotated.
    public func rotateDueKeys() async throws -> [KeyScope] {
        var rotated: [KeyScope] = []
        for record in try await repository.allKeys() where record.state == .active && record.purpose == .encryption {
            if let reason = rotationReason(record) {
                try await rotate(scope: record.scope, reason: reason)
                rotated.append(record.scope)
            }
        }
        return rotated
    }

    /// Marks a fully re-encrypted retiring key `retired`, wiping its material.
    public func retire(keyID: UInt32) async throws {
        try await repository.setState(keyID: keyID, to: .retired)
        cache.forget(keyID: keyID)
        await events.record(KeyEvent(action: .dataKeyRetired, keyID: keyID))
    }

    /// Crypto-shredding: destroys every key of the scope, so nothing encrypted under them can be read again.
    public func destroyKeys(scope: KeyScope) async throws -> [UInt32] {
        var destroyed: [UInt32] = []
        for record in try await repository.keys(scope: scope) where record.state != .destroyed {
            try await repository.setState(keyID: record.keyID, to: .destroyed)
            cache.forget(keyID: record.keyID)
            destroyed.append(record.keyID)
            await events.record(KeyEvent(action: .dataKeyDestroyed, keyID: record.keyID, scope: scope))
        }
        cache.forgetActive(scope: scope, purpose: .encryption)
        cache.forgetActive(scope: scope, purpose: .blindIndex)
        return destroyed
    }

    /// Re-wraps every live data key with the current master key version (after a master key rotation).
    /// Data is not touched. Returns how many keys were re-wrapped.
    public func rewrapAll() async throws -> Int {
        let ring = masterKeys.ring
        var count = 0
        for record in try await repository.allKeys() where !record.wrappedKey.isEmpty && record.kekVersion != ring.currentVersion {
            let key = try unwrap(record, ring: ring)
            try await repository.rewrap(
                keyID: record.keyID,
                wrappedKey: try wrap(key, for: record, kek: ring.current),
                kekVersion: ring.currentVersion
            )
            count += 1
        }
        await events.record(
            KeyEvent(action: .dataKeysRewrapped, detail: "\(count) data keys now wrapped by master key version \(ring.currentVersion)")
        )
        return count
    }

    func rotationReason(_ record: DataKeyRecord) -> String? {
        if record.encryptionCount >= policy.maxEncryptionsPerKey { return "encryption limit reached" }
        if now().timeIntervalSince(record.createdAt) >= policy.maxKeyAge.timeInterval { return "maximum key age reached" }
        return nil
    }

    // MARK: Keys

    func encryptionKey(scope: KeyScope, encryptions: Int64) async throws -> (UInt32, SymmetricKey) {
        let active = try await activeKey(scope: scope, purpose: .encryption, encryptions: encryptions)
        return (active.keyID, active.key)
    }

    /// The scope's active key with `encryptions` reserved, creating or rotating it as needed.
    func activeKey(scope: KeyScope, purpose: DataKeyPurpose, encryptions: Int64) async throws -> KeyCache.Active {
        for _ in 0..<4 {
            if let active = cache.takeActive(scope: scope, purpose: purpose, encryptions: encryptions, now: now(), policy: policy) {
                return active
            }
            var record = try await repository.activeKey(scope: scope, purpose: purpose)
            if record == nil {
                // nil when another process created the scope's first key meanwhile: read it next time round.
                record = try await createActiveKey(scope: scope, purpose: purpose, replacing: nil)
            } else if let existing = record, purpose == .encryption, let reason = rotationReason(existing) {
                try await rotate(scope: scope, reason: reason)
                continue
            }
            guard let record else { continue }
            let block = purpose == .encryption ? max(policy.reservationBlock, encryptions) : 0
            let total = block > 0 ? try await repository.reserveEncryptions(keyID: record.keyID, count: block) : record.encryptionCount
            if purpose == .encryption && total > policy.maxEncryptionsPerKey {
                try await rotate(scope: scope, reason: "encryption limit reached")
                continue
            }
            let key = try unwrap(record, ring: masterKeys.ringHolding(version: record.kekVersion))
            let entry = KeyCache.Active(keyID: record.keyID, key: key, remaining: block - encryptions, createdAt: record.createdAt, fetchedAt: now())
            cache.storeActive(entry, scope: scope, purpose: purpose)
            return entry
        }
        throw MeetError(.busy, "could not obtain an active data key for \(scope)")
    }

    func decryptionKey(id: UInt32) async throws -> SymmetricKey {
        if let key = cache.key(id: id, now: now(), lifetime: policy.cacheLifetime) { return key }
        guard let record = try await repository.key(id: id) else { throw EncryptionError(.unknownKey, "data key \(id) does not exist") }
        guard !record.wrappedKey.isEmpty, record.state == .active || record.state == .retiring else {
            throw EncryptionError(.unknownKey, "data key \(id) is \(record.state.rawValue); the data it protected cannot be read")
        }
        let key = try unwrap(record, ring: masterKeys.ringHolding(version: record.kekVersion))
        cache.store(key: key, id: id, now: now())
        return key
    }

    /// Creates the scope's new active key if its current one is still `replacing`; nil if another writer
    /// changed the active key first.
    func createActiveKey(scope: KeyScope, purpose: DataKeyPurpose, replacing: UInt32?) async throws -> DataKeyRecord? {
        let ring = masterKeys.ring
        let key = SymmetricKey(size: .bits256)
        var record = DataKeyRecord(
            keyID: UInt32.random(in: 1...UInt32.max),
            scope: scope,
            purpose: purpose,
            state: .active,
            kekVersion: ring.currentVersion,
            wrappedKey: [],
            encryptionCount: 0,
            createdAt: now()
        )
        record.wrappedKey = try wrap(key, for: record, kek: ring.current)
        do {
            _ = try await repository.insertActive(record, replacing: replacing)
        } catch let error as MeetError where error.code == .conflict {
            // A concurrent writer, or (1 in 2^32) a key id already in use: the caller reads the state again.
            return nil
        }
        await events.record(KeyEvent(action: .dataKeyCreated, keyID: record.keyID, scope: scope, detail: purpose.rawValue))
        return record
    }

    func wrap(_ key: SymmetricKey, for record: DataKeyRecord, kek: SymmetricKey) throws -> [UInt8] {
        let box = try AES.GCM.seal(key.withUnsafeBytes { Array($0) }, using: kek, authenticating: Self.wrappingContext(record))
        guard let combined = box.combined else { throw EncryptionError(.authenticationFailed, "key wrapping failed") }
        return Array(combined)
    }

    func unwrap(_ record: DataKeyRecord, ring: MasterKeyRing) throws -> SymmetricKey {
        guard let kek = ring.keys[record.kekVersion] else {
            throw EncryptionError(.unknownKey, "master key version \(record.kekVersion) is not in the key ring")
        }
        do {
            let box = try AES.GCM.SealedBox(combined: record.wrappedKey)
            return SymmetricKey(data: try AES.GCM.open(box, using: kek, authenticating: Self.wrappingContext(record)))
        } catch {
            throw EncryptionError(.authenticationFailed, "data key \(record.keyID) failed to unwrap (tampered, or a different master key)")
        }
    }

    /// Binds a wrapped key to its id, scope and purpose, so wrapped keys cannot be swapped between rows.
    static func wrappingContext(_ record: DataKeyRecord) -> [UInt8] {
        Array("digitalmeet.dek.v1|\(record.keyID)|\(record.scope)|\(record.purpose.rawValue)".utf8)
    }
}

/// The master key ring in use, reloadable so a running server picks up a `keys rotate-kek` done by the CLI.
public final class MasterKeys: Sendable {
    private let state: Mutex<MasterKeyRing>
    private let reload: (@Sendable () throws -> MasterKeyRing)?

    public init(_ ring: MasterKeyRing, reload: (@Sendable () throws -> MasterKeyRing)? = nil) {
        self.state = Mutex(ring)
        self.reload = reload
    }

    public var ring: MasterKeyRing { state.withLock { $0 } }

    /// Replaces the ring (after `rotate-kek` wrote a new version).
    public func replace(with ring: MasterKeyRing) {
        state.withLock { $0 = ring }
    }

    /// The ring, reloaded from its source if it lacks `version`.
    func ringHolding(version: UInt32) throws -> MasterKeyRing {
        let current = ring
        guard current.keys[version] == nil, let reload else { return current }
        let fresh = try reload()
        replace(with: fresh)
        return fresh
    }
}

/// Unwrapped data keys held in memory, each for at most `Policy.cacheLifetime`. A lock rather than an
/// actor: every operation is a dictionary lookup, and the hot path must not hop executors.
final class KeyCache: Sendable {
    struct Active: Sendable {
        let keyID: UInt32
        let key: SymmetricKey
        var remaining: Int64
        let createdAt: Date
        let fetchedAt: Date
    }

    struct Slot: Hashable {
        let scope: KeyScope
        let purpose: DataKeyPurpose
    }

    struct State {
        var keys: [UInt32: (key: SymmetricKey, fetchedAt: Date)] = [:]
        var active: [Slot: Active] = [:]
    }

    private let state = Mutex(State())

    func key(id: UInt32, now: Date, lifetime: Duration) -> SymmetricKey? {
        state.withLock { state in
            guard let entry = state.keys[id], now.timeIntervalSince(entry.fetchedAt) < lifetime.timeInterval else { return nil }
            return entry.key
        }
    }

    func store(key: SymmetricKey, id: UInt32, now: Date) {
        state.withLock { $0.keys[id] = (key, now) }
    }

    func forget(keyID: UInt32) {
        state.withLock { state in
            state.keys[keyID] = nil
            state.active = state.active.filter { $0.value.keyID != keyID }
        }
    }

    func forgetActive(scope: KeyScope, purpose: DataKeyPurpose) {
        _ = state.withLock { $0.active.removeValue(forKey: Slot(scope: scope, purpose: purpose)) }
    }

    /// The cached active key if it is fresh, young enough and (for encryption) still has `encryptions` reserved.
    func takeActive(scope: KeyScope, purpose: DataKeyPurpose, encryptions: Int64, now: Date, policy: DataKeyRing.Policy) -> Active? {
        state.withLock { state in
            let slot = Slot(scope: scope, purpose: purpose)
            guard var entry = state.active[slot] else { return nil }
            guard now.timeIntervalSince(entry.fetchedAt) < policy.cacheLifetime.timeInterval else {
                state.active[slot] = nil
                return nil
            }
            if purpose == .encryption {
                guard entry.remaining >= encryptions, now.timeIntervalSince(entry.createdAt) < policy.maxKeyAge.timeInterval else {
                    state.active[slot] = nil
                    return nil
                }
                entry.remaining -= encryptions
                state.active[slot] = entry
            }
            return entry
        }
    }

    func storeActive(_ entry: Active, scope: KeyScope, purpose: DataKeyPurpose) {
        state.withLock { state in
            state.active[Slot(scope: scope, purpose: purpose)] = entry
            state.keys[entry.keyID] = (entry.key, entry.fetchedAt)
        }
    }
}

extension Duration {
    /// The duration in seconds, as `TimeInterval`.
    public var timeInterval: TimeInterval {
        TimeInterval(components.seconds) + TimeInterval(components.attoseconds) / 1e18
    }
}

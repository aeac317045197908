import Foundation

/// Whose data a data key protects; destroying the key erases that data (crypto-shredding).
public enum KeyScope: Hashable, Sendable, CustomStringConvertible {
    /// Keys of the deployment itself, such as the blind-index key.
    case system
    case organization(UUID)
    /// Personal data that must be erasable per person.
    case user(UUID)

    public var kind: String {
        switch self {
        case .system: "system"
        case .organization: "organization"
        case .user: "user"
        }
    }

    public var id: UUID? {
        switch self {
        case .system: nil
        case .organization(let id), .user(let id): id
        }
    }

    public init?(kind: String, id: UUID?) {
        switch (kind, id) {
        case ("system", nil): self = .system
        case ("organization", .some(let id)): self = .organization(id)
        case ("user", .some(let id)): self = .user(id)
        default: return nil
        }
    }

    public var description: String { id.map { "\(kind):\($0.uuidString.lowercased())" } ?? kind }

    /// Parses `description` back.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard let kind = parts.first else { return nil }
        if parts.count == 2 {
            guard let id = UUID(uuidString: parts[1]) else { return nil }
            self.init(kind: kind, id: id)
        } else {
            self.init(kind: kind, id: nil)
        }
    }
}

/// What a data key is for.
public enum DataKeyPurpose: String, Sendable, Codable, CaseIterable {
    /// AES-256-GCM encryption of fields and files.
    case encryption
    /// HMAC-SHA256 blind indexes of searchable fields.
    case blindIndex = "blind-index"
}

/// A data key's life: active (encrypts), retiring (still opens data while it is re-encrypted),
/// retired (nothing refers to it; its material is wiped), destroyed (crypto-shredded with its data).
public enum DataKeyState: String, Sendable, Codable, CaseIterable {
    case active
    case retiring
    case retired
    case destroyed
}

/// A data key as stored: its material only ever wrapped by a key-encryption key.
public struct DataKeyRecord: Sendable, Equatable {
    /// The id named in every ciphertext made with this key.
    public var keyID: UInt32
    public var scope: KeyScope
    public var purpose: DataKeyPurpose
    public var state: DataKeyState
    /// The master key version that wraps `wrappedKey`.
    public var kekVersion: UInt32
    /// AES-256-GCM of the key under the KEK; empty once retired or destroyed.
    public var wrappedKey: [UInt8]
    /// Encryptions reserved so far (never fewer than performed).
    public var encryptionCount: Int64
    public var createdAt: Date

    public init(
        keyID: UInt32,
        scope: KeyScope,
        purpose: DataKeyPurpose,
        state: DataKeyState,
        kekVersion: UInt32,
        wrappedKey: [UInt8],
        encryptionCount: Int64,
        createdAt: Date
    ) {
        self.keyID = keyID
        self.scope = scope
        self.purpose = purpose
        self.state = state
        self.kekVersion = kekVersion
        self.wrappedKey = wrappedKey
        self.encryptionCount = encryptionCount
        self.createdAt = createdAt
    }
}

/// Storage of data keys (wrapped) for the key ring.
public protocol DataKeyRepository: Sendable {
    func activeKey(scope: KeyScope, purpose: DataKeyPurpose) async throws -> DataKeyRecord?
    func key(id: UInt32) async throws -> DataKeyRecord?
    func allKeys() async throws -> [DataKeyRecord]
    func keys(scope: KeyScope) async throws -> [DataKeyRecord]
    /// Stores `record` as the scope's active key and moves the previous active key to `retiring`,
    /// atomically, provided the previous active key is `replacing` (nil: there must be none). Throws
    /// `MeetError(.conflict)` if another writer got there first or the key id is taken.
    func insertActive(_ record: DataKeyRecord, replacing: UInt32?) async throws -> DataKeyRecord?
    /// Replaces a key's wrapping (KEK rotation); the key itself does not change.
    func rewrap(keyID: UInt32, wrappedKey: [UInt8], kekVersion: UInt32) async throws
    /// Adds `count` to the key's encryption counter and returns the new total.
    func reserveEncryptions(keyID: UInt32, count: Int64) async throws -> Int64
    /// Moves a key to `state`; `retired` and `destroyed` also wipe its wrapped material.
    func setState(keyID: UInt32, to state: DataKeyState) async throws
}

/// A key event for the audit log (key rotation, use for export, destruction). Never carries key material.
public struct KeyEvent: Sendable, Equatable {
    public enum Action: String, Sendable, CaseIterable {
        case dataKeyCreated = "key.data.created"
        case dataKeyRotated = "key.data.rotated"
        case dataKeyRetired = "key.data.retired"
        case dataKeyDestroyed = "key.data.destroyed"
        case masterKeyRotated = "key.master.rotated"
        case dataKeysRewrapped = "key.data.rewrapped"
        case reencryptionStarted = "key.reencryption.started"
        case reencryptionFinished = "key.reencryption.finished"
    }

    public var action: Action
    public var keyID: UInt32?
    public var scope: KeyScope?
    public var detail: String

    public init(action: Action, keyID: UInt32? = nil, scope: KeyScope? = nil, detail: String = "") {
        self.action = action
        self.keyID = keyID
        self.scope = scope
        self.detail = detail
    }
}

/// Where key events go: the log and the audit log (`AuditingKeyEventSink`).
public protocol KeyEventSink: Sendable {
    func record(_ event: KeyEvent) async
}

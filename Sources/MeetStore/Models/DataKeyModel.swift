import FluentKit
import Foundation
import MeetCore

/// A data key, stored only wrapped by the master key.
final class DataKeyModel: Model, @unchecked Sendable {
    static let schema = "data_keys"

    @ID(key: .id) var id: UUID?
    /// The 32-bit id written into every ciphertext made with this key.
    @Field(key: "key_id") var keyID: Int64
    /// `KeyScope.description`: "system", "organization:<uuid>" or "user:<uuid>".
    @Field(key: "scope") var scope: String
    @Field(key: "purpose") var purpose: String
    @Field(key: "state") var state: String
    @Field(key: "kek_version") var kekVersion: Int64
    @Field(key: "wrapped_key") var wrappedKey: Data
    @Field(key: "encryption_count") var encryptionCount: Int64
    @Field(key: "created_at") var createdAt: Date
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}

    init(_ record: DataKeyRecord) {
        id = UUID()
        keyID = Int64(record.keyID)
        scope = record.scope.description
        purpose = record.purpose.rawValue
        state = record.state.rawValue
        kekVersion = Int64(record.kekVersion)
        wrappedKey = Data(record.wrappedKey)
        encryptionCount = record.encryptionCount
        createdAt = record.createdAt
    }

    func record() throws -> DataKeyRecord {
        guard let scope = KeyScope(scope), let purpose = DataKeyPurpose(rawValue: purpose), let state = DataKeyState(rawValue: state),
            let keyID = UInt32(exactly: keyID), let kekVersion = UInt32(exactly: kekVersion)
        else { throw StoreError("data key row \(id?.uuidString ?? "?") is malformed") }
        return DataKeyRecord(
            keyID: keyID,
            scope: scope,
            purpose: purpose,
            state: state,
            kekVersion: kekVersion,
            wrappedKey: Array(wrappedKey),
            encryptionCount: encryptionCount,
            createdAt: createdAt
        )
    }
}

/// How far the re-encryption of a retiring key's data has got, so a restart resumes instead of starting over.
final class ReencryptionProgressModel: Model, @unchecked Sendable {
    static let schema = "reencryption_progress"

    @ID(key: .id) var id: UUID?
    @Field(key: "old_key_id") var oldKeyID: Int64
    @Field(key: "column_index") var columnIndex: Int
    @OptionalField(key: "last_row_id") var lastRowID: UUID?
    @Field(key: "rows_reencrypted") var rowsReencrypted: Int64
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}
}

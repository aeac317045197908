import Foundation
import MeetCrypto
import SQLKit

/// Every column that holds an AES-256-GCM envelope, with the binding its ciphertexts carry.
/// Re-encryption, key inventories and the plaintext-scan tests walk this list, so a new encrypted
/// column must be added here.
public struct EncryptedColumn: Sendable, Hashable {
    public let table: String
    /// The database column holding the envelope.
    public let column: String
    /// The column name bound into the ciphertext (`Envelope.Binding.column`).
    public let boundName: String

    public func binding(rowID: UUID) -> Envelope.Binding {
        Envelope.Binding(table: table, column: boundName, rowID: rowID.uuidString)
    }

    public static let userEmail = EncryptedColumn(table: "users", column: "email_ciphertext", boundName: "email")

    public static let userTOTPSecret = EncryptedColumn(table: "users", column: "totp_secret_ciphertext", boundName: "totp_secret")
    public static let userPendingTOTP = EncryptedColumn(table: "users", column: "totp_pending_ciphertext", boundName: "totp_pending")
    public static let sessionDevice = EncryptedColumn(table: "sessions", column: "device_ciphertext", boundName: "device")
    public static let accountTokenPayload = EncryptedColumn(table: "account_tokens", column: "payload_ciphertext", boundName: "payload")
    public static let invitationEmail = EncryptedColumn(table: "invitations", column: "email_ciphertext", boundName: "email")
    public static let webAuthnCredentialName = EncryptedColumn(table: "webauthn_credentials", column: "name_ciphertext", boundName: "name")
    /// A chat message's sender name and text, sealed under the organisation's key.
    public static let chatMessage = EncryptedColumn(table: "chat_messages", column: "message_ciphertext", boundName: "message")
    /// A vulnerability report's summary, details and the reporter's address and name.
    public static let securityReport = EncryptedColumn(table: "security_reports", column: "report_ciphertext", boundName: "report")

    /// New columns go at the end: an interrupted re-encryption resumes by position in this list.
    public static let all: [EncryptedColumn] = [
        userEmail, userTOTPSecret, userPendingTOTP, sessionDevice, accountTokenPayload, invitationEmail, webAuthnCredentialName,
        chatMessage, securityReport,
    ]
}

extension Store {
    /// One page of (row id, envelope) pairs of a column, in id order, after `afterID`.
    func envelopes(in column: EncryptedColumn, after afterID: UUID?, limit: Int) async throws -> [(id: UUID, envelope: [UInt8])] {
        var query = try sql.select().column("id").column(SQLIdentifier(column.column)).from(column.table)
            .where(SQLIdentifier(column.column), .isNot, SQLLiteral.null)
        if let afterID { query = query.where("id", .greaterThan, afterID) }
        return try await query.orderBy("id").limit(limit).all().map { row in
            (try row.decode(column: "id", as: UUID.self), Array(try row.decode(column: column.column, as: Data.self)))
        }
    }

    /// How many envelopes of every registered column name each key id.
    public func envelopeCountsByKey() async throws -> [UInt32: Int] {
        var counts: [UInt32: Int] = [:]
        for column in EncryptedColumn.all {
            var after: UUID?
            while true {
                let page = try await envelopes(in: column, after: after, limit: 500)
                guard let last = page.last else { break }
                for row in page {
                    if let keyID = try? Envelope.keyID(of: row.envelope) { counts[keyID, default: 0] += 1 }
                }
                after = last.id
            }
        }
        return counts
    }
}

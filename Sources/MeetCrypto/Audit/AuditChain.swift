import Crypto
import Foundation
import MeetCore

/// The audit log's hash chain (RFC 6962-style domain separation: 0x00 for an entry, 0x01 for a link)
/// and the bytes its Ed25519 checkpoints sign. The encoding is documented in docs/audit.md so anyone
/// holding an export can recompute every hash.
public enum AuditChain {
    public static let genesis = [UInt8](repeating: 0, count: 32)
    static let checkpointContext = Array("DigitalMeet audit checkpoint v1".utf8)

    /// The canonical bytes of an entry: version 1, then every field in a fixed order, strings as a
    /// big-endian 32-bit length and UTF-8, optional fields behind a 0/1 presence byte, integers big-endian.
    public static func canonicalBytes(chain: String, sequence: Int64, event: AuditEvent) -> [UInt8] {
        var bytes: [UInt8] = [1]
        bytes.appendString(chain)
        bytes.appendInteger(UInt64(bitPattern: sequence))
        bytes.appendInteger(UInt64(bitPattern: milliseconds(event.occurredAt)))
        bytes.appendString(event.action.rawValue)
        bytes.appendString(event.outcome.rawValue)
        bytes.appendOptional(event.organizationID.map { $0.uuidString.lowercased() })
        bytes.appendOptional(event.actorID.map { $0.uuidString.lowercased() })
        bytes.appendOptional(event.target?.type)
        bytes.appendOptional(event.target?.id)
        bytes.appendOptional(event.address)
        bytes.appendOptional(event.requestID)
        let details = event.details.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
        bytes.appendInteger(UInt32(details.count))
        for (key, value) in details {
            bytes.appendString(key)
            bytes.appendString(value)
        }
        return bytes
    }

    public static func entryHash(chain: String, sequence: Int64, event: AuditEvent) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: [0x00])
        hasher.update(data: canonicalBytes(chain: chain, sequence: sequence, event: event))
        return Array(hasher.finalize())
    }

    public static func link(previous: [UInt8], entryHash: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: [0x01])
        hasher.update(data: previous)
        hasher.update(data: entryHash)
        return Array(hasher.finalize())
    }

    /// The next entry of a chain whose head is `(sequence, chainHash)`.
    public static func append(_ event: AuditEvent, chain: String, after head: (sequence: Int64, chainHash: [UInt8])) -> AuditEntry {
        let sequence = head.sequence + 1
        let entryHash = entryHash(chain: chain, sequence: sequence, event: event)
        return AuditEntry(
            chain: chain,
            sequence: sequence,
            event: event,
            entryHash: entryHash,
            chainHash: link(previous: head.chainHash, entryHash: entryHash)
        )
    }

    /// The bytes a checkpoint's Ed25519 signature covers.
    public static func checkpointMessage(chain: String, sequence: Int64, chainHash: [UInt8], signedAt: Date) -> [UInt8] {
        var bytes = checkpointContext
        bytes.append(0)
        bytes.appendString(chain)
        bytes.appendInteger(UInt64(bitPattern: sequence))
        bytes.append(contentsOf: chainHash)
        bytes.appendInteger(UInt64(bitPattern: milliseconds(signedAt)))
        return bytes
    }

    /// Signs a checkpoint of a chain's head.
    public static func checkpoint(
        chain: String,
        sequence: Int64,
        chainHash: [UInt8],
        signedAt: Date,
        key: Curve25519.Signing.PrivateKey,
        keyID: UUID
    ) throws -> AuditCheckpoint {
        let signedAt = Date(timeIntervalSince1970: (signedAt.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
        let signature = try key.signature(for: checkpointMessage(chain: chain, sequence: sequence, chainHash: chainHash, signedAt: signedAt))
        return AuditCheckpoint(
            chain: chain,
            sequence: sequence,
            chainHash: chainHash,
            signedAt: signedAt,
            keyID: keyID,
            publicKey: Array(key.publicKey.rawRepresentation),
            signature: Array(signature)
        )
    }

    public static func isValid(_ checkpoint: AuditCheckpoint) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: checkpoint.publicKey) else { return false }
        let message = checkpointMessage(
            chain: checkpoint.chain,
            sequence: checkpoint.sequence,
            chainHash: checkpoint.chainHash,
            signedAt: checkpoint.signedAt
        )
        return key.isValidSignature(checkpoint.signature, for: message)
    }

    /// Audit times are whole milliseconds (`AuditEvent` truncates); rounding to the nearest absorbs
    /// the floating-point error of a value read back from the database.
    public static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }
}

extension [UInt8] {
    fileprivate mutating func appendInteger<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }

    fileprivate mutating func appendString(_ text: String) {
        let utf8 = Array(text.utf8)
        appendInteger(UInt32(utf8.count))
        append(contentsOf: utf8)
    }

    fileprivate mutating func appendOptional(_ text: String?) {
        if let text {
            append(1)
            appendString(text)
        } else {
            append(0)
        }
    }
}

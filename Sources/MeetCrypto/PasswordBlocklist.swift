import Crypto
import Foundation
import MeetCore

// The bundled set of common and breached passwords (Resources/password-blocklist.bin), made by
// scripts/build-password-blocklist; Resources/README.md says where the passwords come from.
//
// Each password is normalised (Unicode NFC, then lower case) and fingerprinted:
//
//     h = first 8 bytes, big-endian, of SHA-256("digitalmeet-password-blocklist-v1\0" + UTF-8(password))
//     v = (h * F) >> 64, with F = N * 2^P   (a uniform reduction of h into [0, F))
//
// The N values are sorted (two passwords may share a value: their difference is then 0) and each is
// coded as its difference from the previous one (the first from 0) with a Rice code of parameter P:
// the quotient d >> P in unary (that many 1 bits, then a 0 bit), then the remainder d & (2^P - 1) in
// P bits, most significant first. Bits fill each byte from its most significant bit; the last byte is
// padded with zero bits. This is a Golomb-Rice coded set: a password that is not listed is reported
// as listed with probability about 2^-P (P = 20: about one in a million). The file holds no password.
//
// File format, version 1 (all integers big-endian, fixed widths):
//
//     offset  size  field
//     0       4     magic "DMPB"
//     4       1     version, 1
//     5       1     P, the Rice parameter (1...32)
//     6       4     N, the number of coded values (UInt32)
//     10      4     K, the number of index entries (UInt32), which must be ceil(N / 1024)
//     14      16*K  index entry i: the value of element i*1024 (UInt64), then the bit offset in the
//                   stream at which that element's code starts (UInt64)
//     14+16K  ...   the Rice-coded stream, to the end of the file: exactly as many bytes as its bits need
//
// A lookup binary-searches the index for the last entry whose value is not above the wanted value
// and decodes at most 1,024 codes from there. Loading checks the whole file (header, index, every
// code, the padding), so a truncated, corrupt or foreign file is refused with a reason, never used.

/// Why a password blocklist file was refused: a stable code for programs and tests, a reason for people.
public struct PasswordBlocklistError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The file could not be read.
        case unreadable
        /// The file is not a DigitalMeet password blocklist (wrong magic).
        case notABlocklist
        /// A blocklist in a format version this server does not know.
        case unsupportedVersion
        /// The file ends before its header, index or stream does.
        case truncated
        /// The header, index or stream is inconsistent.
        case malformed
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }
}

/// The set of common and breached passwords the password policy refuses, read from a Golomb-Rice coded file.
public struct PasswordBlocklist: BreachedPasswordList, Sendable, CustomStringConvertible {
    /// Where the server looks for the file unless configured otherwise, relative to the working directory.
    public static let defaultPath = "Resources/password-blocklist.bin"

    static let magic: [UInt8] = Array("DMPB".utf8)
    static let version: UInt8 = 1
    static let indexInterval = 1024
    static let headerSize = 14
    static let indexEntrySize = 16
    static let domainTag: [UInt8] = Array("digitalmeet-password-blocklist-v1\0".utf8)
    /// Bits a `peek` always returns from the stream: 64 less at most 7 of the first byte.
    static let peekBits = 57

    /// How many values the set holds (distinct normalised passwords when the file was made).
    public let count: Int
    /// The Rice parameter: a password that is not listed is found with probability about 2^-riceParameter.
    public let riceParameter: Int
    /// F = count · 2^riceParameter: fingerprints are reduced into [0, F).
    let modulus: UInt64
    let indexValues: [UInt64]
    let indexOffsets: [Int]
    /// The coded stream followed by 8 zero bytes, so a 64-bit read at any bit of the stream stays in the array.
    let stream: [UInt8]
    let streamBits: Int

    /// Reads and checks the file at `path`.
    public init(contentsOf path: String) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw PasswordBlocklistError(.unreadable, "Cannot read the password blocklist \(path): \(error.localizedDescription)")
        }
        do {
            try self.init(bytes: [UInt8](data))
        } catch let error as PasswordBlocklistError {
            throw PasswordBlocklistError(error.code, "\(path): \(error.reason)")
        }
    }

    /// Reads and checks a blocklist held in memory.
    public init(bytes: [UInt8]) throws {
        guard bytes.count >= Self.headerSize else {
            throw PasswordBlocklistError(
                .truncated,
                "The password blocklist is \(bytes.count) bytes long, shorter than its \(Self.headerSize)-byte header."
            )
        }
        guard bytes[0..<4].elementsEqual(Self.magic) else {
            throw PasswordBlocklistError(.notABlocklist, "This is not a DigitalMeet password blocklist: it does not start with \"DMPB\".")
        }
        guard bytes[4] == Self.version else {
            throw PasswordBlocklistError(
                .unsupportedVersion,
                "The password blocklist is format version \(bytes[4]); this server reads version \(Self.version)."
            )
        }
        let riceParameter = Int(bytes[5])
        guard (1...32).contains(riceParameter) else {
            throw PasswordBlocklistError(.malformed, "The password blocklist's Rice parameter is \(riceParameter); it must be 1 to 32.")
        }
        let count = Int(Self.readBigEndian(bytes, at: 6, width: 4))
        let indexCount = Int(Self.readBigEndian(bytes, at: 10, width: 4))
        let expectedIndexCount = (count + Self.indexInterval - 1) / Self.indexInterval
        guard indexCount == expectedIndexCount else {
            throw PasswordBlocklistError(
                .malformed,
                "The password blocklist's index has \(indexCount) entries; \(count) values need \(expectedIndexCount)."
            )
        }
        let streamStart = Self.headerSize + indexCount * Self.indexEntrySize
        guard bytes.count >= streamStart else {
            throw PasswordBlocklistError(
                .truncated,
                "The password blocklist ends inside its index: \(bytes.count) bytes, the index alone ends at byte \(streamStart)."
            )
        }
        let streamBits = (bytes.count - streamStart) * 8
        let modulus = UInt64(count) << UInt64(riceParameter)
        var indexValues: [UInt64] = []
        var indexOffsets: [Int] = []
        indexValues.reserveCapacity(indexCount)
        indexOffsets.reserveCapacity(indexCount)
        for entry in 0..<indexCount {
            let position = Self.headerSize + entry * Self.indexEntrySize
            let value = Self.readBigEndian(bytes, at: position, width: 8)
            let offset = Self.readBigEndian(bytes, at: position + 8, width: 8)
            guard value < modulus else {
                throw PasswordBlocklistError(.malformed, "Index entry \(entry) of the password blocklist holds a value beyond the set's range.")
            }
            guard offset < UInt64(streamBits) else {
                throw PasswordBlocklistError(
                    .malformed,
                    "Index entry \(entry) of the password blocklist points to bit \(offset), beyond its \(streamBits)-bit stream; the file is truncated or corrupt."
                )
            }
            if entry == 0 {
                guard offset == 0 else {
                    throw PasswordBlocklistError(.malformed, "The password blocklist's first index entry does not point to the start of the stream.")
                }
            } else {
                guard value >= indexValues[entry - 1], Int(offset) > indexOffsets[entry - 1] else {
                    throw PasswordBlocklistError(
                        .malformed,
                        "Index entry \(entry) of the password blocklist is out of order with the entry before it."
                    )
                }
            }
            indexValues.append(value)
            indexOffsets.append(Int(offset))
        }
        self.count = count
        self.riceParameter = riceParameter
        self.modulus = modulus
        self.indexValues = indexValues
        self.indexOffsets = indexOffsets
        self.stream = Array(bytes[streamStart...]) + [UInt8](repeating: 0, count: 8)
        self.streamBits = streamBits
        try validateStream()
    }

    /// A summary for logs and test failures (the stream itself is megabytes).
    public var description: String {
        "PasswordBlocklist(\(count) entries, P = \(riceParameter), \(stream.count - 8) bytes of codes)"
    }

    /// Whether `password`, after NFC and lower-casing, is in the set (or, with probability about 2^-riceParameter, collides with an entry).
    public func contains(_ password: String) -> Bool {
        guard count > 0 else { return false }
        return contains(value: Self.fingerprint(Self.normalize(password)).multipliedFullWidth(by: modulus).high)
    }

    /// The form the set compares: Unicode NFC, then lower case.
    public static func normalize(_ password: String) -> String {
        password.precomposedStringWithCanonicalMapping.lowercased()
    }

    /// The first 64 bits, big-endian, of SHA-256 over the domain tag and the UTF-8 of an already normalised password.
    static func fingerprint(_ normalized: String) -> UInt64 {
        var hasher = SHA256()
        hasher.update(data: domainTag)
        var text = normalized
        text.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        return hasher.finalize().withUnsafeBytes { digest in
            digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        }
    }

    /// Whether a reduced value (in [0, modulus)) is one of the set's values.
    func contains(value target: UInt64) -> Bool {
        // The first index entry whose value is above the target; the block before it is the only one that can hold it.
        var low = 0
        var high = indexValues.count
        while low < high {
            let middle = (low + high) / 2
            if indexValues[middle] <= target {
                low = middle + 1
            } else {
                high = middle
            }
        }
        guard low > 0 else { return false }
        let block = low - 1
        var value = indexValues[block]
        if value == target { return true }
        let first = block * Self.indexInterval
        let end = min(count, first + Self.indexInterval)
        var position = indexOffsets[block]
        return stream.withUnsafeBufferPointer { buffer in
            // The first code of the block is the difference to the previous block, whose sum the index already holds.
            guard decode(buffer, at: &position) != nil else { return false }
            for _ in (first + 1)..<end {
                guard let delta = decode(buffer, at: &position) else { return false }
                value &+= delta
                if value >= target { return value == target }
            }
            return false
        }
    }

    /// Decodes every code once, checking each block against its index entry, the range of the values and the padding.
    private func validateStream() throws {
        try stream.withUnsafeBufferPointer { buffer in
            var position = 0
            var value: UInt64 = 0
            for element in 0..<count {
                let entry = element / Self.indexInterval
                let startsBlock = element % Self.indexInterval == 0
                if startsBlock && position != indexOffsets[entry] {
                    throw PasswordBlocklistError(
                        .malformed,
                        "Index entry \(entry) of the password blocklist points to bit \(indexOffsets[entry]); its code starts at bit \(position)."
                    )
                }
                guard let delta = decode(buffer, at: &position) else {
                    throw PasswordBlocklistError(.truncated, "The password blocklist's stream ends inside the code of value \(element) of \(count).")
                }
                let (sum, overflow) = value.addingReportingOverflow(delta)
                guard !overflow, sum < modulus else {
                    throw PasswordBlocklistError(.malformed, "Value \(element) of the password blocklist is beyond the set's range.")
                }
                value = sum
                if startsBlock && value != indexValues[entry] {
                    throw PasswordBlocklistError(
                        .malformed,
                        "Index entry \(entry) of the password blocklist does not hold the value its block starts with."
                    )
                }
            }
            let usedBytes = (position + 7) / 8
            guard usedBytes == streamBits / 8 else {
                throw PasswordBlocklistError(
                    .malformed,
                    "The password blocklist's stream is \(streamBits / 8) bytes long; its \(count) codes take \(usedBytes)."
                )
            }
            if position % 8 != 0 {
                let padding = buffer[usedBytes - 1] & (UInt8(0xFF) >> UInt8(position % 8))
                guard padding == 0 else {
                    throw PasswordBlocklistError(.malformed, "The password blocklist's last byte has padding bits set.")
                }
            }
        }
    }

    /// One Rice code starting at `position`, which moves past it; nil if the code runs past the end of the stream
    /// or its value does not fit in 64 bits.
    @inline(__always)
    private func decode(_ buffer: UnsafeBufferPointer<UInt8>, at position: inout Int) -> UInt64? {
        var quotient = 0
        while true {
            guard position < streamBits else { return nil }
            let ones = (~Self.peek(buffer, at: position)).leadingZeroBitCount
            if ones < Self.peekBits {
                quotient += ones
                position += ones + 1
                break
            }
            quotient += Self.peekBits
            position += Self.peekBits
        }
        guard position + riceParameter <= streamBits, quotient < 1 << (64 - riceParameter) else { return nil }
        let remainder = Self.peek(buffer, at: position) >> UInt64(64 - riceParameter)
        position += riceParameter
        return UInt64(quotient) << UInt64(riceParameter) | remainder
    }

    /// 64 bits of the stream from bit `bit` on, most significant first; at least the first 57 are the stream's
    /// (the rest are zero). `bit` must be at most `streamBits`, so the 8 bytes read stay within the padded array.
    @inline(__always)
    private static func peek(_ buffer: UnsafeBufferPointer<UInt8>, at bit: Int) -> UInt64 {
        let start = bit >> 3
        assert(start + 8 <= buffer.count)
        let word = UInt64(bigEndian: UnsafeRawPointer(buffer.baseAddress! + start).loadUnaligned(as: UInt64.self))
        return word << UInt64(bit & 7)
    }

    private static func readBigEndian(_ bytes: [UInt8], at offset: Int, width: Int) -> UInt64 {
        bytes[offset..<(offset + width)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }
}

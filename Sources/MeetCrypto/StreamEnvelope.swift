import Crypto
import Foundation

/// Chunked AES-256-GCM for large files such as recordings, so neither side holds a whole file in memory.
///
/// Layout: `"DMSE" | version(1) | keyID(4) | chunkSize(4) | noncePrefix(8)`, then chunks of
/// `ciphertext | tag(16)`, every chunk `chunkSize` plaintext bytes but the last. Each chunk's nonce is
/// `noncePrefix | index(4)` and its associated data binds the header, the file's place, the index and
/// whether it is the last chunk, so reordering, dropping, truncating or splicing chunks is detected.
public enum StreamEnvelope {
    public static let defaultChunkSize = 64 * 1024
    public static let headerCount = 4 + 1 + 4 + 4 + 8
    static let magic: [UInt8] = Array("DMSE".utf8)
    static let version: UInt8 = 1
    static let tagCount = 16

    public static func keyID(ofHeader header: [UInt8]) throws -> UInt32 {
        try parseHeader(header).keyID
    }

    static func parseHeader(_ bytes: [UInt8]) throws -> (keyID: UInt32, chunkSize: Int, noncePrefix: [UInt8]) {
        guard bytes.count >= headerCount else { throw EncryptionError(.truncated, "file is shorter than its header") }
        guard Array(bytes[0..<4]) == magic else { throw EncryptionError(.unsupportedVersion, "not a DigitalMeet encrypted file") }
        guard bytes[4] == version else { throw EncryptionError(.unsupportedVersion, "encrypted file format \(bytes[4]) is not supported") }
        let keyID = bytes[5..<9].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let chunkSize = Int(bytes[9..<13].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        guard (1...(16 * 1024 * 1024)).contains(chunkSize) else {
            throw EncryptionError(.authenticationFailed, "implausible chunk size \(chunkSize)")
        }
        return (keyID, chunkSize, Array(bytes[13..<21]))
    }

    static func associatedData(header: [UInt8], binding: Envelope.Binding, index: UInt32, final: Bool) -> [UInt8] {
        var data = binding.associatedData(header: header)
        data.append(contentsOf: withUnsafeBytes(of: index.bigEndian, Array.init))
        data.append(final ? 1 : 0)
        return data
    }

    static func nonce(prefix: [UInt8], index: UInt32) throws -> AES.GCM.Nonce {
        try AES.GCM.Nonce(data: prefix + withUnsafeBytes(of: index.bigEndian, Array.init))
    }

    /// Encrypts a stream: feed bytes with `update`, end with `finish`; write out everything returned, in order.
    public struct Sealer: Sendable {
        public let header: [UInt8]
        let key: SymmetricKey
        let binding: Envelope.Binding
        let chunkSize: Int
        let noncePrefix: [UInt8]
        var buffer: [UInt8] = []
        var index: UInt32 = 0
        var headerWritten = false
        var finished = false

        init(key: SymmetricKey, keyID: UInt32, binding: Envelope.Binding, chunkSize: Int = StreamEnvelope.defaultChunkSize) {
            self.key = key
            self.binding = binding
            self.chunkSize = chunkSize
            noncePrefix = SymmetricKey(size: .init(bitCount: 64)).withUnsafeBytes { Array($0) }
            var header = StreamEnvelope.magic + [StreamEnvelope.version]
            header += withUnsafeBytes(of: keyID.bigEndian, Array.init)
            header += withUnsafeBytes(of: UInt32(chunkSize).bigEndian, Array.init)
            header += noncePrefix
            self.header = header
        }

        public mutating func update(_ bytes: some Collection<UInt8>) throws -> [UInt8] {
            precondition(!finished, "update after finish")
            buffer.append(contentsOf: bytes)
            var output = takeHeader()
            // Keep at least one byte back: the last chunk is sealed as final by `finish`.
            while buffer.count > chunkSize {
                output += try sealChunk(Array(buffer[0..<chunkSize]), final: false)
                buffer.removeFirst(chunkSize)
            }
            return output
        }

        public mutating func finish() throws -> [UInt8] {
            precondition(!finished, "finish twice")
            finished = true
            let output = takeHeader() + (try sealChunk(buffer, final: true))
            buffer = []
            return output
        }

        mutating func takeHeader() -> [UInt8] {
            guard !headerWritten else { return [] }
            headerWritten = true
            return header
        }

        mutating func sealChunk(_ plaintext: [UInt8], final: Bool) throws -> [UInt8] {
            guard index < UInt32.max else { throw EncryptionError(.truncated, "file too large for one stream") }
            let box = try AES.GCM.seal(
                plaintext,
                using: key,
                nonce: try StreamEnvelope.nonce(prefix: noncePrefix, index: index),
                authenticating: StreamEnvelope.associatedData(header: header, binding: binding, index: index, final: final)
            )
            index += 1
            return Array(box.ciphertext) + Array(box.tag)
        }
    }

    /// Decrypts a stream made by `Sealer`: feed the bytes after the header with `update`, then `finish`.
    /// Nothing is returned for a chunk until it has been authenticated.
    public struct Opener: Sendable {
        let header: [UInt8]
        let key: SymmetricKey
        let binding: Envelope.Binding
        let chunkSize: Int
        let noncePrefix: [UInt8]
        var buffer: [UInt8] = []
        var index: UInt32 = 0

        init(header: [UInt8], key: SymmetricKey, binding: Envelope.Binding) throws {
            let parsed = try StreamEnvelope.parseHeader(header)
            self.header = Array(header.prefix(StreamEnvelope.headerCount))
            self.key = key
            self.binding = binding
            self.chunkSize = parsed.chunkSize
            self.noncePrefix = parsed.noncePrefix
        }

        public mutating func update(_ bytes: some Collection<UInt8>) throws -> [UInt8] {
            buffer.append(contentsOf: bytes)
            var output: [UInt8] = []
            let sealedChunk = chunkSize + StreamEnvelope.tagCount
            while buffer.count > sealedChunk {
                output += try openChunk(Array(buffer[0..<sealedChunk]), final: false)
                buffer.removeFirst(sealedChunk)
            }
            return output
        }

        /// Opens the last chunk; throws if the stream was cut short.
        public mutating func finish() throws -> [UInt8] {
            guard buffer.count >= StreamEnvelope.tagCount else { throw EncryptionError(.truncated, "encrypted file is truncated") }
            let output = try openChunk(buffer, final: true)
            buffer = []
            return output
        }

        mutating func openChunk(_ sealed: [UInt8], final: Bool) throws -> [UInt8] {
            do {
                let box = try AES.GCM.SealedBox(
                    nonce: try StreamEnvelope.nonce(prefix: noncePrefix, index: index),
                    ciphertext: sealed.dropLast(StreamEnvelope.tagCount),
                    tag: sealed.suffix(StreamEnvelope.tagCount)
                )
                let plaintext = try AES.GCM.open(
                    box,
                    using: key,
                    authenticating: StreamEnvelope.associatedData(header: header, binding: binding, index: index, final: final)
                )
                index += 1
                return Array(plaintext)
            } catch {
                throw EncryptionError(
                    .authenticationFailed,
                    "chunk \(index) of the encrypted file failed authentication (altered, reordered or truncated)"
                )
            }
        }
    }
}

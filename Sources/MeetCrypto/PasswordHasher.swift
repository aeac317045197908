import Crypto
import CryptoExtras
import Foundation
import MeetCore

/// Hashes and verifies passwords with scrypt, storing the parameters with the hash
/// (`$scrypt$ln=17,r=8,p=1$<salt>$<hash>`, base64) so they can be raised later.
///
/// Each hash costs ~128 MiB and a few hundred milliseconds at the default parameters, so the work runs on
/// its own threads, never on the event loops or the Swift concurrency pool, with a bound on how many run
/// and how many wait: past that the caller gets `MeetError.busy` instead of queueing without limit.
public final class PasswordHasher: Sendable {
    public struct Parameters: Sendable, Hashable {
        /// log2 of scrypt's N.
        public var logN: Int
        public var r: Int
        public var p: Int

        public init(logN: Int, r: Int, p: Int) {
            self.logN = logN
            self.r = r
            self.p = p
        }

        /// OWASP's recommendation, as SECURITY-REQUIREMENTS.md asks.
        public static let production = Parameters(logN: 17, r: 8, p: 1)
    }

    public let parameters: Parameters
    private let queue: OperationQueue
    private let admission: Admission

    /// - Parameters:
    ///   - concurrency: hashes computed at once (default: one per core).
    ///   - maxWaiting: hashes allowed to wait for a thread before new ones are refused.
    public init(parameters: Parameters = .production, concurrency: Int = ProcessInfo.processInfo.activeProcessorCount, maxWaiting: Int = 64) {
        self.parameters = parameters
        let queue = OperationQueue()
        queue.name = "digitalmeet.password-hashing"
        queue.maxConcurrentOperationCount = max(1, concurrency)
        self.queue = queue
        self.admission = Admission(limit: max(1, concurrency) + max(0, maxWaiting))
    }

    /// Hashes an already validated password with a fresh 16-byte salt.
    public func hash(_ password: String) async throws -> String {
        let salt = SymmetricKey(size: .init(bitCount: 128)).withUnsafeBytes { Array($0) }
        let parameters = self.parameters
        let derived = try await run { try Self.derive(password, salt: salt, parameters: parameters) }
        return
            "$scrypt$ln=\(parameters.logN),r=\(parameters.r),p=\(parameters.p)$\(Data(salt).base64EncodedString())$\(Data(derived).base64EncodedString())"
    }

    /// Checks a password against a stored hash in constant time. A malformed stored hash verifies nothing.
    public func verify(_ password: String, against stored: String) async throws -> Bool {
        guard let parsed = Self.parse(stored) else { return false }
        let derived = try await run { try Self.derive(password, salt: parsed.salt, parameters: parsed.parameters) }
        return ConstantTime.equal(derived, parsed.hash)
    }

    /// Whether a stored hash was made with weaker parameters than the current ones and should be redone at next sign-in.
    public func needsRehash(_ stored: String) -> Bool {
        Self.parse(stored)?.parameters != parameters
    }

    static func derive(_ password: String, salt: [UInt8], parameters: Parameters) throws -> [UInt8] {
        let normalized = PasswordPolicy.normalize(password)
        let key = try KDF.Scrypt.deriveKey(
            from: Array(normalized.utf8),
            salt: salt,
            outputByteCount: 32,
            rounds: 1 << parameters.logN,
            blockSize: parameters.r,
            parallelism: parameters.p,
            maxMemory: 256 * 1024 * 1024
        )
        return key.withUnsafeBytes { Array($0) }
    }

    static func parse(_ stored: String) -> (parameters: Parameters, salt: [UInt8], hash: [UInt8])? {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0].isEmpty, parts[1] == "scrypt" else { return nil }
        var values: [String: Int] = [:]
        for item in parts[2].split(separator: ",") {
            let pair = item.split(separator: "=")
            guard pair.count == 2, let value = Int(pair[1]) else { return nil }
            values[String(pair[0])] = value
        }
        guard let logN = values["ln"], let r = values["r"], let p = values["p"], (1...24).contains(logN), (1...32).contains(r), (1...16).contains(p),
            let salt = Data(base64Encoded: String(parts[3])), let hash = Data(base64Encoded: String(parts[4])), !hash.isEmpty
        else { return nil }
        return (Parameters(logN: logN, r: r, p: p), Array(salt), Array(hash))
    }

    private func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        guard admission.enter() else { throw MeetError(.busy, "Too many sign-ins are being processed; try again in a moment.") }
        defer { admission.leave() }
        return try await withCheckedThrowingContinuation { continuation in
            queue.addOperation {
                continuation.resume(with: Result { try work() })
            }
        }
    }
}

/// A counter of admitted jobs with a hard limit.
private final class Admission: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    private let limit: Int

    init(limit: Int) { self.limit = limit }

    func enter() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard count < limit else { return false }
        count += 1
        return true
    }

    func leave() {
        lock.lock()
        count -= 1
        lock.unlock()
    }
}

import Foundation
import MeetMedia

#if canImport(Glibc)
import Glibc
#endif

/// The command line: `--publishers 4 --subscribers 25 --seconds 10 --rate 0 --payload 1000 --mode both`.
struct LoadOptions {
    enum Mode: String {
        case core, loopback, both
    }

    var publishers = 4
    var subscribers = 25
    var seconds = 5.0
    /// Packets per second per publisher in loopback mode; 0 sends as fast as the sender can.
    var rate = 0
    var payloadSize = 1000
    /// Packets per publisher encrypted ahead of each timed core round.
    var batch = 64
    /// Core rounds to run instead of `seconds`, for repeatable allocation counts (0: by time).
    var rounds = 0
    var mode = Mode.both
    /// The one SRTP profile the synthetic clients offer.
    var profile = SRTPProfile.aeadAES128GCM

    init(arguments: [String]) throws {
        var remaining = arguments[...]
        while let flag = remaining.popFirst() {
            guard let value = remaining.popFirst() else { throw LoadError("\(flag) needs a value") }
            switch flag {
            case "--publishers": publishers = try Self.count(value, flag)
            case "--subscribers": subscribers = try Self.count(value, flag)
            case "--seconds": seconds = Double(value) ?? seconds
            case "--rate": rate = try Self.count(value, flag, minimum: 0)
            case "--payload": payloadSize = try Self.count(value, flag, minimum: 12)
            case "--batch": batch = try Self.count(value, flag)
            case "--rounds": rounds = try Self.count(value, flag, minimum: 0)
            case "--mode":
                guard let parsed = Mode(rawValue: value) else { throw LoadError("--mode is core, loopback or both") }
                mode = parsed
            case "--srtp":
                switch value {
                case "gcm": profile = .aeadAES128GCM
                case "cm": profile = .aes128CMHMACSHA180
                default: throw LoadError("--srtp is gcm or cm")
                }
            default: throw LoadError("unknown flag \(flag)")
            }
        }
    }

    static func count(_ value: String, _ flag: String, minimum: Int = 1) throws -> Int {
        guard let number = Int(value), number >= minimum else { throw LoadError("\(flag) needs a whole number ≥ \(minimum)") }
        return number
    }
}

/// Heap and resident memory of this process.
enum HeapUsage {
    /// Bytes malloc handed out and not yet freed, from glibc's `malloc_info` report: memory taken
    /// from the system, less free chunks, plus large blocks mapped on their own. `malloc.h` is not
    /// part of Swift's Glibc module, hence the look-up by name.
    static func inUse() -> Int {
        typealias MallocInfo = @convention(c) (Int32, UnsafeMutablePointer<FILE>?) -> Int32
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "malloc_info") else { return 0 }
        var text: UnsafeMutablePointer<CChar>?
        var size = 0
        guard let stream = open_memstream(&text, &size) else { return 0 }
        _ = unsafeBitCast(symbol, to: MallocInfo.self)(0, stream)
        fclose(stream)
        guard let text else { return 0 }
        defer { free(text) }
        // The totals over all arenas follow the last </heap>.
        let report = String(cString: text)
        guard let range = report.range(of: "</heap>", options: .backwards) else { return 0 }
        let totals = report[range.upperBound...]
        func value(_ prefix: String) -> Int {
            guard let start = totals.range(of: prefix)?.upperBound else { return 0 }
            let rest = totals[start...]
            guard let sizeStart = rest.range(of: "size=\"")?.upperBound else { return 0 }
            return Int(rest[sizeStart...].prefix { $0.isNumber }) ?? 0
        }
        return value("<system type=\"current\"") - value("<total type=\"fast\"") - value("<total type=\"rest\"")
            + value("<total type=\"mmap\"")
    }

    /// Resident set size in bytes, from /proc/self/statm.
    static func resident() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}

enum LoadReport {
    /// The value at `fraction` of the sorted samples.
    static func percentile(_ sorted: [UInt64], _ fraction: Double) -> UInt64 {
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * fraction))]
    }

    static func microseconds(_ nanoseconds: UInt64) -> String {
        String(format: "%.1f µs", Double(nanoseconds) / 1000)
    }

    static func kibibytes(_ bytes: Int) -> String {
        String(format: "%.1f KiB", Double(bytes) / 1024)
    }

    static func printCore(_ result: CoreResult, options: LoadOptions) {
        let sorted = result.latencies.sorted()
        let perSecond = Double(result.forwarded) / max(result.cpuSeconds, 1e-9)
        print("core (sans-IO SFU, one thread, SRTP on both legs)")
        print(
            "  \(options.publishers) publishers × \(options.subscribers) subscribers, \(options.payloadSize)-byte VP8 payloads, \(options.profile.rawValue)"
        )
        print(String(format: "  forwarded     %d packets in %.2f s CPU: %.0f packets/s per core", result.forwarded, result.cpuSeconds, perSecond))
        print(
            String(format: "                (%.0f packets/s by wall-clock time in handle)", Double(result.forwarded) / max(result.busySeconds, 1e-9))
        )
        print("  per input     p50 \(microseconds(percentile(sorted, 0.5))), p99 \(microseconds(percentile(sorted, 0.99)))", terminator: "")
        print(" (one publisher packet to all \(options.subscribers) copies)")
        let perCopy = Double(percentile(sorted, 0.5)) / Double(max(1, options.subscribers))
        print(String(format: "  per copy      p50 %.2f µs", perCopy / 1000))
        print("  subscriber 0  decrypted \(result.received) of \(result.expectedAtFirstSubscriber)")
        print("  memory        \(kibibytes(result.heapPerSubscriber)) SFU heap per subscriber", terminator: "")
        let perConsumer = result.heapPerSubscriber / max(1, result.consumersPerSubscriber)
        print(", \(kibibytes(perConsumer)) per consumer (\(result.consumersPerSubscriber) consumers each)")
    }

    static func printLoopback(_ result: LoopbackResult, options: LoadOptions) {
        let sorted = result.latencies.sorted()
        print("loopback (MediaServer over UDP on 127.0.0.1, clients in this process)")
        print(
            "  \(options.publishers) publishers × \(options.subscribers) subscribers, rate \(options.rate == 0 ? "unlimited" : "\(options.rate)/s") per publisher"
        )
        print(String(format: "  sent          %d packets, %.0f/s", result.sent, Double(result.sent) / result.wallSeconds))
        print(String(format: "  forwarded     %d packets, %.0f/s (SFU counter)", result.forwarded, Double(result.forwarded) / result.wallSeconds))
        print(String(format: "  received      %d packets by subscribers", result.received))
        let perCore = Double(result.forwarded) / max(result.serverCPUSeconds, 1e-9)
        print(
            String(
                format: "  server CPU    %.2f s of %.2f s: %.0f forwarded packets/s per core",
                result.serverCPUSeconds,
                result.wallSeconds,
                perCore
            )
        )
        print("  latency       p50 \(microseconds(percentile(sorted, 0.5))), p99 \(microseconds(percentile(sorted, 0.99)))", terminator: "")
        print(" (send to decrypted at subscriber 0, \(sorted.count) samples)")
        print("  memory        \(kibibytes(result.residentPerSubscriber)) RSS per subscriber, both ends")
    }
}

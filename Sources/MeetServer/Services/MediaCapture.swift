import Foundation
import MeetMedia
import Synchronization

/// Test hook (`DIGITALMEET_TEST_MEDIA_CAPTURE`): writes the first `limit` RTP packets the SFU
/// forwards per producer to `<directory>/<seat>-<source>.rtp`, each as a 4-byte big-endian length
/// and the packet (header included), so a test can depacketise them and check that what the server
/// saw of an E2EE meeting's video is ciphertext. The SFU's event loop only copies the packet; the
/// writes happen on a queue of their own.
final class MediaCapture: Sendable {
    let directory: URL
    let limit: Int
    private let counts = Mutex<[ProducerKey: Int]>([:])
    private let queue = DispatchQueue(label: "digitalmeet.test.media-capture")

    init(directory: String, limit: Int = 300) throws {
        self.directory = URL(fileURLWithPath: directory, isDirectory: true)
        self.limit = limit
        try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
    }

    /// The tap handed to the SFU.
    var tap: PacketTap {
        { [self] producer, packet in record(producer, packet) }
    }

    func record(_ producer: ProducerKey, _ packet: [UInt8]) {
        let index = counts.withLock { counts -> Int? in
            let count = counts[producer, default: 0]
            guard count < limit else { return nil }
            counts[producer] = count + 1
            return count
        }
        guard let index else { return }
        let file = directory.appendingPathComponent("\(producer.participant)-\(producer.source.rawValue).rtp")
        var bytes = Data(capacity: packet.count + 4)
        withUnsafeBytes(of: UInt32(packet.count).bigEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: packet)
        let record = bytes
        queue.async {
            if index == 0 {
                _ = FileManager.default.createFile(atPath: file.path, contents: record)
                return
            }
            guard let handle = try? FileHandle(forWritingTo: file) else { return }
            defer { try? handle.close() }
            _ = try? handle.seekToEnd()
            try? handle.write(contentsOf: record)
        }
    }

    /// Waits until every record handed over so far is written (tests).
    func flush() {
        queue.sync {}
    }
}

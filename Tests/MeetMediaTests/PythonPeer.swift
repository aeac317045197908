import Foundation
import NIOConcurrencyHelpers

/// One line of the JSON protocol between the Swift tests and the aiortc peers in Fixtures/media-peers.
struct PeerMessage: Codable, Sendable {
    var type: String
    var sdp: String?
    var state: String?
    var video: Int?
    var audio: Int?
    /// Decoded frames per track ("<kind>-<mid>"), from subscriber.py.
    var tracks: [String: Int]?
    /// publisher.py's "feedback": which sender, what the SFU's receiver reports told it (nil
    /// before the first) and its encoder's target bitrate, which REMB sets.
    var kind: String?
    var packetsLost: Int?
    var roundTripTime: Double?
    var targetBitrate: Int?
}

/// A Python script run as a child process, talking JSON lines over stdin and stdout; its stderr
/// goes to a file for the failure message.
final class PythonPeer: Sendable {
    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/media-peers")

    let process: Process
    let input: FileHandle
    let messages: AsyncStream<PeerMessage>
    let stderrURL: URL

    init(python: String, script: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-u", Self.scripts.appendingPathComponent(script).path]
        process.currentDirectoryURL = Self.scripts
        let stdin = Pipe()
        let stdout = Pipe()
        stderrURL = FileManager.default.temporaryDirectory.appendingPathComponent("media-peer-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        let (messages, continuation) = AsyncStream.makeStream(of: PeerMessage.self)
        let pending = NIOLockedValueBox(Data())
        stdout.fileHandleForReading.readabilityHandler = { handle in
            let chunk = handle.availableData
            if chunk.isEmpty {
                handle.readabilityHandler = nil
                continuation.finish()
                return
            }
            let lines: [Data] = pending.withLockedValue { buffer in
                buffer.append(chunk)
                var complete: [Data] = []
                while let newline = buffer.firstIndex(of: 0x0A) {
                    complete.append(buffer[buffer.startIndex..<newline])
                    buffer = Data(buffer[(newline + 1)...])
                }
                return complete
            }
            for line in lines {
                if let message = try? JSONDecoder().decode(PeerMessage.self, from: line) { continuation.yield(message) }
            }
        }
        try process.run()
        self.process = process
        self.messages = messages
        input = stdin.fileHandleForWriting
    }

    func send(_ message: PeerMessage) throws {
        var data = try JSONEncoder().encode(message)
        data.append(0x0A)
        try input.write(contentsOf: data)
    }

    var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    func stop() {
        try? send(PeerMessage(type: "stop"))
        try? input.close()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning { process.terminate() }
        try? FileManager.default.removeItem(at: stderrURL)
    }
}

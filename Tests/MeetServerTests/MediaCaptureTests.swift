import Foundation
import MeetMedia
import Testing

@testable import MeetServer

/// The capture test hook writes length-prefixed packets per producer and stops at its limit.
@Suite struct MediaCaptureTests {
    @Test func writesTheFirstPacketsOfEachProducerAsLengthPrefixedRecords() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dm-capture-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let capture = try MediaCapture(directory: directory.path, limit: 2)
        let seat = UUID().uuidString
        let camera = ProducerKey(participant: seat, source: .camera)
        let microphone = ProducerKey(participant: seat, source: .microphone)
        let tap = capture.tap
        tap(camera, [0x80, 1, 2])
        tap(microphone, [0x80, 9])
        tap(camera, [0x80, 3, 4, 5, 6])
        tap(camera, [0x80, 7])
        capture.flush()
        let written = try Data(contentsOf: directory.appendingPathComponent("\(seat)-camera.rtp"))
        #expect([UInt8](written) == [0, 0, 0, 3, 0x80, 1, 2, 0, 0, 0, 5, 0x80, 3, 4, 5, 6])
        let audio = try Data(contentsOf: directory.appendingPathComponent("\(seat)-microphone.rtp"))
        #expect([UInt8](audio) == [0, 0, 0, 2, 0x80, 9])
    }
}

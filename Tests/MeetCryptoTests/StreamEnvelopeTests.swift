import Crypto
import Testing

@testable import MeetCrypto

@Suite struct StreamEnvelopeTests {
    let key = SymmetricKey(size: .bits256)
    let binding = Envelope.Binding(table: "recordings", column: "file", rowID: "r1")
    static let chunk = 100

    func seal(_ plaintext: [UInt8], pieces: Int = 7) throws -> [UInt8] {
        var sealer = StreamEnvelope.Sealer(key: key, keyID: 9, binding: binding, chunkSize: Self.chunk)
        var output: [UInt8] = []
        var index = 0
        while index < plaintext.count {
            let end = min(plaintext.count, index + pieces)
            output += try sealer.update(plaintext[index..<end])
            index = end
        }
        return output + (try sealer.finish())
    }

    func open(_ sealed: [UInt8], binding: Envelope.Binding? = nil, pieces: Int = 13) throws -> [UInt8] {
        var opener = try StreamEnvelope.Opener(header: Array(sealed.prefix(StreamEnvelope.headerCount)), key: key, binding: binding ?? self.binding)
        var output: [UInt8] = []
        var index = StreamEnvelope.headerCount
        while index < sealed.count {
            let end = min(sealed.count, index + pieces)
            output += try opener.update(sealed[index..<end])
            index = end
        }
        return output + (try opener.finish())
    }

    @Test(arguments: [0, 1, 99, 100, 101, 350, 1000])
    func roundTripsAnySize(size: Int) throws {
        let plaintext = (0..<size).map { UInt8(truncatingIfNeeded: $0 * 31) }
        let sealed = try seal(plaintext)
        let chunks = max(1, (size + Self.chunk - 1) / Self.chunk)
        #expect(sealed.count == StreamEnvelope.headerCount + size + 16 * chunks)
        #expect(try StreamEnvelope.keyID(ofHeader: sealed) == 9)
        #expect(try open(sealed) == plaintext)
    }

    @Test func everyAlterationIsDetected() throws {
        let plaintext = (0..<350).map { UInt8(truncatingIfNeeded: $0) }
        let sealed = try seal(plaintext)
        let chunkBytes = Self.chunk + 16
        let body = StreamEnvelope.headerCount

        var cases: [(String, [UInt8])] = []
        for index in stride(from: 0, to: sealed.count, by: 17) {
            var flipped = sealed
            flipped[index] ^= 0x80
            cases.append(("flip \(index)", flipped))
        }
        cases.append(("truncated at a chunk boundary", Array(sealed.prefix(body + 2 * chunkBytes))))
        cases.append(("last chunk dropped", Array(sealed.prefix(body + 3 * chunkBytes))))
        cases.append(("one byte short", Array(sealed.dropLast())))
        cases.append(("header only", Array(sealed.prefix(body))))
        var swapped = Array(sealed.prefix(body))
        swapped += sealed[(body + chunkBytes)..<(body + 2 * chunkBytes)]
        swapped += sealed[body..<(body + chunkBytes)]
        swapped += sealed[(body + 2 * chunkBytes)...]
        cases.append(("first two chunks swapped", swapped))
        cases.append(("trailing garbage", sealed + [1, 2, 3]))

        for (name, altered) in cases {
            #expect(throws: EncryptionError.self, "\(name)") { _ = try open(altered) }
        }
    }

    @Test func aFileMovedToAnotherRecordDoesNotOpen() throws {
        let sealed = try seal(Array(repeating: 7, count: 250))
        #expect(throws: EncryptionError.self) { _ = try open(sealed, binding: .init(table: "recordings", column: "file", rowID: "r2")) }
    }

    @Test func twoFilesNeverShareNonces() throws {
        let a = try seal([1, 2, 3])
        let b = try seal([1, 2, 3])
        #expect(a[13..<21] != b[13..<21])
    }

    @Test func rejectsForeignHeaders() {
        #expect(throws: EncryptionError.self) { _ = try StreamEnvelope.keyID(ofHeader: Array("not a DigitalMeet file at all".utf8)) }
        #expect(throws: EncryptionError.self) { _ = try StreamEnvelope.keyID(ofHeader: [0x44, 0x4D]) }
    }
}

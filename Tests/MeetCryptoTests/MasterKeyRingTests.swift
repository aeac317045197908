import Crypto
import Foundation
import Testing

@testable import MeetCrypto

@Suite struct MasterKeyRingTests {
    static let keyA = Data(repeating: 0xA1, count: 32).base64EncodedString()
    static let keyB = Data(repeating: 0xB2, count: 32).base64EncodedString()

    @Test func highestVersionIsCurrent() throws {
        let ring = try MasterKeyRing.parse("# comment\nkek 1 \(Self.keyA)\n\nkek 3 \(Self.keyB)\n")
        #expect(ring.currentVersion == 3)
        #expect(ring.keys.count == 2)
        #expect(ring.current.withUnsafeBytes { Array($0) } == Array(repeating: 0xB2, count: 32))
    }

    @Test func bareKeyIsVersionOne() throws {
        let ring = try MasterKeyRing.parse(Self.keyA)
        #expect(ring.currentVersion == 1)
    }

    @Test func serialisationRoundTrips() throws {
        let ring = MasterKeyRing.generate()
        let parsed = try MasterKeyRing.parse(ring.serialized())
        #expect(parsed.currentVersion == ring.currentVersion)
        #expect(parsed.current == ring.current)
    }

    @Test(arguments: [
        "",
        "# only a comment",
        "kek 1",
        "kek one \(keyA)",
        "kek 0 \(keyA)",
        "kek 1 \(keyA)\nkek 1 \(keyB)",
        "kek 1 \(Data(repeating: 1, count: 16).base64EncodedString())",
        "kek 1 not-base64!",
        "key 1 \(keyA)\nkek 2 \(keyB)",
    ])
    func rejectsMalformedRings(text: String) {
        #expect(throws: EncryptionError.self) { try MasterKeyRing.parse(text) }
    }

    @Test func refusesKeyFilesOthersCanRead() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dm-key-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try MasterKeyRing.generate().serialized().write(toFile: path, atomically: false, encoding: .utf8)

        for mode in [0o644, 0o640, 0o604, 0o660, 0o602] {
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
            do {
                _ = try MasterKeyRing.load(path: path)
                Issue.record("accepted mode \(String(mode, radix: 8))")
            } catch let error as EncryptionError {
                #expect(error.code == .insecurePermissions)
                #expect(error.reason.contains("chmod 600"))
            }
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        _ = try MasterKeyRing.load(path: path)
    }

    @Test func derivedKeysDependOnPurposeAndKey() throws {
        let ring = try MasterKeyRing.parse("kek 1 \(Self.keyA)\nkek 2 \(Self.keyB)")
        let a = MasterKeyRing.derive(from: try #require(ring.keys[1]), purpose: "x")
        #expect(a != MasterKeyRing.derive(from: try #require(ring.keys[1]), purpose: "y"))
        #expect(a != MasterKeyRing.derive(from: try #require(ring.keys[2]), purpose: "x"))
        #expect(a == MasterKeyRing.derive(from: try #require(ring.keys[1]), purpose: "x"))
    }
}

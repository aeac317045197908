import Crypto
import Testing

@testable import MeetCrypto

@Suite struct EnvelopeTests {
    let key = SymmetricKey(size: .bits256)
    let binding = Envelope.Binding(table: "users", column: "email", rowID: "42")

    func open(_ envelope: [UInt8], binding: Envelope.Binding? = nil) throws -> [UInt8] {
        try Envelope.open(envelope, binding: binding ?? self.binding) { $0 == 7 ? key : nil }
    }

    func code(of body: () throws -> Void) -> EncryptionError.Code? {
        do {
            try body()
            return nil
        } catch let error as EncryptionError {
            return error.code
        } catch {
            return nil
        }
    }

    @Test func roundTripsAndNamesItsKey() throws {
        let sealed = try Envelope.seal(Array("ada@example.com".utf8), key: key, keyID: 7, binding: binding)
        #expect(sealed.count == 1 + 4 + 12 + 15 + 16)
        #expect(try Envelope.keyID(of: sealed) == 7)
        #expect(try open(sealed) == Array("ada@example.com".utf8))
        #expect(!sealed.containsSubsequence(Array("ada@example.com".utf8)))
    }

    @Test func freshNonceEveryTime() throws {
        let a = try Envelope.seal([1, 2, 3], key: key, keyID: 7, binding: binding)
        let b = try Envelope.seal([1, 2, 3], key: key, keyID: 7, binding: binding)
        #expect(a != b)
    }

    @Test func flippingAnyByteIsDetected() throws {
        let sealed = try Envelope.seal(Array("a secret chat line".utf8), key: key, keyID: 7, binding: binding)
        for index in sealed.indices {
            var tampered = sealed
            tampered[index] ^= 0x01
            let result = code { _ = try open(tampered) }
            #expect(result != nil, "byte \(index) flipped and still opened")
        }
    }

    @Test(arguments: [
        Envelope.Binding(table: "users", column: "email", rowID: "43"),
        Envelope.Binding(table: "users", column: "name", rowID: "42"),
        Envelope.Binding(table: "members", column: "email", rowID: "42"),
        Envelope.Binding(table: "usersemail", column: "", rowID: "42"),
    ])
    func aCiphertextMovedElsewhereDoesNotOpen(elsewhere: Envelope.Binding) throws {
        let sealed = try Envelope.seal(Array("ada@example.com".utf8), key: key, keyID: 7, binding: binding)
        #expect(code { _ = try open(sealed, binding: elsewhere) } == .authenticationFailed)
    }

    @Test func truncatedUnknownKeyAndFutureFormatsAreNamed() throws {
        let sealed = try Envelope.seal([9, 9, 9], key: key, keyID: 7, binding: binding)
        #expect(code { _ = try open(Array(sealed.prefix(20))) } == .truncated)
        #expect(code { _ = try open([]) } == .truncated)
        var otherKey = sealed
        otherKey[4] = 8
        #expect(code { _ = try open(otherKey) } == .unknownKey)
        var future = sealed
        future[0] = 2
        #expect(code { _ = try open(future) } == .unsupportedVersion)
    }
}

extension Array where Element == UInt8 {
    func containsSubsequence(_ needle: [UInt8]) -> Bool {
        guard needle.count <= count else { return false }
        return (0...(count - needle.count)).contains { Array(self[$0..<($0 + needle.count)]) == needle }
    }
}

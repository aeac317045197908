/// A QR code (ISO/IEC 18004) in byte mode at error-correction level M, versions 1 to 10: enough for an
/// `otpauth://` enrolment URI. Written here so the web client needs no third-party code; rendered as SVG.
public struct QRCode: Sendable, Equatable {
    /// Modules, row by row; `true` is dark.
    public let modules: [[Bool]]
    public let version: Int
    public let mask: Int

    public var size: Int { modules.count }

    /// Encodes `text` (UTF-8) in the smallest version that fits; throws if it needs more than version 10.
    public init(encoding text: String) throws {
        try self.init(encoding: text, forcedMask: nil)
    }

    /// `forcedMask` skips the mask choice (tests compare each mask with an independent encoder).
    init(encoding text: String, forcedMask: Int?) throws {
        let data = Array(text.utf8)
        guard let version = (1...10).first(where: { Self.capacity(version: $0) >= data.count }) else {
            throw MeetError(.invalidInput, "text too long for a QR code (\(data.count) bytes; at most \(Self.capacity(version: 10)))")
        }
        let codewords = Self.interleaved(Self.dataCodewords(data, version: version), version: version)
        func candidate(_ mask: Int) -> (penalty: Int, grid: Grid) {
            var grid = Grid(version: version)
            grid.placeData(codewords)
            grid.applyMask(mask)
            grid.drawFormatBits(mask: mask)
            return (grid.penalty(), grid)
        }
        var chosen = (mask: forcedMask ?? 0, candidate: candidate(forcedMask ?? 0))
        for mask in 1..<8 where forcedMask == nil {
            let next = candidate(mask)
            if next.penalty < chosen.candidate.penalty { chosen = (mask, next) }
        }
        self.modules = chosen.candidate.grid.dark
        self.version = version
        self.mask = chosen.mask
    }

    /// An SVG drawing with a four-module quiet zone, `scale` pixels per module.
    public func svg(scale: Int = 4, label: String) -> String {
        let quiet = 4
        let extent = (size + 2 * quiet) * scale
        var path = ""
        for (row, line) in modules.enumerated() {
            var column = 0
            while column < size {
                guard line[column] else {
                    column += 1
                    continue
                }
                let start = column
                while column < size, line[column] { column += 1 }
                path += "M\((start + quiet) * scale) \((row + quiet) * scale)h\((column - start) * scale)v\(scale)h-\((column - start) * scale)z"
            }
        }
        let escaped = label.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(
            of: "\"",
            with: "&quot;"
        )
        return """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(extent) \(extent)" width="\(extent)" height="\(extent)" role="img" aria-label="\(escaped)">\
            <rect width="\(extent)" height="\(extent)" fill="#fff"/><path fill="#000" d="\(path)"/></svg>
            """
    }

    // MARK: Tables (level M)

    /// (error-correction codewords per block, [(blocks, data codewords per block)]) for versions 1...10.
    static let blocks: [(ec: Int, groups: [(count: Int, data: Int)])] = [
        (10, [(1, 16)]), (16, [(1, 28)]), (26, [(1, 44)]), (18, [(2, 32)]), (24, [(2, 43)]),
        (16, [(4, 27)]), (18, [(4, 31)]), (22, [(2, 38), (2, 39)]), (22, [(3, 36), (2, 37)]), (26, [(4, 43), (1, 44)]),
    ]

    static let alignmentCentres: [[Int]] = [
        [], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34], [6, 22, 38], [6, 24, 42], [6, 26, 46], [6, 28, 50],
    ]

    static func dataCapacity(version: Int) -> Int {
        blocks[version - 1].groups.reduce(0) { $0 + $1.count * $1.data }
    }

    static func countBits(version: Int) -> Int { version <= 9 ? 8 : 16 }

    /// Bytes of text that fit: mode (4 bits) and count, then the data.
    static func capacity(version: Int) -> Int {
        (dataCapacity(version: version) * 8 - 4 - countBits(version: version)) / 8
    }

    // MARK: Codewords

    static func dataCodewords(_ data: [UInt8], version: Int) -> [UInt8] {
        var bits: [Bool] = []
        func append(_ value: Int, _ count: Int) {
            for shift in stride(from: count - 1, through: 0, by: -1) { bits.append((value >> shift) & 1 == 1) }
        }
        append(0b0100, 4)
        append(data.count, countBits(version: version))
        for byte in data { append(Int(byte), 8) }
        let capacityBits = dataCapacity(version: version) * 8
        append(0, min(4, capacityBits - bits.count))
        while bits.count % 8 != 0 { bits.append(false) }
        var bytes = stride(from: 0, to: bits.count, by: 8).map { start in
            bits[start..<start + 8].reduce(UInt8(0)) { $0 << 1 | ($1 ? 1 : 0) }
        }
        var pad: UInt8 = 0xEC
        while bytes.count < dataCapacity(version: version) {
            bytes.append(pad)
            pad = pad == 0xEC ? 0x11 : 0xEC
        }
        return bytes
    }

    /// Splits data into blocks, adds Reed-Solomon codewords, and interleaves them.
    static func interleaved(_ data: [UInt8], version: Int) -> [UInt8] {
        let layout = blocks[version - 1]
        var dataBlocks: [[UInt8]] = []
        var offset = 0
        for group in layout.groups {
            for _ in 0..<group.count {
                dataBlocks.append(Array(data[offset..<offset + group.data]))
                offset += group.data
            }
        }
        let divisor = ReedSolomon.generator(degree: layout.ec)
        let ecBlocks = dataBlocks.map { ReedSolomon.remainder($0, divisor: divisor) }
        var result: [UInt8] = []
        for index in 0..<(dataBlocks.map(\.count).max() ?? 0) {
            for block in dataBlocks where index < block.count { result.append(block[index]) }
        }
        for index in 0..<layout.ec {
            for block in ecBlocks { result.append(block[index]) }
        }
        return result
    }
}

/// Reed-Solomon error correction over GF(2^8) with the QR polynomial x^8 + x^4 + x^3 + x^2 + 1.
enum ReedSolomon {
    static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        var product: UInt16 = 0
        var a = UInt16(a)
        var b = b
        while b != 0 {
            if b & 1 != 0 { product ^= a }
            a <<= 1
            if a & 0x100 != 0 { a ^= 0x11D }
            b >>= 1
        }
        return UInt8(product)
    }

    /// Coefficients (highest degree first, leading 1 omitted) of ∏ (x − α^i), i = 0..<degree.
    static func generator(degree: Int) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: degree)
        result[degree - 1] = 1
        var root: UInt8 = 1
        for _ in 0..<degree {
            for index in 0..<degree {
                result[index] = multiply(result[index], root)
                if index + 1 < degree { result[index] ^= result[index + 1] }
            }
            root = multiply(root, 2)
        }
        return result
    }

    static func remainder(_ data: [UInt8], divisor: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: divisor.count)
        for byte in data {
            let factor = byte ^ result.removeFirst()
            result.append(0)
            for index in 0..<divisor.count { result[index] ^= multiply(divisor[index], factor) }
        }
        return result
    }
}

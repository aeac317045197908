extension QRCode {
    /// The module grid while it is being built: which modules are dark, and which belong to function
    /// patterns (finders, timing, alignment, format and version areas) and so never carry data or a mask.
    struct Grid {
        let version: Int
        let size: Int
        var dark: [[Bool]]
        var reserved: [[Bool]]

        init(version: Int) {
            self.version = version
            size = 17 + 4 * version
            dark = Array(repeating: Array(repeating: false, count: size), count: size)
            reserved = dark
            drawFunctionPatterns()
        }

        mutating func set(row: Int, column: Int, _ value: Bool) {
            dark[row][column] = value
            reserved[row][column] = true
        }

        mutating func drawFunctionPatterns() {
            for index in 0..<size {
                set(row: 6, column: index, index % 2 == 0)
                set(row: index, column: 6, index % 2 == 0)
            }
            drawFinder(row: 3, column: 3)
            drawFinder(row: 3, column: size - 4)
            drawFinder(row: size - 4, column: 3)
            let centres = QRCode.alignmentCentres[version - 1]
            for row in centres {
                for column in centres {
                    let nearFinder = (row == 6 && column == 6) || (row == 6 && column == centres.last) || (row == centres.last && column == 6)
                    if !nearFinder { drawAlignment(row: row, column: column) }
                }
            }
            // Reserve the format areas now; their bits are written once the mask is known.
            drawFormatBits(mask: 0)
            drawVersionBits()
        }

        /// A 7×7 finder with its one-module light separator.
        mutating func drawFinder(row: Int, column: Int) {
            for dy in -4...4 {
                for dx in -4...4 {
                    let (r, c) = (row + dy, column + dx)
                    guard (0..<size).contains(r), (0..<size).contains(c) else { continue }
                    let distance = max(abs(dx), abs(dy))
                    set(row: r, column: c, distance != 2 && distance != 4)
                }
            }
        }

        mutating func drawAlignment(row: Int, column: Int) {
            for dy in -2...2 {
                for dx in -2...2 {
                    set(row: row + dy, column: column + dx, max(abs(dx), abs(dy)) != 1)
                }
            }
        }

        /// Format information: level M (00) and the mask, BCH(15,5)-protected and XOR-masked, in both copies.
        mutating func drawFormatBits(mask: Int) {
            let data = mask  // level M's indicator bits are 00
            var remainder = data
            for _ in 0..<10 { remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537) }
            let bits = ((data << 10) | remainder) ^ 0x5412
            func bit(_ index: Int) -> Bool { (bits >> index) & 1 == 1 }
            for index in 0...5 { set(row: index, column: 8, bit(index)) }
            set(row: 7, column: 8, bit(6))
            set(row: 8, column: 8, bit(7))
            set(row: 8, column: 7, bit(8))
            for index in 9..<15 { set(row: 8, column: 14 - index, bit(index)) }
            for index in 0..<8 { set(row: 8, column: size - 1 - index, bit(index)) }
            for index in 8..<15 { set(row: size - 15 + index, column: 8, bit(index)) }
            set(row: size - 8, column: 8, true)  // the dark module
        }

        /// Version information (versions 7 and up): 6 data bits, BCH(18,6)-protected, in both corners.
        mutating func drawVersionBits() {
            guard version >= 7 else { return }
            var remainder = version
            for _ in 0..<12 { remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1F25) }
            let bits = (version << 12) | remainder
            for index in 0..<18 {
                let value = (bits >> index) & 1 == 1
                let a = size - 11 + index % 3
                let b = index / 3
                set(row: b, column: a, value)
                set(row: a, column: b, value)
            }
        }

        /// Places codewords in the two-column zigzag from the bottom right, skipping the timing column.
        mutating func placeData(_ codewords: [UInt8]) {
            var bitIndex = 0
            let totalBits = codewords.count * 8
            var right = size - 1
            while right >= 1 {
                if right == 6 { right = 5 }
                for vertical in 0..<size {
                    for offset in 0..<2 {
                        let column = right - offset
                        let upward = ((right + 1) & 2) == 0
                        let row = upward ? size - 1 - vertical : vertical
                        guard !reserved[row][column] else { continue }
                        if bitIndex < totalBits {
                            dark[row][column] = (codewords[bitIndex >> 3] >> (7 - (bitIndex & 7))) & 1 == 1
                            bitIndex += 1
                        }
                    }
                }
                right -= 2
            }
        }

        mutating func applyMask(_ mask: Int) {
            for row in 0..<size {
                for column in 0..<size where !reserved[row][column] {
                    let (x, y) = (column, row)
                    let flip: Bool =
                        switch mask {
                        case 0: (x + y) % 2 == 0
                        case 1: y % 2 == 0
                        case 2: x % 3 == 0
                        case 3: (x + y) % 3 == 0
                        case 4: (x / 3 + y / 2) % 2 == 0
                        case 5: x * y % 2 + x * y % 3 == 0
                        case 6: (x * y % 2 + x * y % 3) % 2 == 0
                        default: ((x + y) % 2 + x * y % 3) % 2 == 0
                        }
                    if flip { dark[row][column].toggle() }
                }
            }
        }

        /// The standard's mask penalty: runs, 2×2 blocks, finder look-alikes, and dark/light balance.
        func penalty() -> Int {
            var score = 0
            let columns = (0..<size).map { column in (0..<size).map { dark[$0][column] } }
            for line in dark + columns {
                var run = 1
                for index in 1..<size {
                    if line[index] == line[index - 1] {
                        run += 1
                    } else {
                        if run >= 5 { score += run - 2 }
                        run = 1
                    }
                }
                if run >= 5 { score += run - 2 }
                for start in 0...(size - 11) {
                    let window = Array(line[start..<start + 11])
                    if window == Self.finderLikeA || window == Self.finderLikeB { score += 40 }
                }
            }
            for row in 0..<(size - 1) {
                for column in 0..<(size - 1) {
                    let value = dark[row][column]
                    if dark[row][column + 1] == value, dark[row + 1][column] == value, dark[row + 1][column + 1] == value { score += 3 }
                }
            }
            let darkCount = dark.reduce(0) { $0 + $1.filter { $0 }.count }
            let percent = darkCount * 100 / (size * size)
            score += abs(percent - 50) / 5 * 10
            return score
        }

        static let finderLikeA = [true, false, true, true, true, false, true, false, false, false, false]
        static let finderLikeB = [false, false, false, false, true, false, true, true, true, false, true]
    }
}

/// A CBOR data item (RFC 8949), restricted to what WebAuthn carries: integers, byte and text strings,
/// arrays, maps, booleans, null and undefined. Tags, floating-point numbers and indefinite lengths are
/// refused.
public indirect enum CBOR: Sendable, Equatable {
    case unsigned(UInt64)
    /// The negative integer -1 - n.
    case negative(UInt64)
    case bytes([UInt8])
    case text(String)
    case array([CBOR])
    /// Pairs in encoded order; keys are unique.
    case map([CBORPair])
    case bool(Bool)
    case null
    case undefined

    /// The value as a signed integer, if it is one that fits.
    public var int: Int64? {
        switch self {
        case .unsigned(let value): value <= UInt64(Int64.max) ? Int64(value) : nil
        case .negative(let value): value <= UInt64(Int64.max) ? -1 - Int64(value) : nil
        default: nil
        }
    }

    public var byteString: [UInt8]? {
        if case .bytes(let value) = self { return value }
        return nil
    }

    public var textString: String? {
        if case .text(let value) = self { return value }
        return nil
    }

    /// The value under `key` of a map.
    public subscript(key: CBOR) -> CBOR? {
        guard case .map(let pairs) = self else { return nil }
        return pairs.first { $0.key == key }?.value
    }

    public subscript(key: String) -> CBOR? { self[.text(key)] }

    public subscript(key: Int64) -> CBOR? { self[key >= 0 ? .unsigned(UInt64(key)) : .negative(UInt64(-1 - key))] }
}

public struct CBORPair: Sendable, Equatable {
    public var key: CBOR
    public var value: CBOR

    public init(_ key: CBOR, _ value: CBOR) {
        self.key = key
        self.value = value
    }
}

public enum CBORError: Error, Equatable, Sendable {
    /// The input ended inside an item.
    case truncated
    /// Bytes are left after the item.
    case trailingBytes
    /// An indefinite-length string, array or map (additional information 31).
    case indefiniteLength
    /// Additional information 28 to 30, reserved by RFC 8949.
    case reservedAdditionalInfo
    /// A tag, a floating-point number or an unassigned simple value.
    case unsupported(String)
    /// Arrays and maps nested deeper than the limit.
    case tooDeep
    /// The input, or a length inside it, is larger than the limit.
    case tooLarge
    case invalidUTF8
    case duplicateKey
}

/// A strict decoder: definite lengths only, bounded depth and size; every declared length is checked
/// against the bytes that remain before anything is allocated, so hostile input cannot crash it or make
/// it allocate much more than its own size.
public struct CBORDecoder: Sendable {
    public var maximumDepth: Int
    public var maximumBytes: Int
    /// The most elements an array, or pairs a map, may have (keeps the duplicate-key check cheap).
    public var maximumCount: Int

    public init(maximumDepth: Int = 16, maximumBytes: Int = 64 * 1024, maximumCount: Int = 1024) {
        self.maximumDepth = maximumDepth
        self.maximumBytes = maximumBytes
        self.maximumCount = maximumCount
    }

    /// Decodes exactly one item filling all of `bytes`.
    public func decode(_ bytes: [UInt8]) throws(CBORError) -> CBOR {
        let (item, length) = try decodePrefix(bytes[...])
        guard length == bytes.count else { throw .trailingBytes }
        return item
    }

    /// Decodes the first item of `bytes`; returns it and how many bytes it took.
    public func decodePrefix(_ bytes: ArraySlice<UInt8>) throws(CBORError) -> (CBOR, Int) {
        guard bytes.count <= maximumBytes else { throw .tooLarge }
        var reader = Reader(bytes: bytes, position: bytes.startIndex, maximumDepth: maximumDepth, maximumCount: UInt64(maximumCount))
        let item = try reader.item(depth: 0)
        return (item, reader.position - bytes.startIndex)
    }

    struct Reader {
        let bytes: ArraySlice<UInt8>
        var position: Int
        let maximumDepth: Int
        let maximumCount: UInt64

        var remaining: Int { bytes.endIndex - position }

        mutating func byte() throws(CBORError) -> UInt8 {
            guard position < bytes.endIndex else { throw .truncated }
            defer { position += 1 }
            return bytes[position]
        }

        mutating func take(_ count: UInt64) throws(CBORError) -> ArraySlice<UInt8> {
            guard count <= UInt64(remaining) else { throw .truncated }
            let end = position + Int(count)
            defer { position = end }
            return bytes[position..<end]
        }

        /// The argument of an initial byte (RFC 8949 §3).
        mutating func argument(_ info: UInt8) throws(CBORError) -> UInt64 {
            switch info {
            case 0..<24: return UInt64(info)
            case 24, 25, 26, 27:
                var value: UInt64 = 0
                for byte in try take(1 << UInt64(info - 24)) { value = value << 8 | UInt64(byte) }
                return value
            case 31: throw .indefiniteLength
            default: throw .reservedAdditionalInfo
            }
        }

        mutating func item(depth: Int) throws(CBORError) -> CBOR {
            let initial = try byte()
            let major = initial >> 5
            let info = initial & 0x1f
            if major == 7 {
                switch info {
                case 20: return .bool(false)
                case 21: return .bool(true)
                case 22: return .null
                case 23: return .undefined
                case 25, 26, 27: throw .unsupported("floating-point number")
                case 31: throw .indefiniteLength
                case 28, 29, 30: throw .reservedAdditionalInfo
                default: throw .unsupported("simple value")
                }
            }
            let argument = try argument(info)
            switch major {
            case 0: return .unsigned(argument)
            case 1: return .negative(argument)
            case 2: return .bytes(Array(try take(argument)))
            case 3:
                guard let text = String(validating: try take(argument), as: UTF8.self) else { throw .invalidUTF8 }
                return .text(text)
            case 4:
                guard depth < maximumDepth else { throw .tooDeep }
                guard argument <= maximumCount else { throw .tooLarge }
                // Every element takes at least one byte.
                guard argument <= UInt64(remaining) else { throw .truncated }
                var elements: [CBOR] = []
                elements.reserveCapacity(Int(argument))
                for _ in 0..<argument { elements.append(try item(depth: depth + 1)) }
                return .array(elements)
            case 5:
                guard depth < maximumDepth else { throw .tooDeep }
                guard argument <= maximumCount else { throw .tooLarge }
                guard argument <= UInt64(remaining / 2) else { throw .truncated }
                var pairs: [CBORPair] = []
                pairs.reserveCapacity(Int(argument))
                for _ in 0..<argument {
                    let key = try item(depth: depth + 1)
                    let value = try item(depth: depth + 1)
                    guard !pairs.contains(where: { $0.key == key }) else { throw .duplicateKey }
                    pairs.append(CBORPair(key, value))
                }
                return .map(pairs)
            default:
                throw .unsupported("tag")
            }
        }
    }
}

/// The encoder the tests' software authenticator uses (preferred serialisation, definite lengths).
public enum CBOREncoder {
    public static func encode(_ item: CBOR) -> [UInt8] {
        var out: [UInt8] = []
        append(item, to: &out)
        return out
    }

    static func head(_ major: UInt8, _ argument: UInt64, to out: inout [UInt8]) {
        let type = major << 5
        switch argument {
        case 0..<24: out.append(type | UInt8(argument))
        case 24...0xff: out += [type | 24, UInt8(argument)]
        case 0x100...0xffff: out += [type | 25] + (0..<2).reversed().map { UInt8(truncatingIfNeeded: argument >> ($0 * 8)) }
        case 0x10000...0xffff_ffff: out += [type | 26] + (0..<4).reversed().map { UInt8(truncatingIfNeeded: argument >> ($0 * 8)) }
        default: out += [type | 27] + (0..<8).reversed().map { UInt8(truncatingIfNeeded: argument >> ($0 * 8)) }
        }
    }

    static func append(_ item: CBOR, to out: inout [UInt8]) {
        switch item {
        case .unsigned(let value): head(0, value, to: &out)
        case .negative(let value): head(1, value, to: &out)
        case .bytes(let value):
            head(2, UInt64(value.count), to: &out)
            out += value
        case .text(let value):
            head(3, UInt64(value.utf8.count), to: &out)
            out += Array(value.utf8)
        case .array(let elements):
            head(4, UInt64(elements.count), to: &out)
            for element in elements { append(element, to: &out) }
        case .map(let pairs):
            head(5, UInt64(pairs.count), to: &out)
            for pair in pairs {
                append(pair.key, to: &out)
                append(pair.value, to: &out)
            }
        case .bool(let value): out.append(value ? 0xf5 : 0xf4)
        case .null: out.append(0xf6)
        case .undefined: out.append(0xf7)
        }
    }
}

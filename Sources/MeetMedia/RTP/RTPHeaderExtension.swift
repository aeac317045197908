/// The header extension of an RTP packet (RFC 3550 §5.3.1), read in place. RFC 8285 defines two
/// layouts of elements inside it, told apart by the 16-bit profile field; any other profile is kept
/// as opaque data with no elements.
public struct RTPHeaderExtension: Sendable, Equatable {
    /// Which RFC 8285 layout the elements use.
    public enum Form: Sendable, Equatable {
        /// Profile 0xBEDE: one byte of id (1–14) and length − 1 per element (RFC 8285 §4.2).
        case oneByte
        /// Profile 0x100X: one byte of id (1–255) and one of length per element (RFC 8285 §4.3);
        /// the low 4 bits of the profile are application bits.
        case twoByte(appBits: UInt8)
        /// Not an RFC 8285 profile.
        case other
    }

    public static let oneByteProfile: UInt16 = 0xBEDE
    public static let twoByteProfile: UInt16 = 0x1000

    /// The 16-bit "defined by profile" field.
    public let profile: UInt16
    /// The extension data after its 4-byte header, a multiple of 4 bytes, padding included.
    public let data: ArraySlice<UInt8>

    public var form: Form {
        if profile == Self.oneByteProfile { return .oneByte }
        if profile & 0xFFF0 == Self.twoByteProfile { return .twoByte(appBits: UInt8(profile & 0x000F)) }
        return .other
    }

    /// Checks that every element stays inside the extension, so later look-ups cannot fail.
    init(profile: UInt16, data: ArraySlice<UInt8>) throws(MediaError) {
        self.profile = profile
        self.data = data
        var cursor = Elements.Iterator(extension: self)
        while try cursor.step() != nil {}
    }

    /// The value of element `id`, or nil if absent. The first element with that id wins.
    public func element(id: UInt8) -> ArraySlice<UInt8>? {
        for element in elements where element.id == id {
            return element.value
        }
        return nil
    }

    /// The elements in wire order; iterating allocates nothing.
    public var elements: Elements { Elements(extension: self) }

    /// One element: its local id and its value (a slice of the packet).
    public struct Element: Sendable, Equatable {
        public let id: UInt8
        public let value: ArraySlice<UInt8>
        /// Index of the element's first header byte in the packet's storage.
        public let headerIndex: Int
    }

    /// The elements of an extension; validated when the packet was parsed.
    public struct Elements: Sequence, Sendable {
        let `extension`: RTPHeaderExtension

        public func makeIterator() -> Iterator { Iterator(extension: `extension`) }

        public struct Iterator: IteratorProtocol, Sendable {
            let data: ArraySlice<UInt8>
            let oneByte: Bool
            var index: Int

            init(extension: RTPHeaderExtension) {
                switch `extension`.form {
                case .oneByte:
                    data = `extension`.data
                    oneByte = true
                case .twoByte:
                    data = `extension`.data
                    oneByte = false
                case .other:
                    data = []
                    oneByte = true
                }
                index = data.startIndex
            }

            public mutating func next() -> Element? {
                // Parsing already ran `step` over the same bytes, so it cannot throw here.
                (try? step()) ?? nil
            }

            mutating func step() throws(MediaError) -> Element? {
                while index < data.endIndex {
                    let byte = data[index]
                    // A zero byte is padding, allowed between and after elements (RFC 8285 §4.1).
                    if byte == 0 {
                        index += 1
                        continue
                    }
                    let headerIndex = index
                    let id: UInt8
                    let length: Int
                    if oneByte {
                        id = byte >> 4
                        // RFC 8285 §4.2: id 15 ends processing of the whole extension.
                        if id == 15 {
                            index = data.endIndex
                            return nil
                        }
                        if id == 0 {
                            // A padding byte with stray length bits: skipped, as libwebrtc does.
                            index += 1
                            continue
                        }
                        length = Int(byte & 0x0F) + 1
                        index += 1
                    } else {
                        guard data.endIndex - index >= 2 else {
                            throw MediaError(.malformedPacket, "RTP two-byte extension element header runs past the extension")
                        }
                        id = byte
                        length = Int(data[index + 1])
                        index += 2
                    }
                    guard data.endIndex - index >= length else {
                        throw MediaError(.malformedPacket, "RTP extension element \(id) of \(length) bytes runs past the extension")
                    }
                    let value = data[index..<(index + length)]
                    index += length
                    return Element(id: id, value: value, headerIndex: headerIndex)
                }
                return nil
            }
        }
    }
}

/// A source description packet (RFC 3550 §6.5, PT 202): for each source, a list of items, of which
/// the SFU needs CNAME. The layout is checked when parsed; ``chunks`` decodes it on demand.
public struct RTCPSourceDescription: Sendable, Equatable {
    public static let cnameItem: UInt8 = 1

    /// One chunk: a source and its items, each a type and a value slice.
    public struct Chunk: Sendable, Equatable {
        public let ssrc: UInt32
        public let items: [(type: UInt8, value: ArraySlice<UInt8>)]

        public var cname: String? {
            guard let item = items.first(where: { $0.type == RTCPSourceDescription.cnameItem }) else { return nil }
            return String(validating: item.value, as: UTF8.self)
        }

        public static func == (lhs: Chunk, rhs: Chunk) -> Bool {
            lhs.ssrc == rhs.ssrc && lhs.items.elementsEqual(rhs.items) { $0.type == $1.type && $0.value == $1.value }
        }
    }

    let body: ArraySlice<UInt8>
    public let chunkCount: Int

    init(_ raw: RTCPRawPacket) throws(MediaError) {
        body = raw.body
        chunkCount = Int(raw.count)
        let end = try Self.walk(body, chunks: chunkCount, visit: nil)
        guard end == body.endIndex else {
            throw MediaError(.badLength, "RTCP SDES has \(body.endIndex - end) bytes after its \(chunkCount) chunks")
        }
    }

    /// The chunks in order; allocates, which is fine for a packet sent every few seconds.
    public var chunks: [Chunk] {
        var chunks: [Chunk] = []
        _ = try? Self.walk(body, chunks: chunkCount) { chunks.append($0) }
        return chunks
    }

    /// Walks `count` chunks, checking each; returns the index after the last one.
    static func walk(_ body: ArraySlice<UInt8>, chunks count: Int, visit: ((Chunk) -> Void)?) throws(MediaError) -> Int {
        var index = body.startIndex
        for _ in 0..<count {
            guard body.endIndex - index >= 4 else { throw MediaError(.truncated, "RTCP SDES chunk runs past the packet") }
            let ssrc: UInt32 = body.bigEndian(at: index - body.startIndex)
            index += 4
            var items: [(type: UInt8, value: ArraySlice<UInt8>)] = []
            while true {
                guard index < body.endIndex else { throw MediaError(.truncated, "RTCP SDES chunk has no end marker") }
                let type = body[index]
                if type == 0 { break }
                guard body.endIndex - index >= 2 else { throw MediaError(.truncated, "RTCP SDES item header runs past the packet") }
                let length = Int(body[index + 1])
                guard body.endIndex - index - 2 >= length else {
                    throw MediaError(.truncated, "RTCP SDES item of \(length) bytes runs past the packet")
                }
                if visit != nil { items.append((type, body[(index + 2)..<(index + 2 + length)])) }
                index += 2 + length
            }
            // The null item ends the list; the chunk then pads to a 32-bit boundary.
            let next = body.startIndex + ((index - body.startIndex) / 4 + 1) * 4
            guard next <= body.endIndex else { throw MediaError(.truncated, "RTCP SDES chunk padding runs past the packet") }
            index = next
            visit?(Chunk(ssrc: ssrc, items: items))
        }
        return index
    }

    /// Appends an SDES packet with one chunk per source, each carrying only its CNAME.
    public static func append(cnames: [(ssrc: UInt32, cname: String)], to output: inout [UInt8]) throws(MediaError) {
        guard cnames.count <= 31 else { throw MediaError(.oversize, "\(cnames.count) SDES chunks, over 31") }
        var body: [UInt8] = []
        for (ssrc, cname) in cnames {
            let text = Array(cname.utf8)
            guard text.count <= 255 else { throw MediaError(.oversize, "CNAME of \(text.count) bytes, over 255") }
            body.appendBigEndian(ssrc)
            body.append(cnameItem)
            body.append(UInt8(text.count))
            body += text
            // At least one null octet, then up to the next 32-bit boundary.
            body.append(0)
            while body.count % 4 != 0 { body.append(0) }
        }
        try RTCPPacket.appendHeader(count: UInt8(cnames.count), packetType: sourceDescriptionType, bodyLength: body.count, to: &output)
        output += body
    }

    static let sourceDescriptionType = RTCPPacket.sourceDescriptionType
}

/// A goodbye packet (RFC 3550 §6.6, PT 203): the sources leaving and an optional reason.
public struct RTCPGoodbye: Sendable, Equatable {
    let body: ArraySlice<UInt8>
    public let sourceCount: Int
    /// The reason text, if present.
    public let reason: ArraySlice<UInt8>?

    init(_ raw: RTCPRawPacket) throws(MediaError) {
        body = raw.body
        sourceCount = Int(raw.count)
        let listLength = 4 * sourceCount
        guard body.count >= listLength else { throw MediaError(.truncated, "RTCP BYE with \(sourceCount) sources has \(body.count) bytes") }
        let rest = body.dropFirst(listLength)
        if let length = rest.first {
            guard rest.count - 1 >= Int(length) else { throw MediaError(.truncated, "RTCP BYE reason of \(length) bytes runs past the packet") }
            reason = rest.dropFirst().prefix(Int(length))
        } else {
            reason = nil
        }
    }

    public func ssrc(at index: Int) -> UInt32? {
        guard index >= 0, index < sourceCount else { return nil }
        return body.bigEndian(at: 4 * index)
    }

    public var ssrcs: [UInt32] { (0..<sourceCount).map { body.bigEndian(at: 4 * $0) } }
}

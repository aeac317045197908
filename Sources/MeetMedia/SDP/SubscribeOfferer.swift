/// Writes the SFU's offers to a subscriber (the SFU sends, the browser receives) and reads the
/// answers, keeping the `m=` sections stable across renegotiations as RFC 8829 §5.2.2 requires.
///
/// Each track gets a `sendonly` section with its SSRC, its RTX SSRC (`a=ssrc-group:FID`) and its
/// `a=msid`. A removed track's section is offered with port 0; once an answer has confirmed that,
/// a later track of the same kind recycles the section under a new mid.
public struct SubscribeOfferer: Sendable {
    /// A track the SFU forwards to this subscriber.
    public struct Track: Hashable, Sendable {
        public var kind: SDPMediaKind
        /// The codec the SFU sends, with the payload type it writes into packets.
        public var codec: SDPCodec
        public var ssrc: UInt32
        /// Retransmissions, for video.
        public var rtx: RTXStream?
        public var streamID: String
        public var trackID: String
        public var cname: String

        public init(
            kind: SDPMediaKind,
            codec: SDPCodec,
            ssrc: UInt32,
            rtx: RTXStream? = nil,
            streamID: String,
            trackID: String,
            cname: String
        ) {
            self.kind = kind
            self.codec = codec
            self.ssrc = ssrc
            self.streamID = streamID
            self.trackID = trackID
            self.cname = cname
            self.rtx = rtx
        }
    }

    /// The payload type and SSRC retransmissions of a track are sent with (RFC 4588).
    public struct RTXStream: Hashable, Sendable {
        public var payloadType: UInt8
        public var ssrc: UInt32

        public init(payloadType: UInt8, ssrc: UInt32) {
            self.payloadType = payloadType
            self.ssrc = ssrc
        }
    }

    enum SlotState: Hashable, Sendable {
        case sending(Track)
        /// No track, but still bundled with a port and `a=inactive`: the section that tags the BUNDLE
        /// group keeps it, because a browser that sees the tag rejected moves the group to a new
        /// transport (Chromium restarts ICE and DTLS), and the SFU's ICE-lite transport is one per peer.
        case idle
        /// Offered (or about to be offered) with port 0; `confirmed` once an answer agreed.
        case stopped(confirmed: Bool)
    }

    struct Slot: Hashable, Sendable {
        var mid: String
        var kind: SDPMediaKind
        var state: SlotState
        /// The codecs of the last track of this section, still listed while it is stopped.
        var codecs: [SDPCodec]
    }

    public var transport: SFUTransportParameters
    var slots: [Slot] = []
    var nextMid = 0
    var version: UInt64 = 0
    /// The mids, in order, of the last offer made and not yet answered.
    var pendingMids: [String]?

    public init(transport: SFUTransportParameters) {
        self.transport = transport
    }

    /// Mids of the sections currently sending, in `m=` line order.
    public var sendingMids: [String] {
        slots.compactMap { if case .sending = $0.state { $0.mid } else { nil } }
    }

    /// Mids of the bundled sections (sending, or the idle BUNDLE tag), in `m=` line order.
    var bundledMids: [String] {
        slots.compactMap {
            switch $0.state {
            case .sending, .idle: $0.mid
            case .stopped: nil
            }
        }
    }

    /// Adds a track and returns the mid its section will have: a recycled section of the same
    /// kind whose stop an answer confirmed, or a new one at the end. Throws
    /// `.tooManyMediaSections` rather than grow past ``SessionDescription/Limits/maximumMediaSections``.
    public mutating func addTrack(_ track: Track) throws(SDPError) -> String {
        // The idle BUNDLE tag takes a track of its kind again, under its own mid (it was never rejected).
        if let idle = slots.firstIndex(where: { $0.kind == track.kind && $0.state == .idle }) {
            slots[idle].state = .sending(track)
            slots[idle].codecs = Self.codecs(of: track)
            return slots[idle].mid
        }
        let recycled = slots.firstIndex { $0.kind == track.kind && $0.state == .stopped(confirmed: true) }
        guard recycled != nil || slots.count < SessionDescription.Limits.maximumMediaSections else {
            throw SDPError(code: .tooManyMediaSections, reason: "a subscriber has at most \(SessionDescription.Limits.maximumMediaSections) sections")
        }
        let mid = String(nextMid)
        nextMid += 1
        let slot = Slot(mid: mid, kind: track.kind, state: .sending(track), codecs: Self.codecs(of: track))
        if let recycled { slots[recycled] = slot } else { slots.append(slot) }
        return mid
    }

    /// Stops the section of `mid` (port 0, or idle if it tags the BUNDLE group); false if no track is sending there.
    @discardableResult
    public mutating func removeTrack(mid: String) -> Bool {
        guard let index = slots.firstIndex(where: { $0.mid == mid }), case .sending = slots[index].state else { return false }
        slots[index].state = bundledMids.first == mid ? .idle : .stopped(confirmed: false)
        return true
    }

    static func codecs(of track: Track) -> [SDPCodec] {
        guard let rtx = track.rtx else { return [track.codec] }
        let repair = SDPCodec(
            payloadType: rtx.payloadType,
            name: "rtx",
            clockRate: track.codec.clockRate,
            parameters: "apt=\(track.codec.payloadType)"
        )
        return [track.codec, repair]
    }
}

/// Why a datagram or media message was refused: a stable code for programs and tests, a reason for people.
/// Never carries key material; a reason may name attribute types and lengths, never credentials.
public struct MediaError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// Shorter than its header or its own length field says.
        case truncated
        /// Not a message of the protocol that was expected (for STUN: a leading bit set).
        case notSTUN
        /// The STUN magic cookie is wrong, so the sender is not an RFC 5389/8489 agent.
        case badMagicCookie
        /// A length field that is not a multiple of 4 or does not match the bytes present.
        case badLength
        /// Larger than this layer accepts or can encode.
        case oversize
        /// An attribute header or value runs past the end of the message.
        case attributeOverrun
        /// An attribute whose value has the wrong size or content for its type.
        case malformedAttribute
        /// An attribute where its type may not appear (for example after FINGERPRINT).
        case misplacedAttribute
        /// A check needs an attribute the message does not carry.
        case missingAttribute
        /// An authentication tag or STUN MESSAGE-INTEGRITY does not match: wrong key, or altered.
        case authenticationFailed
        /// FINGERPRINT does not match the message.
        case fingerprintFailed
        /// A check that needs the received bytes was asked of a message that was built, not parsed.
        case notReceived
        /// An RTP, RTCP, SRTP or SRTCP packet that is cut short or not in the expected form.
        case malformedPacket
        /// A key or salt of the wrong length, or a key the operation needs is absent.
        case invalidKey
        /// A packet index already received or too old for the replay window.
        case replayed
        /// An RTP or RTCP padding count of zero or larger than what it pads, or RTCP padding on a
        /// packet that is not the last of its compound.
        case badPadding
        /// An RTP or RTCP version field that is not 2.
        case badVersion
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }
}

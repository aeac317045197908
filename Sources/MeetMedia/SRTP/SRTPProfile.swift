/// The SRTP protection profiles DigitalMeet negotiates in DTLS `use_srtp` (RFC 5764, RFC 7714).
public enum SRTPProfile: String, Sendable, CaseIterable {
    /// AEAD_AES_128_GCM (RFC 7714): preferred.
    case aeadAES128GCM = "SRTP_AEAD_AES_128_GCM"
    /// AES_CM_128_HMAC_SHA1_80 (RFC 3711): for peers without GCM.
    case aes128CMHMACSHA180 = "SRTP_AES128_CM_SHA1_80"

    /// The OpenSSL/BoringSSL profile name list, most preferred first.
    public static var boringSSLProfileList: String { allCases.map(\.rawValue).joined(separator: ":") }

    public var masterKeyLength: Int { 16 }

    public var masterSaltLength: Int {
        switch self {
        case .aeadAES128GCM: 12
        case .aes128CMHMACSHA180: 14
        }
    }

    /// Bytes added to each packet: the GCM tag, or the truncated HMAC.
    public var tagLength: Int {
        switch self {
        case .aeadAES128GCM: 16
        case .aes128CMHMACSHA180: 10
        }
    }
}

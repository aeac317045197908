// The second and last use of BoringSSL (after DTLS/BoringSSLDTLS.swift; decision 0008): AES-128-GCM
// through one persistent EVP_AEAD_CTX per SRTP session key. swift-crypto's `AES.GCM` keys a new
// context and builds `Data` values on every call, which cost several times the encryption itself on
// the forwarding path; this context is keyed once and seals straight into the output array. The
// cipher is BoringSSL's, the one behind swift-crypto: no cryptography here is written by hand.
// Proven by the RFC 7714 vectors and against swift-crypto in SRTPTests and SRTPGCMContextTests.
import CNIOBoringSSL

/// An AES-128-GCM key schedule, immutable once made: BoringSSL allows concurrent seal and open
/// on one context, so sharing it between copies of an ``SRTPContext`` is safe.
final class SRTPGCMContext: @unchecked Sendable {
    static let tagLength = 16
    private let context: UnsafeMutablePointer<EVP_AEAD_CTX>

    init(key: [UInt8]) throws {
        guard key.count == 16,
            let context = key.withUnsafeBufferPointer({
                EVP_AEAD_CTX_new(EVP_aead_aes_128_gcm(), $0.baseAddress, $0.count, Self.tagLength)
            })
        else { throw MediaError(.invalidKey, "cannot key AES-128-GCM") }
        self.context = context
    }

    deinit { EVP_AEAD_CTX_free(context) }

    /// `header` ∥ ciphertext of `payload` ∥ tag, with `header` as additional data, in one array.
    func seal(header: ArraySlice<UInt8>, payload: ArraySlice<UInt8>, nonce: UnsafeBufferPointer<UInt8>) throws -> [UInt8] {
        let count = header.count + payload.count + Self.tagLength
        var sealed = false
        let output = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            header.withUnsafeBufferPointer { header in
                payload.withUnsafeBufferPointer { payload in
                    guard let base = buffer.baseAddress, let headerBase = header.baseAddress else { return }
                    base.initialize(from: headerBase, count: header.count)
                    var tagLength = 0
                    sealed =
                        EVP_AEAD_CTX_seal_scatter(
                            context,
                            base + header.count,
                            base + header.count + payload.count,
                            &tagLength,
                            Self.tagLength,
                            nonce.baseAddress,
                            nonce.count,
                            payload.baseAddress,
                            payload.count,
                            nil,
                            0,
                            header.baseAddress,
                            header.count
                        ) == 1 && tagLength == Self.tagLength
                }
            }
            initialized = sealed ? count : 0
        }
        guard sealed else { throw MediaError(.invalidKey, "AES-128-GCM sealing failed") }
        return output
    }

    /// `header` ∥ plaintext of `body` (ciphertext and tag), or nil if it does not authenticate.
    func open(header: ArraySlice<UInt8>, body: ArraySlice<UInt8>, nonce: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard body.count >= Self.tagLength else { return nil }
        let count = header.count + body.count - Self.tagLength
        var opened = false
        let output = [UInt8](unsafeUninitializedCapacity: max(count, 1)) { buffer, initialized in
            header.withUnsafeBufferPointer { header in
                body.withUnsafeBufferPointer { body in
                    guard let base = buffer.baseAddress, let headerBase = header.baseAddress else { return }
                    base.initialize(from: headerBase, count: header.count)
                    var written = 0
                    opened =
                        EVP_AEAD_CTX_open(
                            context,
                            base + header.count,
                            &written,
                            body.count - Self.tagLength,
                            nonce.baseAddress,
                            nonce.count,
                            body.baseAddress,
                            body.count,
                            header.baseAddress,
                            header.count
                        ) == 1 && written == body.count - Self.tagLength
                }
            }
            initialized = opened ? count : 0
        }
        return opened ? output : nil
    }
}

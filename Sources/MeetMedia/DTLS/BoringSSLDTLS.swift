// BoringSSL (vendored by swift-nio-ssl as CNIOBoringSSL, not a public API of it) is used in two
// files only: this one, behind `DTLSEndpoint`, and SRTP/SRTPGCMContext.swift (decision 0008). Pinned by the exact swift-nio-ssl version in Package.swift and
// covered by the DTLS tests, which handshake two endpoints against each other.
import CNIOBoringSSL
import Foundation

/// One DTLS 1.2 association, sans-IO: datagrams in, datagrams and a result out, no sockets. The SFU is the
/// server; the client role exists for tests and tools. The peer must present a certificate whose SHA-256
/// matches the fingerprint from its SDP, and the handshake must agree on one of the SRTP profiles.
/// BoringSSL's retransmission timer reads the system clock: the driver asks `timeout` and calls
/// `handleTimeout` when it has passed.
public final class DTLSEndpoint {
    public enum Role: Sendable { case server, client }

    public enum State: Sendable, Equatable {
        case handshaking
        case connected(DTLSSRTPKeys)
        case failed(String)
    }

    public let role: Role
    public private(set) var state: State = .handshaking
    let expectedFingerprint: DTLSFingerprint
    private let context: OpaquePointer
    private let ssl: OpaquePointer
    private let datagrams: DatagramBuffers

    /// Datagram queues the custom BIO reads from and writes to.
    final class DatagramBuffers {
        var inbound: [[UInt8]] = []
        var outbound: [[UInt8]] = []
    }

    public init(
        role: Role,
        certificate: DTLSCertificate,
        remoteFingerprint: DTLSFingerprint,
        profiles: [SRTPProfile] = SRTPProfile.allCases,
        mtu: Int = 1200,
        initialRetransmitTimeout: Duration = .milliseconds(400)
    ) throws {
        self.role = role
        expectedFingerprint = remoteFingerprint
        datagrams = DatagramBuffers()
        guard let context = SSL_CTX_new(DTLS_method()) else { throw MediaError(.invalidKey, "cannot create a DTLS context") }
        self.context = context
        guard SSL_CTX_set_min_proto_version(context, UInt16(DTLS1_2_VERSION)) == 1,
            SSL_CTX_set_max_proto_version(context, UInt16(DTLS1_2_VERSION)) == 1,
            SSL_CTX_set_srtp_profiles(context, profiles.map(\.rawValue).joined(separator: ":")) == 1
        else {
            SSL_CTX_free(context)
            throw MediaError(.invalidKey, "cannot configure DTLS 1.2 with the SRTP profiles")
        }
        do {
            try Self.install(certificate, in: context)
        } catch {
            SSL_CTX_free(context)
            throw error
        }
        SSL_CTX_set_custom_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verifyPeerFingerprint)
        guard let ssl = SSL_new(context), let bio = BIO_new(Self.datagramBIOMethod) else {
            SSL_CTX_free(context)
            throw MediaError(.invalidKey, "cannot create a DTLS connection")
        }
        self.ssl = ssl
        BIO_set_data(bio, Unmanaged.passUnretained(datagrams).toOpaque())
        BIO_set_init(bio, 1)
        SSL_set_bio(ssl, bio, bio)  // the SSL owns the BIO from here
        SSL_set_mtu(ssl, UInt32(mtu))
        let milliseconds =
            initialRetransmitTimeout.components.seconds * 1000 + initialRetransmitTimeout.components.attoseconds / 1_000_000_000_000_000
        DTLSv1_set_initial_timeout_duration(ssl, UInt32(clamping: milliseconds))
        SSL_set_ex_data(ssl, 0, Unmanaged.passUnretained(self).toOpaque())
        switch role {
        case .server: SSL_set_accept_state(ssl)
        case .client: SSL_set_connect_state(ssl)
        }
    }

    deinit {
        SSL_free(ssl)
        SSL_CTX_free(context)
    }

    /// Starts the handshake (the client's first flight); returns what to send.
    public func start() -> [[UInt8]] {
        advance()
        return takeOutgoing()
    }

    /// Feeds one received DTLS datagram; returns the datagrams to send in reply. After the
    /// handshake, records still go through BoringSSL: a client that resends its Finished because
    /// the server's last flight was lost gets that flight again (RFC 6347 §4.2.4), and a
    /// close_notify sets ``peerClosed``.
    public func handle(datagram: [UInt8]) -> [[UInt8]] {
        switch state {
        case .handshaking:
            datagrams.inbound.append(datagram)
            advance()
        case .connected:
            datagrams.inbound.append(datagram)
            readAfterHandshake()
        case .failed:
            return []
        }
        return takeOutgoing()
    }

    /// Whether the peer sent close_notify after the handshake.
    public private(set) var peerClosed = false

    /// Sends close_notify if connected; returns what to send. The association is unusable afterwards.
    public func shutdown() -> [[UInt8]] {
        guard case .connected = state else { return [] }
        _ = SSL_shutdown(ssl)
        return takeOutgoing()
    }

    /// Lets BoringSSL process a post-handshake record. DigitalMeet carries no application data
    /// over DTLS (no data channels), so whatever is read is discarded.
    private func readAfterHandshake() {
        var scratch = [UInt8](repeating: 0, count: 2048)
        while !datagrams.inbound.isEmpty {
            let result = SSL_read(ssl, &scratch, Int32(scratch.count))
            if result > 0 { continue }
            if SSL_get_error(ssl, result) == SSL_ERROR_ZERO_RETURN { peerClosed = true }
            break
        }
        datagrams.inbound.removeAll()
    }

    /// How long until `handleTimeout` must be called to retransmit, if a timer is running.
    public var timeout: Duration? {
        var value = timeval()
        guard case .handshaking = state, DTLSv1_get_timeout(ssl, &value) == 1 else { return nil }
        return .seconds(value.tv_sec) + .microseconds(value.tv_usec)
    }

    /// Retransmits the last flight if its timer expired; returns what to send.
    public func handleTimeout() -> [[UInt8]] {
        guard case .handshaking = state else { return [] }
        if DTLSv1_handle_timeout(ssl) < 0 { fail("DTLS handshake timed out") }
        return takeOutgoing()
    }

    private func takeOutgoing() -> [[UInt8]] {
        defer { datagrams.outbound.removeAll() }
        return datagrams.outbound
    }

    private func advance() {
        let result = SSL_do_handshake(ssl)
        if result == 1 {
            finish()
            return
        }
        let error = SSL_get_error(ssl, result)
        if error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE {
            fail("DTLS handshake failed: \(Self.errorQueue())")
        }
    }

    private func finish() {
        guard let selected = SSL_get_selected_srtp_profile(ssl), let name = selected.pointee.name,
            let profile = SRTPProfile(rawValue: String(cString: name))
        else {
            fail("the peer agreed on no SRTP profile DigitalMeet offers")
            return
        }
        let length = 2 * (profile.masterKeyLength + profile.masterSaltLength)
        var material = [UInt8](repeating: 0, count: length)
        let label = "EXTRACTOR-dtls_srtp"
        guard SSL_export_keying_material(ssl, &material, length, label, label.utf8.count, nil, 0, 0) == 1 else {
            fail("exporting SRTP keys failed")
            return
        }
        state = .connected(DTLSSRTPKeys(profile: profile, material: material))
    }

    private func fail(_ reason: String) {
        state = .failed(reason)
    }

    /// Whether the peer's leaf certificate is the one its SDP fingerprint names.
    fileprivate func peerMatchesFingerprint() -> Bool {
        guard let chain = SSL_get0_peer_certificates(ssl), sk_CRYPTO_BUFFER_num(chain) > 0, let leaf = sk_CRYPTO_BUFFER_value(chain, 0) else {
            return false
        }
        let der = UnsafeBufferPointer(start: CRYPTO_BUFFER_data(leaf), count: CRYPTO_BUFFER_len(leaf))
        return DTLSFingerprint(certificateDER: der) == expectedFingerprint
    }

    static func install(_ certificate: DTLSCertificate, in context: OpaquePointer) throws {
        let certificateOK = certificate.der.withUnsafeBufferPointer { buffer -> Bool in
            var cursor = buffer.baseAddress
            guard let x509 = d2i_X509(nil, &cursor, buffer.count) else { return false }
            defer { X509_free(x509) }
            return SSL_CTX_use_certificate(context, x509) == 1
        }
        let keyDER = Array(certificate.privateKey.derRepresentation)
        let keyOK = keyDER.withUnsafeBufferPointer { buffer -> Bool in
            var cursor = buffer.baseAddress
            guard let key = d2i_AutoPrivateKey(nil, &cursor, buffer.count) else { return false }
            defer { EVP_PKEY_free(key) }
            return SSL_CTX_use_PrivateKey(context, key) == 1
        }
        guard certificateOK, keyOK, SSL_CTX_check_private_key(context) == 1 else {
            throw MediaError(.invalidKey, "the DTLS certificate or its private key was refused")
        }
    }

    static func errorQueue() -> String {
        var messages: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            messages.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return messages.isEmpty ? "unknown error" : messages.joined(separator: "; ")
    }

    /// A BIO that treats each read and write as one whole datagram (a memory BIO would merge them).
    nonisolated(unsafe) static let datagramBIOMethod: OpaquePointer? = {
        guard let method = BIO_meth_new(BIO_TYPE_SOURCE_SINK, "digitalmeet-datagram") else { return nil }
        BIO_meth_set_write(method) { bio, data, length in
            guard let bio, let data, length >= 0, let raw = BIO_get_data(bio) else { return -1 }
            let buffers = Unmanaged<DatagramBuffers>.fromOpaque(raw).takeUnretainedValue()
            buffers.outbound.append(Array(UnsafeRawBufferPointer(start: data, count: Int(length))))
            return length
        }
        BIO_meth_set_read(method) { bio, out, capacity in
            guard let bio, let out, let raw = BIO_get_data(bio) else { return -1 }
            let buffers = Unmanaged<DatagramBuffers>.fromOpaque(raw).takeUnretainedValue()
            BIO_clear_retry_flags(bio)
            guard !buffers.inbound.isEmpty else {
                BIO_set_retry_read(bio)
                return -1
            }
            let datagram = buffers.inbound.removeFirst()
            let count = min(Int(capacity), datagram.count)
            datagram.withUnsafeBytes { UnsafeMutableRawPointer(out).copyMemory(from: $0.baseAddress!, byteCount: count) }
            return Int32(count)
        }
        BIO_meth_set_ctrl(method) { _, command, _, _ in
            // Flush is a no-op (writes are already whole datagrams); nothing else is supported.
            command == BIO_CTRL_FLUSH ? 1 : 0
        }
        return method
    }()
}

/// BoringSSL's certificate callback: accept the peer only if its certificate matches the SDP fingerprint.
private func verifyPeerFingerprint(_ ssl: OpaquePointer?, _ alert: UnsafeMutablePointer<UInt8>?) -> ssl_verify_result_t {
    guard let ssl, let raw = SSL_get_ex_data(ssl, 0) else { return ssl_verify_invalid }
    let endpoint = Unmanaged<DTLSEndpoint>.fromOpaque(raw).takeUnretainedValue()
    if endpoint.peerMatchesFingerprint() { return ssl_verify_ok }
    alert?.pointee = UInt8(SSL_AD_BAD_CERTIFICATE)
    return ssl_verify_invalid
}

import Crypto
import Foundation
import Logging
import MeetMedia
import Metrics
import ServiceLifecycle
import X509

extension MediaServer: MediaPlane {}

/// The SFU's UDP port could not be bound.
struct MediaListenError: Error, CustomStringConvertible {
    let description: String
}

/// The SFU in the server's service group: it was bound at start-up (so a taken port stops the start
/// with a clear message), here its events reach the meeting hub and its counters reach `/metrics`;
/// at shutdown the socket closes after the HTTPS listener drained.
struct MediaService: Service {
    let server: MediaServer
    let hub: MeetingHub
    let logger: Logger
    var metricsInterval: Duration = .seconds(5)

    /// Binds the SFU's UDP port with a fresh DTLS certificate (ECDSA P-256; browsers learn its
    /// fingerprint from each SDP answer, so it need not outlive the process).
    /// With `testHooks.mediaCaptureDirectory`, the forwarded packets are also written there (tests only).
    static func start(_ settings: MediaSettings, testHooks: TestHooks = TestHooks(), logger: Logger) async throws -> MediaServer {
        var configuration = MediaServer.Configuration(
            host: settings.bindHost,
            port: settings.port,
            announcedAddresses: settings.announcedAddresses,
            certificate: try dtlsCertificate()
        )
        if let directory = testHooks.mediaCaptureDirectory {
            configuration.packetTap = try MediaCapture(directory: directory).tap
        }
        let server: MediaServer
        do {
            server = try await MediaServer.start(configuration: configuration)
        } catch {
            throw MediaListenError(
                description:
                    "cannot listen for media on UDP \(settings.bindHost):\(settings.port) (\(error)); free the port or set DIGITALMEET_MEDIA_PORT (media.port)"
            )
        }
        logger.notice(
            "Media (SFU) listening",
            metadata: ["udp": "\(settings.bindHost):\(server.port)", "announced": "\(settings.announcedAddresses)"]
        )
        return server
    }

    static func dtlsCertificate() throws -> DTLSCertificate {
        let key = P256.Signing.PrivateKey()
        let certificate = try TLSIdentity.selfSigned(
            key: key,
            name: try DistinguishedName { CommonName("DigitalMeet SFU") },
            validity: 365 * 86_400,
            extensions: Certificate.Extensions()
        )
        return DTLSCertificate(der: try certificate.serializeAsPEM().derBytes, privateKey: key)
    }

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await event in server.events { await hub.mediaEvent(event) }
                    }
                    group.addTask { try await exportMetrics() }
                    try await group.next()
                    group.cancelAll()
                }
            }
        } catch is CancellationError {
            // Shutdown.
        }
        try? await server.close()
    }

    /// The SFU's counters as Prometheus series: totals grow by what changed since the last look.
    func exportMetrics() async throws {
        var last = SFUMetrics()
        while !Task.isCancelled {
            let now = try await server.metrics()
            Gauge(label: "digitalmeet_media_peers").record(now.peers)
            Gauge(label: "digitalmeet_media_connected_peers").record(now.connectedPeers)
            Gauge(label: "digitalmeet_media_producers").record(now.producers)
            Gauge(label: "digitalmeet_media_consumers").record(now.consumers)
            let totals: [(String, KeyPath<SFUMetrics, Int>)] = [
                ("digitalmeet_media_datagrams_in_total", \.datagramsIn),
                ("digitalmeet_media_bytes_in_total", \.bytesIn),
                ("digitalmeet_media_datagrams_out_total", \.datagramsOut),
                ("digitalmeet_media_bytes_out_total", \.bytesOut),
                ("digitalmeet_media_packets_forwarded_total", \.packetsForwarded),
                ("digitalmeet_media_nacks_received_total", \.nacksReceived),
                ("digitalmeet_media_keyframe_requests_total", \.keyFrameRequestsReceived),
                ("digitalmeet_media_receiver_reports_sent_total", \.receiverReportsSent),
                ("digitalmeet_media_remb_sent_total", \.rembSent),
                ("digitalmeet_media_srtp_auth_failures_total", \.srtpAuthFailures),
                ("digitalmeet_media_srtp_replays_total", \.srtpReplays),
                ("digitalmeet_media_dtls_failures_total", \.dtlsFailures),
                ("digitalmeet_media_dropped_unknown_source_total", \.droppedUnknownSource),
                ("digitalmeet_media_datagrams_unsent_total", \.datagramsUnsent),
                ("digitalmeet_media_datagrams_queued_total", \.datagramsQueued),
            ]
            for (label, path) in totals where now[keyPath: path] > last[keyPath: path] {
                Counter(label: label).increment(by: now[keyPath: path] - last[keyPath: path])
            }
            last = now
            try await Task.sleep(for: metricsInterval)
        }
    }
}

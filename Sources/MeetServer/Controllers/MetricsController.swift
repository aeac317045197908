import Crypto
import Hummingbird
import Metrics
import Prometheus

/// The process's Prometheus registry, installed as the metrics backend the first time it is used.
enum MetricsRegistry {
    static let shared: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}

/// `/metrics` in the Prometheus text format, for a bearer token or, without one configured, loopback only:
/// counters of security events are reconnaissance material for an attacker.
struct MetricsController {
    let registry: PrometheusCollectorRegistry
    let token: String?

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/metrics") { request, context in
            guard authorized(request, context: context) else {
                throw APIError(.forbidden, code: "forbidden", message: "Metrics are available to the monitoring system only.")
            }
            var response = Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
            response.headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return response
        }
    }

    func authorized(_ request: Request, context: AppRequestContext) -> Bool {
        guard let token else { return context.isLoopback }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { return false }
        // Compare digests so the comparison time does not depend on where the strings differ.
        return SHA256.hash(data: Array(header.dropFirst(7).utf8)) == SHA256.hash(data: Array(token.utf8))
    }
}

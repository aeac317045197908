import Configuration
import Foundation
import MeetStore

/// Everything `digitalmeet serve` can be told, read once at start from the environment
/// (`DIGITALMEET_*`) and an optional JSON file, with defaults that make a first start work unconfigured.
public struct ServerConfiguration: Sendable {
    public var dataDirectory: String
    public var database: Store.Backend
    public var httpsHost: String
    public var httpsPort: Int
    /// Plain-HTTP port that only redirects to HTTPS; `nil` disables it.
    public var httpRedirectPort: Int?
    /// The address people open, used for links, redirects, `security.txt` and the Origin allow-list.
    public var publicURL: URL
    /// Extra origins allowed to make state-changing requests and open WebSockets (besides `publicURL`).
    public var extraAllowedOrigins: [String]
    /// A certificate chain and key in PEM; when absent a self-signed certificate is generated in the data directory.
    public var certificatePath: String?
    public var privateKeyPath: String?
    /// Host names (and IP addresses) the generated certificate covers.
    public var certificateHostnames: [String]
    /// The key-encryption key ring file (mode 0600); ignored when `masterKey` is given.
    public var masterKeyFile: String
    /// The key ring itself, from an environment variable, for platforms that inject secrets that way.
    public var masterKey: String?
    public var logLevel: String
    public var logFormat: LogFormat
    /// How long a setup link stays valid.
    public var setupLinkLifetime: Duration
    /// Where vulnerability reports go (`security.txt` Contact).
    public var securityContact: String
    /// Bearer token for `/metrics`; without it only loopback clients may read metrics.
    public var metricsToken: String?
    /// The folder of web client files.
    public var webRoot: String
    /// Data keys older than this are rotated (their data re-encrypted in the background).
    public var maxDataKeyAge: Duration
    /// How often the server checks for keys due for rotation and resumes unfinished re-encryption.
    public var keyMaintenanceInterval: Duration
    /// The audit log is checkpointed (signed) after this many new entries in a chain…
    public var auditCheckpointEntries: Int64
    /// …or when its newest entry has waited this long for a signature.
    public var auditCheckpointInterval: Duration
    /// The bundled breached-password set (`Resources/password-blocklist.bin`).
    public var passwordBlocklistFile: String
    /// Password hashes computed at once (each takes ~128 MiB and one core for ~0.5 s).
    public var passwordHashConcurrency: Int
    /// Password hashes allowed to wait for a slot; beyond that sign-in answers 503 busy.
    public var passwordHashQueue: Int
    /// Where account e-mail goes (see `makeMailTransport(configuration:)`).
    public var mail: MailSettings
    /// The SFU's UDP socket, its announced addresses and the TURN server browsers may use.
    public var media: MediaSettings
    /// End-to-end test hooks, from the environment only (`TestHooks`); off by default.
    public var testHooks = TestHooks()

    public enum LogFormat: String, Sendable, CaseIterable {
        case json
        case text
    }

    /// The origins (scheme://host[:port]) that may call state-changing routes.
    public var allowedOrigins: Set<String> {
        Set([Self.origin(of: publicURL)].compactMap { $0 } + extraAllowedOrigins)
    }

    static func origin(of url: URL) -> String? {
        guard let scheme = url.scheme?.lowercased(), let host = url.host?.lowercased() else { return nil }
        let hostPart = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        let defaultPort = scheme == "https" ? 443 : 80
        if let port = url.port, port != defaultPort { return "\(scheme)://\(hostPart):\(port)" }
        return "\(scheme)://\(hostPart)"
    }
}

extension ServerConfiguration {
    /// Reads the configuration; a JSON file at `filePath` (if any) is overridden by `DIGITALMEET_*` variables.
    public static func load(
        filePath: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws
        -> ServerConfiguration
    {
        var providers: [any ConfigProvider] = [EnvironmentVariablesProvider(environmentVariables: environment).prefixKeys(with: ["digitalmeet"])]
        if let filePath {
            guard FileManager.default.fileExists(atPath: filePath) else {
                throw ConfigurationError("the configuration file \(filePath) does not exist")
            }
            do {
                providers.append(try await FileProvider<JSONSnapshot>(filePath: .init(filePath)))
            } catch {
                throw ConfigurationError("the configuration file \(filePath) is not valid JSON: \(error)")
            }
        }
        var configuration = try ServerConfiguration(reader: SettingsReader(ConfigReader(providers: providers)))
        configuration.testHooks = TestHooks(environment: environment)
        return configuration
    }

    init(reader: SettingsReader) throws {
        dataDirectory = reader.string("data.directory") ?? "./data"
        if let url = reader.string("database.url"), !url.isEmpty {
            guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
                throw ConfigurationError("\(SettingsReader.describe("database.url")) must be a postgres:// URL")
            }
            database = .postgres(url: url)
        } else {
            database = .sqlite(path: reader.string("database.sqlitePath") ?? "\(dataDirectory)/digitalmeet.sqlite")
        }
        httpsHost = reader.string("https.host") ?? "0.0.0.0"
        httpsPort = try reader.int("https.port", in: 1...65535) ?? 8443
        httpRedirectPort = try reader.int("http.redirectPort", in: 1...65535)
        if httpRedirectPort == httpsPort {
            throw ConfigurationError("\(SettingsReader.describe("http.redirectPort")) must differ from the HTTPS port \(httpsPort)")
        }
        let publicText = reader.string("server.publicUrl") ?? "https://localhost:\(httpsPort)"
        guard let url = URL(string: publicText), url.scheme?.lowercased() == "https", url.host != nil, url.query == nil,
            url.path.isEmpty || url.path == "/"
        else {
            throw ConfigurationError(
                "\(SettingsReader.describe("server.publicUrl")) must be an https:// URL with no path or query, such as https://meet.example.com"
            )
        }
        publicURL = url
        extraAllowedOrigins = reader.strings("server.allowedOrigins") ?? []
        certificatePath = reader.string("tls.certificatePath")
        privateKeyPath = reader.string("tls.privateKeyPath")
        if (certificatePath == nil) != (privateKeyPath == nil) {
            throw ConfigurationError(
                "set both \(SettingsReader.describe("tls.certificatePath")) and \(SettingsReader.describe("tls.privateKeyPath")), or neither"
            )
        }
        var hostnames = reader.strings("tls.hostnames") ?? ["localhost", "127.0.0.1", "::1"]
        if let host = url.host, !hostnames.contains(host) { hostnames.append(host) }
        certificateHostnames = hostnames
        masterKeyFile = reader.string("masterKey.file") ?? "\(dataDirectory)/master.key"
        masterKey = reader.string("masterKey")
        logLevel = reader.string("log.level") ?? "info"
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(logLevel) else {
            throw ConfigurationError("\(SettingsReader.describe("log.level")) must be one of trace, debug, info, notice, warning, error, critical")
        }
        let format = reader.string("log.format") ?? LogFormat.json.rawValue
        guard let logFormat = LogFormat(rawValue: format) else {
            throw ConfigurationError("\(SettingsReader.describe("log.format")) must be json or text")
        }
        self.logFormat = logFormat
        setupLinkLifetime = .seconds(try reader.int("setup.linkLifetimeSeconds", in: 60...604_800) ?? 3600)
        securityContact = reader.string("security.contact") ?? "mailto:security@digitalmeet.com"
        guard securityContact.hasPrefix("mailto:") || securityContact.hasPrefix("https://") || securityContact.hasPrefix("tel:") else {
            throw ConfigurationError("\(SettingsReader.describe("security.contact")) must be a mailto:, https:// or tel: URI (RFC 9116)")
        }
        metricsToken = reader.string("metrics.token")
        webRoot = reader.string("web.root") ?? "./Web"
        maxDataKeyAge = .seconds(86_400 * (try reader.int("keys.dataKeyMaxAgeDays", in: 1...3650) ?? 365))
        keyMaintenanceInterval = .seconds(try reader.int("keys.maintenanceIntervalSeconds", in: 10...86_400) ?? 3600)
        auditCheckpointEntries = Int64(try reader.int("audit.checkpointEntries", in: 1...1_000_000) ?? 1000)
        auditCheckpointInterval = .seconds(try reader.int("audit.checkpointIntervalSeconds", in: 1...86_400) ?? 300)
        passwordBlocklistFile = reader.string("passwords.blocklistFile") ?? "./Resources/password-blocklist.bin"
        passwordHashConcurrency = try reader.int("passwords.hashConcurrency", in: 1...64) ?? ProcessInfo.processInfo.activeProcessorCount
        passwordHashQueue = try reader.int("passwords.hashQueue", in: 0...10_000) ?? 64
        mail = try MailSettings(reader: reader, dataDirectory: dataDirectory, publicURL: url)
        media = try MediaSettings(reader: reader, httpsHost: httpsHost)
    }
}

/// A configuration mistake, explained in terms of the setting the operator has to change.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

import Foundation
import Hummingbird
import HummingbirdTLS
import HummingbirdWebSocket
import Logging
import MeetCore
import MeetCrypto
import MeetMedia
import MeetStore
import ServiceLifecycle

/// What a starting server tells the person who started it.
public struct StartupAnnouncement: Sendable {
    public let url: URL
    /// The one-time link that creates the first owner; nil once an owner exists.
    public let setupLink: URL?
    public let setupLinkLifetime: Duration
    /// SHA-256 of a self-signed certificate, so the browser warning can be checked; nil for the operator's certificate.
    public let selfSignedFingerprint: String?
    public let httpRedirectPort: Int?
    /// Every route the router answers, as `METHOD /path/:parameter` (the OpenAPI document must list the API ones).
    var routes: [String] = []

    /// The text printed to standard output.
    public var text: String {
        var lines = ["", "DigitalMeet is running.", "  Open: \(url.absoluteString)"]
        if let setupLink {
            let minutes = setupLinkLifetime.components.seconds / 60
            lines += [
                "  Create the owner account with this one-time link (valid \(minutes) minutes, works once):",
                "    \(setupLink.absoluteString)",
            ]
        }
        if let httpRedirectPort {
            lines.append("  Plain HTTP on port \(httpRedirectPort) redirects to HTTPS.")
        }
        if let selfSignedFingerprint {
            lines += [
                "  The certificate is self-signed; your browser will warn once. Its SHA-256 fingerprint is",
                "    \(selfSignedFingerprint)",
            ]
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// The composition root: everything `digitalmeet serve` runs, built from one configuration.
/// Tests call the same function with a test configuration.
public func buildApplication(
    configuration: ServerConfiguration,
    logger: Logger,
    announce: @escaping @Sendable (StartupAnnouncement) -> Void = { FileHandle.standardOutput.write(Data($0.text.utf8)) }
) async throws -> some ApplicationProtocol {
    try await buildApplicationAndAnnouncement(configuration: configuration, logger: logger, announce: announce).application
}

/// `buildApplication`, also returning what will be announced once the listener is up (tests read the setup link from it).
func buildApplicationAndAnnouncement(
    configuration: ServerConfiguration,
    logger: Logger,
    passwordHashing: PasswordHasher.Parameters = .production,
    announce: @escaping @Sendable (StartupAnnouncement) -> Void
) async throws -> (application: some ApplicationProtocol, announcement: StartupAnnouncement) {
    let webPages = try WebPagesController(webRoot: configuration.webRoot)
    let passwordPolicy: PasswordPolicy
    do {
        passwordPolicy = PasswordPolicy(breachedPasswords: try PasswordBlocklist(contentsOf: configuration.passwordBlocklistFile))
    } catch {
        throw ConfigurationError(
            "the breached-password list \(configuration.passwordBlocklistFile) cannot be used (\(error)); set DIGITALMEET_PASSWORDS_BLOCKLIST_FILE (passwords.blocklistFile) to Resources/password-blocklist.bin from the release"
        )
    }
    for warning in configuration.testHooks.warnings {
        logger.warning(
            "TEST HOOK ENABLED — never set this in production: \(warning)",
            metadata: ["event": "startup.test_hook"]
        )
    }
    // The key ring is checked before anything is generated, so a bad key leaves nothing behind.
    let deployment = try await Deployment.open(configuration: configuration, logger: logger)
    let store = deployment.store
    let identity: TLSIdentity
    do {
        identity = try TLSIdentity.load(configuration: configuration, logger: logger)
    } catch {
        await deployment.close()
        throw error
    }
    let tlsConfiguration = identity.serverConfiguration()

    let hasher = PasswordHasher(
        parameters: passwordHashing,
        concurrency: configuration.passwordHashConcurrency,
        maxWaiting: configuration.passwordHashQueue
    )
    let setup = OwnerSetupService(
        repository: FluentOwnerSetupRepository(store: store),
        hasher: hasher,
        dataKeys: deployment.dataKeys,
        policy: passwordPolicy,
        linkLifetime: configuration.setupLinkLifetime,
        publicURL: configuration.publicURL
    )
    let setupLink: URL?
    do {
        setupLink = try await setup.issueLinkIfNeeded()
    } catch {
        await deployment.close()
        throw error
    }

    let accounts: IdentityService
    do {
        accounts = try await IdentityService.make(
            repository: FluentIdentityRepository(store: store),
            audit: FluentAuditRepository(store: store),
            hasher: hasher,
            dataKeys: deployment.dataKeys,
            policy: passwordPolicy,
            mail: try makeMailTransport(configuration: configuration),
            publicURL: configuration.publicURL,
            logger: logger
        )
    } catch {
        await deployment.close()
        throw error
    }

    let mediaServer: MediaServer
    do {
        mediaServer = try await MediaService.start(configuration.media, testHooks: configuration.testHooks, logger: logger)
    } catch {
        await deployment.close()
        throw error
    }

    let router = Router(context: AppRequestContext.self)
    router.middlewares.add(SecurityHeadersMiddleware())
    router.middlewares.add(RequestOriginMiddleware())
    router.middlewares.add(LogRequestsMiddleware(.info))
    router.middlewares.add(MetricsMiddleware())
    router.middlewares.add(OriginCheckMiddleware(allowedOrigins: configuration.allowedOrigins))
    router.middlewares.add(SessionMiddleware(identity: accounts))
    router.middlewares.add(
        FileMiddleware(
            "\(configuration.webRoot)/assets",
            urlBasePath: "/assets",
            cacheControl: .init([(MediaType(type: .any), [.noCache])]),
            logger: logger
        )
    )
    HealthController(store: store).addRoutes(to: router)
    SecurityTxtController(publicURL: configuration.publicURL, contact: configuration.securityContact).addRoutes(to: router)
    MetricsController(registry: MetricsRegistry.shared, token: configuration.metricsToken).addRoutes(to: router)
    SetupController(service: setup).addRoutes(to: router)
    AuthController(identity: accounts).addRoutes(to: router)
    AccountController(identity: accounts).addRoutes(to: router)
    let meetingRepository = FluentMeetingRepository(store: store)
    let organizationRepository = FluentOrganizationRepository(store: store)
    let chatArchive = FluentChatArchive(store: store, dataKeys: deployment.dataKeys)
    let hub = MeetingHub(
        repository: meetingRepository,
        organizations: organizationRepository,
        chat: chatArchive,
        media: configuration.media,
        mediaPlane: mediaServer,
        substituteE2EEKeyOf: configuration.testHooks.substituteE2EEKeyOf,
        logger: logger
    )
    let auditRepository = FluentAuditRepository(store: store)
    let auditSigner = AuditSigner(repository: auditRepository, dataKeys: deployment.dataKeys, logger: logger)
    let admin = OrganizationAdminService(
        identity: accounts,
        organizations: organizationRepository,
        export: AuditExport(repository: auditRepository, signer: auditSigner),
        lockout: accounts.lockout,
        logger: logger,
        signOut: { userID in await hub.signOut(userID: userID) }
    )
    OrganizationController(admin: admin).addRoutes(to: router)
    let meetings = MeetingService(
        repository: meetingRepository,
        organizations: organizationRepository,
        identity: accounts,
        hub: hub,
        passcodeHasher: PasswordHasher(parameters: .init(logN: 14, r: 8, p: 1), concurrency: configuration.passwordHashConcurrency),
        throttle: AttemptThrottle(),
        chat: chatArchive,
        audit: auditRepository,
        logger: logger
    )
    MeetingController(meetings: meetings, publicURL: configuration.publicURL).addRoutes(to: router)
    SecurityReportController(
        service: SecurityReportService(
            identity: accounts,
            organizations: organizationRepository,
            reports: FluentSecurityReportRepository(store: store, dataKeys: deployment.dataKeys),
            throttle: AttemptThrottle(perClient: 5, perScope: 100, window: 3600),
            logger: logger
        )
    ).addRoutes(to: router)
    let signalingRouter = Router(context: SignalingRequestContext.self)
    let signaling = SignalingController(
        hub: hub,
        meetings: meetingRepository,
        identity: accounts,
        allowedOrigins: configuration.allowedOrigins,
        logger: logger
    )
    signaling.addRoutes(to: signalingRouter)
    signaling.addRefusal(to: router)
    webPages.addRoutes(to: router)

    // Shut down in reverse order: the listener drains first, the database closes last.
    var services: [any Service] = [
        DeploymentService(deployment: deployment, interval: configuration.keyMaintenanceInterval),
        AuditCheckpointService(
            signer: auditSigner,
            interval: configuration.auditCheckpointInterval,
            everyEntries: configuration.auditCheckpointEntries,
            logger: logger
        ),
        MediaService(server: mediaServer, hub: hub, logger: logger),
    ]
    if let redirectPort = configuration.httpRedirectPort {
        services.append(HTTPSRedirect.application(configuration: configuration, port: redirectPort, logger: logger))
    }
    let announcement = StartupAnnouncement(
        url: configuration.publicURL,
        setupLink: setupLink,
        setupLinkLifetime: configuration.setupLinkLifetime,
        selfSignedFingerprint: identity.selfSigned ? identity.fingerprint : nil,
        httpRedirectPort: configuration.httpRedirectPort,
        routes: router.routes.map { "\($0.method) \($0.path)" }
    )
    let application = Application(
        router: router,
        // Connections idle for a minute are closed, so slow or abandoned clients cannot hold sockets open.
        server: try .tls(
            .http1WebSocketUpgrade(
                webSocketRouter: signalingRouter,
                configuration: .init(
                    http1: .init(idleTimeout: .seconds(60)),
                    ws: .init(
                        maxFrameSize: SignalingController.maximumFrame,
                        autoPing: .enabled(timePeriod: .seconds(15)),
                        closeTimeout: .seconds(5),
                        validateUTF8: true
                    )
                )
            ),
            tlsConfiguration: tlsConfiguration
        ),
        configuration: .init(address: .hostname(configuration.httpsHost, port: configuration.httpsPort), serverName: nil),
        services: services,
        onServerRunning: { _ in announce(announcement) },
        logger: logger
    )
    return (application, announcement)
}

extension Store {
    /// Opens the configured database and applies pending migrations, with an operator-readable error.
    static func openMigrated(backend: Backend, logger: Logger) async throws -> Store {
        let store = try Store(backend: backend, logger: logger)
        do {
            try await store.migrate()
        } catch {
            await store.shutdown()
            throw StoreError("cannot open and migrate the database (\(backend)): \(String(reflecting: error))")
        }
        return store
    }
}

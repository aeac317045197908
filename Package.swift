// swift-tools-version: 6.2

import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "digitalmeet",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "digitalmeet", targets: ["digitalmeet"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", exact: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/fluent-kit.git", from: "1.57.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.14.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.9.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.32.0"),
    ],
    targets: [
        .target(
            name: "MeetCore",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MeetCrypto",
            dependencies: [
                "MeetCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MeetStore",
            dependencies: [
                "MeetCore",
                "MeetCrypto",
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(name: "CMeetSocket"),
        .target(
            name: "MeetMedia",
            dependencies: [
                "MeetCore",
                // Server/DatagramSender.swift: sendmmsg(2), which Swift's Glibc module does not declare.
                "CMeetSocket",
                .product(name: "NIOCore", package: "swift-nio"),
                // Server/MediaServer.swift: the UDP socket's event loop and vector reads (DatagramBootstrap).
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                // For `CNIOBoringSSL`, used only in DTLS/BoringSSLDTLS.swift and SRTP/SRTPGCMContext.swift (decision 0008).
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MeetServer",
            dependencies: [
                "MeetCore",
                "MeetCrypto",
                "MeetStore",
                "MeetMedia",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                // Mail/SMTPConnection.swift: the SMTP client.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            swiftSettings: swiftSettings
        ),
        // Shared by the test targets: the SQLite and PostgreSQL databases tests run against.
        .target(
            name: "MeetTestSupport",
            dependencies: ["MeetStore", .product(name: "SQLKit", package: "sql-kit"), .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "digitalmeet",
            dependencies: [
                "MeetServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "digitalmeet-audit-bench",
            dependencies: ["MeetStore", .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/AuditBench",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "digitalmeet-crypto-bench",
            dependencies: ["MeetCrypto"],
            path: "Benchmarks/CryptoBench",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "digitalmeet-media-load",
            dependencies: [
                "MeetMedia",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                // The self-signed DTLS certificates of the synthetic peers, made at run time.
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            path: "Benchmarks/MediaLoad",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MeetCoreTests",
            dependencies: ["MeetCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MeetCryptoTests",
            dependencies: ["MeetCrypto"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MeetStoreTests",
            dependencies: ["MeetStore", "MeetTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MeetMediaTests",
            dependencies: [
                "MeetMedia",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            // Fixtures/SDP holds captured offers, read through #filePath; they are not resources.
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MeetServerTests",
            dependencies: [
                "MeetServer",
                "MeetTestSupport",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            // Fixtures/smtp_server.py is run by MailTests with the system Python; it is not a resource.
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
    ]
)

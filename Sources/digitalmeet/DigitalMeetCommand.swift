import ArgumentParser
import Foundation
import Logging
import MeetCore
import MeetServer

@main
struct DigitalMeetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digitalmeet",
        abstract: "DigitalMeet: secure, self-hosted video meetings.",
        discussion: """
            Settings come from DIGITALMEET_* environment variables and, optionally, a JSON file
            given with --config or DIGITALMEET_CONFIG (environment variables win). See README.md.
            """,
        subcommands: [Serve.self, Migrate.self, Keys.self, Audit.self, Organizations.self],
        defaultSubcommand: Serve.self
    )
}

/// Options every subcommand shares.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "A JSON configuration file.", completion: .file(extensions: ["json"]))
    var config: String?

    /// Loads the configuration and installs the logging backend.
    func prepare() async throws -> (ServerConfiguration, Logger) {
        let configuration = try await ServerConfiguration.load(filePath: config ?? ProcessInfo.processInfo.environment["DIGITALMEET_CONFIG"])
        let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            switch configuration.logFormat {
            case .json: return JSONLogHandler(label: label, level: level)
            case .text:
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
        return (configuration, Logger(label: "digitalmeet"))
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the server (HTTPS, signaling, media). The default command.")

    @OptionGroup var options: CommonOptions

    func run() async throws {
        // Everything the server writes (database, keys, certificates) is for its own user only.
        umask(0o077)
        try await explainingFailures {
            let (configuration, logger) = try await options.prepare()
            let app = try await buildApplication(configuration: configuration, logger: logger)
            try await app.runService()
        }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations, then exit.")

    @OptionGroup var options: CommonOptions

    func run() async throws {
        // Everything the server writes (database, keys, certificates) is for its own user only.
        umask(0o077)
        try await explainingFailures {
            let (configuration, logger) = try await options.prepare()
            let applied = try await migrateDatabase(configuration: configuration, logger: logger)
            print("The database (\(configuration.database)) is up to date: \(applied.joined(separator: ", ")).")
        }
    }
}

/// Turns a failure into one clear line on standard error and a non-zero exit (78, EX_CONFIG, for
/// configuration mistakes), never a crash or a stack trace.
func explainingFailures(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ConfigurationError {
        FileHandle.standardError.write(Data("digitalmeet: configuration error: \(error.reason)\n".utf8))
        throw ExitCode(78)
    } catch {
        FileHandle.standardError.write(Data("digitalmeet: \(describeStartupFailure(error))\n".utf8))
        throw ExitCode(1)
    }
}

struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect and rotate the encryption keys.",
        subcommands: [Status.self, RotateKEK.self, Rewrap.self, RotateDEK.self]
    )

    /// Opens the deployment for one key command and closes it afterwards.
    static func withAdministration(_ options: CommonOptions, _ body: (KeyAdministration) async throws -> Void) async throws {
        try await explainingFailures {
            let (configuration, logger) = try await options.prepare()
            let deployment = try await Deployment.open(configuration: configuration, logger: logger)
            do {
                try await body(KeyAdministration(deployment: deployment))
            } catch {
                await deployment.close()
                throw error
            }
            await deployment.close()
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show master key versions and every data key: scope, state, age, use, rows.")
        @OptionGroup var options: CommonOptions

        func run() async throws {
            try await Keys.withAdministration(options) { print(try await $0.statusReport(), terminator: "") }
        }
    }

    struct RotateKEK: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-kek",
            abstract: "Add a master key version to the key file and re-wrap every data key with it (data is not re-encrypted)."
        )
        @OptionGroup var options: CommonOptions

        func run() async throws {
            try await Keys.withAdministration(options) { administration in
                let (version, count) = try await administration.rotateMasterKey()
                print("Master key version \(version) added; \(count) data keys re-wrapped. Back up the key file now.")
            }
        }
    }

    struct Rewrap: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Re-wrap data keys still wrapped by an older master key version.")
        @OptionGroup var options: CommonOptions

        func run() async throws {
            try await Keys.withAdministration(options) { print("\(try await $0.rewrap()) data keys re-wrapped.") }
        }
    }

    struct RotateDEK: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-dek",
            abstract: "Make a new data key for an organisation (or a person) and re-encrypt its data under it."
        )
        @OptionGroup var options: CommonOptions
        @Option(name: .customLong("org"), help: "The organisation's id.") var organization: UUID?
        @Option(name: .customLong("user"), help: "A person's id (their personal data key).") var user: UUID?
        @Flag(help: "Leave the re-encryption to the running server's background job instead of waiting for it.") var noWait = false

        func validate() throws {
            guard (organization == nil) != (user == nil) else { throw ValidationError("Give exactly one of --org or --user.") }
        }

        func run() async throws {
            let scope: KeyScope = organization.map { .organization($0) } ?? user.map { .user($0) } ?? .system
            try await Keys.withAdministration(options) { administration in
                let result = try await administration.rotateDataKey(scope: scope, reencrypt: !noWait)
                print("New data key \(result.new) for \(scope) is active.")
                switch result.outcome {
                case .finished(let rows): print("Re-encrypted \(rows) rows; old key \(result.old.map(String.init) ?? "-") retired.")
                case .paused(let rows): print("Re-encrypted \(rows) rows so far; the server will finish the job.")
                case nil: print(result.old == nil ? "There was no previous key." : "The server re-encrypts the data in the background.")
                }
            }
        }
    }
}

extension UUID: @retroactive ExpressibleByArgument {
    public init?(argument: String) {
        self.init(uuidString: argument)
    }
}

/// Opens the deployment for one audit or organisation command and closes it afterwards.
func withAuditAdministration(_ options: CommonOptions, _ body: (AuditAdministration) async throws -> Void) async throws {
    try await explainingFailures {
        let (configuration, logger) = try await options.prepare()
        let deployment = try await Deployment.open(configuration: configuration, logger: logger)
        do {
            try await body(AuditAdministration(deployment: deployment))
        } catch {
            await deployment.close()
            throw error
        }
        await deployment.close()
    }
}

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify, export and checkpoint the tamper-evident audit log.",
        subcommands: [Verify.self, Export.self, Checkpoint.self, SigningKeys.self]
    )

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute every hash chain and check the signed checkpoints; exit 1 and name the first bad entry if anything was changed."
        )
        @OptionGroup var options: CommonOptions
        @Option(help: "Only this chain: an organisation id, or `system`.") var chain: String?

        func run() async throws {
            var intact = true
            try await withAuditAdministration(options) { administration in
                let result = try await administration.verify(chain: chain?.lowercased()) { print($0) }
                print(result.report, terminator: "")
                intact = result.intact
            }
            if !intact { throw ExitCode(1) }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write one chain as JSON lines (entries with their hashes, then the signed checkpoints) for a SIEM or a third party."
        )
        @OptionGroup var options: CommonOptions
        @Option(help: "An organisation id, or `system`.") var chain: String
        @Option(help: "Write to this file instead of standard output.") var output: String?

        func run() async throws {
            try await withAuditAdministration(options) { administration in
                if let output {
                    guard FileManager.default.createFile(atPath: output, contents: nil), let handle = FileHandle(forWritingAtPath: output) else {
                        throw ValidationError("Cannot write \(output).")
                    }
                    defer { try? handle.close() }
                    try await administration.export(chain: chain.lowercased()) { handle.write(Data($0.utf8)) }
                } else {
                    try await administration.export(chain: chain.lowercased()) { FileHandle.standardOutput.write(Data($0.utf8)) }
                }
            }
        }
    }

    struct Checkpoint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sign a checkpoint of every chain that grew since its last one, now.")
        @OptionGroup var options: CommonOptions

        func run() async throws {
            try await withAuditAdministration(options) { print("Signed \(try await $0.checkpoint()) checkpoint(s).") }
        }
    }

    struct SigningKeys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "signing-keys",
            abstract: "Print the Ed25519 public keys that sign checkpoints, for a third party to pin."
        )
        @OptionGroup var options: CommonOptions

        func run() async throws {
            try await withAuditAdministration(options) { administration in
                for key in try await administration.signingKeys() {
                    print("\(key.id.uuidString.lowercased())  \(key.publicKey)\(key.trusted ? "" : "  (NOT vouched for by the key ring)")")
                }
            }
        }
    }
}

struct Organizations: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List organisations, or create one with an owner invitation.",
        subcommands: [List.self, Create.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List organisations with their ids and member counts.")
        @OptionGroup var options: CommonOptions

        func run() async throws {
            try await withAuditAdministration(options) { administration in
                for organization in try await administration.organizations() {
                    print("\(organization.id.uuidString.lowercased())  \(organization.members) member(s)  \(organization.name)")
                }
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an organisation and email its owner a one-time invitation link (also printed)."
        )
        @OptionGroup var options: CommonOptions
        @Option(help: "The organisation's name.") var name: String
        @Option(name: .customLong("owner-email"), help: "The owner's email address.") var ownerEmail: String

        func run() async throws {
            try await withAuditAdministration(options) { administration in
                let (id, link) = try await administration.createOrganization(name: name, ownerEmail: ownerEmail)
                print("Organisation \(id.uuidString.lowercased()) created. The owner's invitation (valid 7 days, works once):")
                print("  \(link.absoluteString)")
            }
        }
    }
}

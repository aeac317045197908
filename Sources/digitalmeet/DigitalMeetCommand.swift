import ArgumentParser
import Foundation
import Logging
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
        subcommands: [Serve.self, Migrate.self],
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

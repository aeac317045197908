import Foundation
import Testing

/// A real SMTP server for the SMTP tests: Debian's aiosmtpd driven by `Fixtures/smtp_server.py`, on 127.0.0.1
/// and a free port, with a certificate authority and server certificate made by `openssl` for each test.
final class SMTPTestServer {
    let port: Int
    let directory: URL
    private let process: Process

    /// A message as the server received it, and as Python's e-mail parser read it.
    struct Received: Decodable {
        struct Message: Decodable {
            var from: String
            var to: String
            var subject: String
            var date: String
            var message_id: String
            var mime_version: String
            var content_type: String
            var charset: String?
            var transfer_encoding: String
            var body: String
            var defects: [String]
        }

        var mail_from: String
        var mail_options: [String]
        var rcpt_tos: [String]
        var tls: Bool
        var authenticated: Bool
        var login: String?
        var message: Message
        /// The bytes received after DATA, dot-stuffing undone.
        var raw: [UInt8] = []

        enum CodingKeys: String, CodingKey {
            case mail_from, mail_options, rcpt_tos, tls, authenticated, login, message
        }
    }

    /// Starts the server with `options` (see the script's usage) and waits until it accepts connections.
    init(_ options: [String]) async throws {
        let python = try Self.requireTools()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("dm-smtp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let log = directory.appendingPathComponent("server.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [Self.script, "serve", "--dir", directory.path] + options
        let logHandle = try FileHandle(forWritingTo: log)
        process.standardOutput = logHandle
        process.standardError = logHandle
        try process.run()
        let portFile = directory.appendingPathComponent("port")
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: portFile.path) {
            guard process.isRunning else {
                throw FixtureError("the SMTP test server exited: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
            }
            guard Date() < deadline else {
                kill(process.processIdentifier, SIGKILL)
                throw FixtureError("the SMTP test server did not start within 20 seconds")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        port = Int(try String(contentsOf: portFile, encoding: .utf8)) ?? 0
    }

    deinit {
        // SIGKILL: a child started from a thread that blocks SIGTERM may never see it.
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Every message accepted so far, in order.
    func received() throws -> [Received] {
        var messages: [Received] = []
        for number in 1... {
            let json = directory.appendingPathComponent("\(number).json")
            guard FileManager.default.fileExists(atPath: json.path) else { break }
            var message = try JSONDecoder().decode(Received.self, from: Data(contentsOf: json))
            message.raw = Array(try Data(contentsOf: directory.appendingPathComponent("\(number).eml")))
            messages.append(message)
        }
        return messages
    }

    /// Parses an .eml file with Python's `email` package, an independent reader of what we write.
    static func parse(emlFile path: String) throws -> Received.Message {
        let python = try requireTools()
        let output = try run(python, [script, "parse", path])
        return try JSONDecoder().decode(Received.Message.self, from: Data(output.utf8))
    }

    // MARK: Certificates

    /// A private CA and a server certificate for 127.0.0.1 and localhost that it signed.
    struct Certificates {
        var caFile: String
        var certificateFile: String
        var keyFile: String
    }

    static func makeCertificates() throws -> Certificates {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dm-smtp-ca-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let openssl = "/usr/bin/openssl"
        let ca = Certificates(caFile: "\(directory)/ca.pem", certificateFile: "\(directory)/server.pem", keyFile: "\(directory)/server.key")
        _ = try run(
            openssl,
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "\(directory)/ca.key",
                "-out", ca.caFile, "-days", "2", "-subj", "/CN=DigitalMeet test CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            ]
        )
        _ = try run(
            openssl,
            [
                "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", ca.keyFile,
                "-out", "\(directory)/server.csr", "-subj", "/CN=localhost",
            ]
        )
        try """
        subjectAltName=IP:127.0.0.1,DNS:localhost
        basicConstraints=critical,CA:FALSE
        keyUsage=critical,digitalSignature
        extendedKeyUsage=serverAuth
        """.write(toFile: "\(directory)/server.ext", atomically: true, encoding: .utf8)
        _ = try run(
            openssl,
            [
                "x509", "-req", "-in", "\(directory)/server.csr", "-CA", ca.caFile, "-CAkey", "\(directory)/ca.key", "-set_serial", "4242",
                "-days", "2", "-extfile", "\(directory)/server.ext", "-out", ca.certificateFile,
            ]
        )
        return ca
    }

    // MARK: Tools

    /// Whether the SMTP tests can run here; on CI they always run, so a missing tool fails them instead of hiding them.
    static let shouldRun: Bool = {
        if unavailableReason == nil || ProcessInfo.processInfo.environment["CI"] != nil { return true }
        print("SMTP tests skipped: \(unavailableReason ?? ""). Run scripts/test, or: apt-get install -y python3-aiosmtpd openssl")
        return false
    }()

    private static func requireTools() throws -> String {
        guard let python, unavailableReason == nil else {
            throw FixtureError("cannot run the SMTP tests: \(unavailableReason ?? "")")
        }
        return python
    }

    /// The first Python that has aiosmtpd: `DIGITALMEET_TEST_PYTHON`, Debian's, then the one on PATH.
    private static let python: String? = {
        let environment = ProcessInfo.processInfo.environment
        var candidates = ["/usr/bin/python3", "/usr/local/bin/python3"]
        if let chosen = environment["DIGITALMEET_TEST_PYTHON"] { candidates.insert(chosen, at: 0) }
        for directory in (environment["PATH"] ?? "").split(separator: ":") { candidates.append("\(directory)/python3") }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) && (try? run($0, ["-c", "import aiosmtpd"])) != nil }
    }()

    private static let unavailableReason: String? = {
        if python == nil { return "no python3 with the aiosmtpd module (Debian package python3-aiosmtpd) was found" }
        if !FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") { return "the openssl command (Debian package openssl) is missing" }
        return nil
    }()

    private static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/smtp_server.py").path

    /// Runs a tool to completion and returns its standard output; a non-zero exit throws with its standard error.
    @discardableResult
    private static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FixtureError("\(executable) \(arguments.first ?? "") failed: \(String(decoding: errorData, as: UTF8.self))")
        }
        return String(decoding: outputData, as: UTF8.self)
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

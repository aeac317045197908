import Foundation
import Testing

@testable import MeetServer

/// 2025-07-01T09:05:03.042Z
private let julyFirst = Date(timeIntervalSince1970: 1_751_360_703.042)
private let messageID = UUID(uuidString: "00000000-0000-0000-0000-000000000042")!
private let sender = Mailbox(displayName: "DigitalMeet", address: "no-reply@meet.example.com")

private func render(_ message: MailMessage, from: Mailbox = sender, allowEightBit: Bool = true) throws -> RenderedMail {
    try message.rendered(from: from, date: julyFirst, id: messageID, allowEightBit: allowEightBit)
}

/// The header fields (folded continuation lines kept as "\r\n ") and the body of a rendered message.
private func parts(_ bytes: [UInt8]) -> (headers: [String: String], body: String) {
    let text = String(decoding: bytes, as: UTF8.self)
    guard let blank = text.range(of: "\r\n\r\n") else { return ([:], "") }
    var headers: [String: String] = [:]
    var last: String?
    for line in text[..<blank.lowerBound].components(separatedBy: "\r\n") {
        if line.hasPrefix(" "), let last {
            headers[last, default: ""] += "\r\n" + line
        } else if let colon = line.firstIndex(of: ":") {
            let name = String(line[..<colon])
            headers[name] = String(line[line.index(colon, offsetBy: 2)...])
            last = name
        }
    }
    return (headers, String(text[blank.upperBound...]))
}

/// Decodes a value made only of RFC 2047 `B` encoded-words.
private func decodeEncodedWords(_ value: String) -> String? {
    var bytes: [UInt8] = []
    for word in value.components(separatedBy: "\r\n ") {
        guard word.hasPrefix("=?utf-8?B?"), word.hasSuffix("?="), let data = Data(base64Encoded: String(word.dropFirst(10).dropLast(2))) else {
            return nil
        }
        bytes += data
    }
    return String(decoding: bytes, as: UTF8.self)
}

private func lines(_ bytes: [UInt8]) -> [String] {
    String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n")
}

private func code(of body: () throws -> Void) -> MailError.Code? {
    do {
        try body()
        return nil
    } catch {
        return (error as? MailError)?.code
    }
}

private func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("dm-mail-\(name)-\(UUID().uuidString)").path
}

private func mode(_ path: String) throws -> Int {
    (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
}

@Suite struct MailRenderingTests {
    @Test func plainASCIIMessageHasEveryHeaderAndCRLFLineEndings() throws {
        let message = MailMessage(
            to: "ada@example.org",
            subject: "Verify your address",
            text: "Hello Ada,\n\nOpen https://meet.example.com/verify#token=abc\n"
        )
        let rendered = try render(message)
        let expected =
            "Date: Tue, 01 Jul 2025 09:05:03 +0000\r\n"
            + "From: DigitalMeet <no-reply@meet.example.com>\r\n"
            + "To: ada@example.org\r\n"
            + "Subject: Verify your address\r\n"
            + "Message-ID: <00000000-0000-0000-0000-000000000042@meet.example.com>\r\n"
            + "MIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\n"
            + "Content-Transfer-Encoding: 7bit\r\n"
            + "Auto-Submitted: auto-generated\r\n"
            + "\r\n"
            + "Hello Ada,\r\n"
            + "\r\n"
            + "Open https://meet.example.com/verify#token=abc\r\n"
        #expect(String(decoding: rendered.bytes, as: UTF8.self) == expected)
        #expect(rendered.bodyEncoding == .sevenBit)
    }

    @Test(arguments: ["a\nb\n", "a\r\nb\r\n", "a\rb\r", "a\nb"])
    func everyLineEndsInCRLF(text: String) throws {
        let rendered = try render(MailMessage(to: "ada@example.org", subject: "s", text: text))
        for (index, byte) in rendered.bytes.enumerated() where byte == 10 {
            #expect(index > 0 && rendered.bytes[index - 1] == 13)
        }
        #expect(rendered.bytes.filter { $0 == 13 }.count == rendered.bytes.filter { $0 == 10 }.count)
        #expect(parts(rendered.bytes).body == "a\r\nb\r\n")
    }

    @Test(arguments: [
        "Bestätigen Sie Ihre Adresse",
        "Подтвердите адрес электронной почты для входа в DigitalMeet, пожалуйста, сегодня",
        "会議への招待 🎉👩‍💻",
        String(repeating: "A long but plain subject line ", count: 8),
        "Looks =?like?= an encoded word",
        "Tab\there",
    ])
    func subjectsThatAreNotShortPlainASCIIBecomeEncodedWords(subject: String) throws {
        let rendered = try render(MailMessage(to: "ada@example.org", subject: subject, text: "x"))
        let value = try #require(parts(rendered.bytes).headers["Subject"])
        #expect(value.hasPrefix("=?utf-8?B?"))
        #expect(decodeEncodedWords(value) == subject)
        // RFC 2047 §2: encoded-words at most 75 characters, lines holding them at most 76.
        for line in lines(rendered.bytes) where line.contains("=?utf-8?B?") {
            #expect(line.count <= 76, "\(line)")
        }
        #expect(rendered.bytes.allSatisfy { $0 < 0x80 })
    }

    @Test(arguments: [
        ("DigitalMeet <no-reply@x.example>", "DigitalMeet <no-reply@x.example>"),
        ("no-reply@x.example", "no-reply@x.example"),
        ("Acme, Inc. <a@x.example>", "\"Acme, Inc.\" <a@x.example>"),
        ("\"Say \\\"hi\\\"\" <a@x.example>", "\"Say \\\"hi\\\"\" <a@x.example>"),
    ])
    func senderNamesAreAtomsOrQuotedStrings(from: String, header: String) throws {
        let rendered = try render(MailMessage(to: "ada@example.org", subject: "s", text: "x"), from: Mailbox(parsing: from, field: "sender"))
        #expect(parts(rendered.bytes).headers["From"] == header)
    }

    @Test func nonASCIISenderNameIsEncoded() throws {
        let from = try Mailbox(parsing: "Zoë’s Büro <zoe@x.example>", field: "sender")
        let value = try #require(parts(try render(MailMessage(to: "a@x.example", subject: "s", text: "x"), from: from).bytes).headers["From"])
        #expect(value.hasSuffix(" <zoe@x.example>"))
        #expect(decodeEncodedWords(String(value.dropLast(" <zoe@x.example>".count))) == "Zoë’s Büro")
    }

    @Test func bodyEncodingFollowsTheContent() throws {
        let german = MailMessage(to: "ada@example.org", subject: "s", text: "Grüße\n")
        #expect(try render(german).bodyEncoding == .eightBit)
        #expect(parts(try render(german).bytes).body == "Grüße\r\n")
        let quoted = try render(german, allowEightBit: false)
        #expect(quoted.bodyEncoding == .quotedPrintable)
        #expect(parts(quoted.bytes).headers["Content-Transfer-Encoding"] == "quoted-printable")
        #expect(parts(quoted.bytes).body == "Gr=C3=BC=C3=9Fe\r\n")
        let long = try render(MailMessage(to: "ada@example.org", subject: "s", text: String(repeating: "y", count: 1200)))
        #expect(long.bodyEncoding == .quotedPrintable)
        #expect(lines(long.bytes).allSatisfy { $0.utf8.count <= 998 })
    }

    @Test(arguments: [
        ("a=b", "a=3Db"),
        ("trailing space ", "trailing space=20"),
        ("tab\t", "tab=09"),
        ("é", "=C3=A9"),
        (String(repeating: "a", count: 76), String(repeating: "a", count: 76)),
        (String(repeating: "a", count: 100), String(repeating: "a", count: 75) + "=\r\n" + String(repeating: "a", count: 25)),
        (String(repeating: "=", count: 26), String(repeating: "=3D", count: 25) + "=\r\n=3D"),
    ])
    func quotedPrintable(line: String, encoded: String) {
        let output = String(decoding: QuotedPrintable.encode(line: Array(line.utf8)), as: UTF8.self)
        #expect(output == encoded)
        #expect(output.components(separatedBy: "\r\n").allSatisfy { $0.count <= 76 })
    }

    @Test(arguments: [
        ("a\r\n.\r\n", "a\r\n..\r\n.\r\n"),
        (".x\r\n..y\r\n", "..x\r\n...y\r\n.\r\n"),
        ("a.b\r\n", "a.b\r\n.\r\n"),
        ("no line end", "no line end\r\n.\r\n"),
        ("", ".\r\n"),
    ])
    func dataIsDotStuffed(message: String, data: String) {
        #expect(String(decoding: SMTPData.dotStuffed(Array(message.utf8)), as: UTF8.self) == data)
    }

    @Test func datesAreRFC5322AndFileStampsSortable() {
        #expect(MailDate.rfc5322(julyFirst) == "Tue, 01 Jul 2025 09:05:03 +0000")
        #expect(MailDate.fileStamp(julyFirst) == "20250701T090503.042")
        #expect(MailDate.rfc5322(Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 +0000")
    }

    @Test(arguments: ["\r\n", "\n", "\r", "\u{2028}", "\u{85}"])
    func lineBreaksInHeadersAreRefused(lineBreak: String) throws {
        let injected = "x\(lineBreak)Bcc: victim@example.org"
        #expect(code { _ = try render(MailMessage(to: "ada@example.org\(lineBreak)Bcc: b@x", subject: "s", text: "x")) } == .headerInjection)
        #expect(code { _ = try render(MailMessage(to: "ada@example.org", subject: injected, text: "x")) } == .headerInjection)
        #expect(code { _ = try Mailbox(parsing: "DigitalMeet <a@x.example>\(lineBreak)Bcc: b@x", field: "sender") } == .headerInjection)
        #expect(code { _ = try FileMailTransport(directory: temporaryPath("inject"), from: "a@x.example\(lineBreak)Bcc: b@x") } == .headerInjection)
        do {
            _ = try render(MailMessage(to: "ada@example.org", subject: injected, text: "x"))
        } catch let error as MailError {
            #expect(error.reason.contains("subject") && error.reason.contains("line break"))
        }
    }

    @Test(arguments: [
        "", "no-at-sign", "two@@x.example", "a@b@c", "@x.example", "ada@", "a b@x.example", "a@x.example>", "a@x.example,b@y.example", "a\u{0}@x",
    ])
    func unusableAddressesAreRefused(address: String) {
        #expect(code { _ = try render(MailMessage(to: address, subject: "s", text: "x")) } == .invalidAddress)
    }
}

@Suite struct SMTPReplyParserTests {
    @Test func multiLineReplyArrivesWhole() throws {
        var parser = SMTPReplyParser(server: "test")
        let bytes = Array("250-mx.example.org greets you\r\n250-8BITMIME\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n220 next\r\n".utf8)
        var replies: [SMTPReply] = []
        for byte in bytes {
            parser.append([byte])
            while let reply = try parser.nextReply() { replies.append(reply) }
        }
        #expect(
            replies == [
                SMTPReply(code: 250, lines: ["mx.example.org greets you", "8BITMIME", "STARTTLS", "AUTH PLAIN LOGIN"]),
                SMTPReply(code: 220, lines: ["next"]),
            ]
        )
        #expect(!parser.hasPendingBytes)
    }

    @Test(arguments: [("250\r\n", 250, ""), ("354 Go ahead\n", 354, "Go ahead"), ("550 5.1.1 No such user\r\n", 550, "5.1.1 No such user")])
    func singleLineReplies(text: String, code: Int, line: String) throws {
        var parser = SMTPReplyParser(server: "test")
        parser.append(Array(text.utf8))
        #expect(try parser.nextReply() == SMTPReply(code: code, lines: [line]))
    }

    @Test(arguments: ["250-a\r\n251 b\r\n", "hello\r\n", "2500 x\r\n", "25\r\n", "650 x\r\n", String(repeating: "2", count: 3000)])
    func malformedRepliesAreProtocolViolations(text: String) {
        var parser = SMTPReplyParser(server: "mx.example.org:25")
        parser.append(Array(text.utf8))
        #expect(code { while try parser.nextReply() != nil {} } == .protocolViolation)
    }

    @Test func replyTextDropsControlCharacters() {
        #expect(SMTPReply(code: 550, lines: ["bad\u{1B}[31m", "user"]).text == "bad[31m user")
    }
}

@Suite struct FileMailTransportTests {
    @Test func writesOneEmlFileOwnerOnlyIntoAnOwnerOnlyDirectory() async throws {
        let directory = temporaryPath("outbox") + "/nested/outbox"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let transport = try FileMailTransport(directory: directory, from: "DigitalMeet <no-reply@meet.example.com>")
        #expect(try mode(directory) == 0o700)
        let message = MailMessage(to: "ada@example.org", subject: "Ihr Anmeldecode", text: "Code: 123456\n")
        let path = try transport.write(message, date: julyFirst)
        try await transport.send(message)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(names.count == 2)
        #expect(
            names.allSatisfy { $0.wholeMatch(of: #/\d{8}T\d{6}\.\d{3}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.eml/#) != nil }
        )
        #expect(path.hasPrefix("\(directory)/20250701T090503.042-"))
        #expect(try mode(path) == 0o600)
        let (headers, body) = parts(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        #expect(headers["To"] == "ada@example.org")
        #expect(headers["Date"] == "Tue, 01 Jul 2025 09:05:03 +0000")
        #expect(decodeEncodedWords(headers["Subject"] ?? "") == nil)
        #expect(headers["Subject"] == "Ihr Anmeldecode")
        // The file name and Message-ID share the UUID.
        let uuid = String(path.split(separator: "/").last!.dropFirst(20).dropLast(4))
        #expect(headers["Message-ID"] == "<\(uuid)@meet.example.com>")
        #expect(body == "Code: 123456\r\n")
    }

    @Test func readersNeverSeeHalfAFile() async throws {
        let directory = temporaryPath("atomic")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let transport = try FileMailTransport(directory: directory, from: "no-reply@meet.example.com")
        let body = (0..<400).map { "line \($0) " + String(repeating: "x", count: 60) }.joined(separator: "\n") + "\nEND"
        let count = 150
        let writer = Task.detached {
            for index in 0..<count { try await transport.send(MailMessage(to: "ada@example.org", subject: "n\(index)", text: body)) }
        }
        // Read while the writer runs, however long a loaded machine takes to fsync, then once more after it finished.
        @Sendable func scan(_ complete: inout Set<String>, _ partial: inout [String]) throws {
            for name in try FileManager.default.contentsOfDirectory(atPath: directory) where name.hasSuffix(".eml") && !complete.contains(name) {
                let data = try Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(name)"))
                if data.suffix(5) == Data("END\r\n".utf8) { complete.insert(name) } else { partial.append(name) }
            }
        }
        let reader = Task.detached { () throws -> (Set<String>, [String]) in
            var complete = Set<String>()
            var partial: [String] = []
            while !Task.isCancelled {
                try scan(&complete, &partial)
                try? await Task.sleep(for: .milliseconds(1))
            }
            try scan(&complete, &partial)
            return (complete, partial)
        }
        try await writer.value
        reader.cancel()
        let (complete, partial) = try await reader.value
        #expect(partial.isEmpty)
        #expect(complete.count == count)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).filter { !$0.hasSuffix(".eml") }.isEmpty)
    }

    @Test func anOutboxOpenToOthersIsRefused() throws {
        let directory = temporaryPath("open")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
        do {
            _ = try FileMailTransport(directory: directory, from: "no-reply@meet.example.com")
            Issue.record("accepted a directory with mode 755")
        } catch let error as MailError {
            #expect(error.code == .fileSystem)
            #expect(error.reason.contains("chmod 700"))
        }
        #expect(try mode(directory) == 0o755)
    }

    @Test(.enabled(if: SMTPTestServer.shouldRun, "needs python3-aiosmtpd")) func pythonReadsTheFileBackExactly() throws {
        let directory = temporaryPath("python")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let transport = try FileMailTransport(directory: directory, from: "Zoë from DigitalMeet <no-reply@meet.example.com>")
        let subject = "Einladung zur Besprechung „Planung“ – bitte bestätigen, danke schön, bis später im Raum 🎉"
        let text = "Hallo Åsa,\n\n.dot first\nhttps://meet.example.com/invite#token=a=b\ntrailing space \nEnde"
        let path = try transport.write(MailMessage(to: "asa@example.org", subject: subject, text: text))
        let parsed = try SMTPTestServer.parse(emlFile: path)
        #expect(parsed.subject == subject)
        #expect(parsed.from == "Zoë from DigitalMeet <no-reply@meet.example.com>")
        #expect(parsed.to == "asa@example.org")
        #expect(parsed.body.replacingOccurrences(of: "\r\n", with: "\n") == text + "\n")
        #expect(parsed.charset == "utf-8")
        #expect(parsed.mime_version == "1.0")
        #expect(parsed.defects.isEmpty)

        // The same message quoted-printable, as sent to a relay without 8BITMIME.
        let quoted = try MailMessage(to: "asa@example.org", subject: subject, text: text)
            .rendered(from: sender, date: Date(), id: UUID(), allowEightBit: false)
        let quotedPath = "\(directory)/quoted.eml"
        try Data(quoted.bytes).write(to: URL(fileURLWithPath: quotedPath))
        let parsedQuoted = try SMTPTestServer.parse(emlFile: quotedPath)
        #expect(parsedQuoted.transfer_encoding == "quoted-printable")
        #expect(parsedQuoted.body.replacingOccurrences(of: "\r\n", with: "\n") == text + "\n")
        #expect(parsedQuoted.defects.isEmpty)
    }
}

@Suite struct MailConfigurationTests {
    @Test func defaultsWriteFilesIntoTheDataDirectory() async throws {
        let configuration = try await ServerConfiguration.load(filePath: nil, environment: [:])
        #expect(configuration.mail.transport == .file)
        #expect(configuration.mail.from == "DigitalMeet <no-reply@localhost>")
        #expect(configuration.mail.outboxDirectory == "./data/outbox")
        #expect(configuration.mail.smtp == nil)
        let other = try await ServerConfiguration.load(
            filePath: nil,
            environment: ["DIGITALMEET_SERVER_PUBLIC_URL": "https://meet.example.com", "DIGITALMEET_DATA_DIRECTORY": "/var/lib/dm"]
        )
        #expect(other.mail.from == "DigitalMeet <no-reply@meet.example.com>")
        #expect(other.mail.outboxDirectory == "/var/lib/dm/outbox")
        let byAddress = try await ServerConfiguration.load(filePath: nil, environment: ["DIGITALMEET_SERVER_PUBLIC_URL": "https://192.0.2.7"])
        #expect(byAddress.mail.from == "DigitalMeet <no-reply@[192.0.2.7]>")
    }

    @Test func smtpSettingsComeFromTheEnvironment() async throws {
        let caFile = temporaryPath("ca") + ".pem"
        defer { try? FileManager.default.removeItem(atPath: caFile) }
        try TLSIdentity.generateSelfSigned(hostnames: ["smtp.example.com"]).certificate.write(toFile: caFile, atomically: true, encoding: .utf8)
        var environment = [
            "DIGITALMEET_SERVER_PUBLIC_URL": "https://meet.example.com",
            "DIGITALMEET_MAIL_TRANSPORT": "smtp",
            "DIGITALMEET_MAIL_FROM": "Meet <meet@example.com>",
            "DIGITALMEET_MAIL_SMTP_HOST": "smtp.example.com",
            "DIGITALMEET_MAIL_SMTP_USERNAME": "meet",
            "DIGITALMEET_MAIL_SMTP_PASSWORD": "s3cret",
        ]
        environment["DIGITALMEET_MAIL_SMTP_CA_FILE"] = caFile
        let smtp = try #require(try await ServerConfiguration.load(filePath: nil, environment: environment).mail.smtp)
        #expect(smtp.host == "smtp.example.com")
        #expect(smtp.port == 587)
        #expect(smtp.security == .startTLS)
        #expect(smtp.username == "meet")
        #expect(smtp.password == "s3cret")
        #expect(smtp.from == "Meet <meet@example.com>")
        #expect(smtp.heloName == "meet.example.com")
        #expect(smtp.trustRoots == .pemFile(caFile))
        #expect(!"\(smtp)".contains("s3cret") && !String(reflecting: smtp).contains("s3cret"))

        environment["DIGITALMEET_MAIL_SMTP_SECURITY"] = "tls"
        #expect(try await ServerConfiguration.load(filePath: nil, environment: environment).mail.smtp?.port == 465)
        environment["DIGITALMEET_MAIL_SMTP_PORT"] = "2465"
        #expect(try await ServerConfiguration.load(filePath: nil, environment: environment).mail.smtp?.port == 2465)
        environment["DIGITALMEET_MAIL_SMTP_SECURITY"] = "none"
        environment["DIGITALMEET_MAIL_SMTP_HOST"] = "127.0.0.1"
        #expect(
            try await ServerConfiguration.load(filePath: nil, environment: environment).mail.smtp?.security
                == SMTPMailTransport.Settings.Security.none
        )
    }

    @Test(arguments: [
        (["DIGITALMEET_MAIL_TRANSPORT": "pigeon"], "DIGITALMEET_MAIL_TRANSPORT"),
        (["DIGITALMEET_MAIL_FROM": "not an address"], "DIGITALMEET_MAIL_FROM"),
        (["DIGITALMEET_MAIL_FROM": "a@x.example\r\nBcc: b@x.example"], "DIGITALMEET_MAIL_FROM"),
        (["DIGITALMEET_MAIL_TRANSPORT": "smtp"], "DIGITALMEET_MAIL_SMTP_HOST"),
        (
            ["DIGITALMEET_MAIL_TRANSPORT": "smtp", "DIGITALMEET_MAIL_SMTP_HOST": "smtp.example.com", "DIGITALMEET_MAIL_SMTP_SECURITY": "ssl"],
            "DIGITALMEET_MAIL_SMTP_SECURITY"
        ),
        (
            ["DIGITALMEET_MAIL_TRANSPORT": "smtp", "DIGITALMEET_MAIL_SMTP_HOST": "smtp.example.com", "DIGITALMEET_MAIL_SMTP_SECURITY": "none"],
            "DIGITALMEET_MAIL_SMTP_SECURITY"
        ),
        (
            ["DIGITALMEET_MAIL_TRANSPORT": "smtp", "DIGITALMEET_MAIL_SMTP_HOST": "smtp.example.com", "DIGITALMEET_MAIL_SMTP_PORT": "0"],
            "DIGITALMEET_MAIL_SMTP_PORT"
        ),
        (
            ["DIGITALMEET_MAIL_TRANSPORT": "smtp", "DIGITALMEET_MAIL_SMTP_HOST": "smtp.example.com", "DIGITALMEET_MAIL_SMTP_PORT": "smtp"],
            "DIGITALMEET_MAIL_SMTP_PORT"
        ),
        (
            ["DIGITALMEET_MAIL_TRANSPORT": "smtp", "DIGITALMEET_MAIL_SMTP_HOST": "smtp.example.com", "DIGITALMEET_MAIL_SMTP_USERNAME": "meet"],
            "DIGITALMEET_MAIL_SMTP_PASSWORD"
        ),
        (
            [
                "DIGITALMEET_MAIL_TRANSPORT": "smtp", "DIGITALMEET_MAIL_SMTP_HOST": "smtp.example.com",
                "DIGITALMEET_MAIL_SMTP_CA_FILE": "/nonexistent/ca.pem",
            ], "DIGITALMEET_MAIL_SMTP_CA_FILE"
        ),
    ])
    func mistakesNameTheSetting(environment: [String: String], setting: String) async {
        do {
            _ = try await ServerConfiguration.load(filePath: nil, environment: environment)
            Issue.record("accepted \(environment)")
        } catch let error as ConfigurationError {
            #expect(error.reason.contains(setting), "\(error.reason)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func makeMailTransportBuildsTheConfiguredTransport() async throws {
        let data = temporaryPath("data")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let file = try makeMailTransport(
            configuration: try await ServerConfiguration.load(filePath: nil, environment: ["DIGITALMEET_DATA_DIRECTORY": data])
        )
        #expect((file as? FileMailTransport)?.directory == "\(data)/outbox")
        #expect(try mode("\(data)/outbox") == 0o700)

        let smtp = try makeMailTransport(
            configuration: try await ServerConfiguration.load(
                filePath: nil,
                environment: ["DIGITALMEET_MAIL_TRANSPORT": "smtp", "DIGITALMEET_MAIL_SMTP_HOST": "smtp.example.com"]
            )
        )
        #expect((smtp as? SMTPMailTransport)?.settings.host == "smtp.example.com")

        let open = temporaryPath("open-outbox")
        defer { try? FileManager.default.removeItem(atPath: open) }
        try FileManager.default.createDirectory(atPath: open, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
        let configuration = try await ServerConfiguration.load(filePath: nil, environment: ["DIGITALMEET_MAIL_OUTBOX_DIRECTORY": open])
        #expect(throws: ConfigurationError.self) { try makeMailTransport(configuration: configuration) }
        do {
            _ = try makeMailTransport(configuration: configuration)
        } catch let error as ConfigurationError {
            #expect(error.reason.contains("DIGITALMEET_MAIL_OUTBOX_DIRECTORY"))
        }
    }

    @Test func plainSMTPIsOnlyForThisMachine() throws {
        for host in ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost", "LOCALHOST"] {
            #expect(throws: Never.self) { try SMTPMailTransport.Settings(host: host, port: 25, security: .none, from: "a@x.example") }
        }
        for host in ["smtp.example.com", "10.0.0.1", "128.0.0.1", "::2", "localhost.example.com"] {
            #expect(code { _ = try SMTPMailTransport.Settings(host: host, port: 25, security: .none, from: "a@x.example") } == .invalidSettings)
        }
        #expect(try SMTPMailTransport.Settings(host: "smtp.example.com", security: .implicitTLS, from: "a@x.example").port == 465)
        #expect(try SMTPMailTransport.Settings(host: "smtp.example.com", from: "a@x.example").port == 587)
        #expect(try SMTPMailTransport.Settings(host: "smtp.example.com", from: "Meet <a@x.example>").heloName == "x.example")
        #expect(code { _ = try SMTPMailTransport.Settings(host: "smtp.example.com", username: "u", from: "a@x.example") } == .invalidSettings)
        #expect(code { _ = try SMTPMailTransport.Settings(host: "smtp example", from: "a@x.example") } == .invalidSettings)
        #expect(code { _ = try SMTPMailTransport.Settings(host: "smtp.example.com", port: 0, from: "a@x.example") } == .invalidSettings)
    }
}

/// The SMTP client against a real server (aiosmtpd). Without Python and aiosmtpd these tests are skipped with a
/// printed reason, except on CI (`CI` set), where they run and fail saying what is missing.
/// Serialized: each test starts a Python server and runs openssl, which together would crowd a small machine.
@Suite(.enabled(if: SMTPTestServer.shouldRun, "needs python3-aiosmtpd and openssl"), .serialized)
struct SMTPMailTransportTests {
    static let subject = "Bestätigen Sie Ihre Adresse – DigitalMeet"
    static let text = "Hallo Ada,\n\nbitte bestätigen: https://meet.example.com/verify#token=a.b=c\n.\n..two dots\n.leading dot\nEnde"
    static let message = MailMessage(to: "ada@example.org", subject: subject, text: text)

    private func settings(
        _ server: SMTPTestServer,
        security: SMTPMailTransport.Settings.Security = .startTLS,
        trust certificates: SMTPTestServer.Certificates? = nil,
        username: String? = nil,
        password: String? = nil,
        timeout: Duration = .seconds(20)
    ) throws -> SMTPMailTransport.Settings {
        try SMTPMailTransport.Settings(
            host: "127.0.0.1",
            port: server.port,
            security: security,
            username: username,
            password: password,
            from: "DigitalMeet <no-reply@meet.example.com>",
            heloName: "meet.example.com",
            timeout: timeout,
            trustRoots: certificates.map { .pemFile($0.caFile) } ?? .system
        )
    }

    private func tlsOptions(_ certificates: SMTPTestServer.Certificates) -> [String] {
        ["--cert", certificates.certificateFile, "--key", certificates.keyFile]
    }

    private func failure(_ body: () async throws -> Void) async -> MailError? {
        do {
            try await body()
            Issue.record("expected a MailError, but the message was sent")
            return nil
        } catch let error as MailError {
            return error
        } catch {
            Issue.record("expected a MailError, got \(error)")
            return nil
        }
    }

    private func expectDelivered(_ received: [SMTPTestServer.Received], tls: Bool = true) {
        #expect(received.count == 1)
        guard let mail = received.first else { return }
        #expect(mail.mail_from == "no-reply@meet.example.com")
        #expect(mail.rcpt_tos == ["ada@example.org"])
        #expect(mail.tls == tls)
        #expect(mail.message.from == "DigitalMeet <no-reply@meet.example.com>")
        #expect(mail.message.to == "ada@example.org")
        #expect(mail.message.subject == Self.subject)
        #expect(mail.message.body.replacingOccurrences(of: "\r\n", with: "\n") == Self.text + "\n")
        #expect(mail.message.message_id.hasSuffix("@meet.example.com>"))
        #expect(mail.message.defects.isEmpty)
        for (index, byte) in mail.raw.enumerated() where byte == 10 {
            #expect(index > 0 && mail.raw[index - 1] == 13)
        }
    }

    @Test func startTLSDeliversExactlyTheMessage() async throws {
        let certificates = try SMTPTestServer.makeCertificates()
        let server = try await SMTPTestServer(tlsOptions(certificates) + ["--require-starttls"])
        try await SMTPMailTransport(settings: try settings(server, trust: certificates)).send(Self.message)
        let received = try server.received()
        expectDelivered(received)
        #expect(received.first?.mail_options.contains("BODY=8BITMIME") == true)
        #expect(received.first?.message.transfer_encoding == "8bit")
    }

    @Test func implicitTLSDelivers() async throws {
        let certificates = try SMTPTestServer.makeCertificates()
        let server = try await SMTPTestServer(tlsOptions(certificates) + ["--implicit-tls"])
        try await SMTPMailTransport(settings: try settings(server, security: .implicitTLS, trust: certificates)).send(Self.message)
        expectDelivered(try server.received())
    }

    @Test func aServerWithoutSTARTTLSGetsNothing() async throws {
        let certificates = try SMTPTestServer.makeCertificates()
        let server = try await SMTPTestServer([])
        let transport = SMTPMailTransport(settings: try settings(server, trust: certificates, username: "meet", password: "never-sent"))
        let error = await failure { try await transport.send(Self.message) }
        #expect(error?.code == .startTLSNotOffered)
        #expect(error?.reason.contains("127.0.0.1:\(server.port)") == true)
        #expect(error?.reason.contains("STARTTLS") == true)
        #expect(try server.received().isEmpty)
    }

    @Test func anUntrustedCertificateStopsTheSession() async throws {
        let certificates = try SMTPTestServer.makeCertificates()
        let server = try await SMTPTestServer(tlsOptions(certificates))
        // The system's CAs do not know the test CA.
        let error = await failure { try await SMTPMailTransport(settings: try settings(server)).send(Self.message) }
        #expect(error?.code == .tlsFailed)
        #expect(try server.received().isEmpty)
    }

    @Test func authPlainWithGoodCredentialsDelivers() async throws {
        let certificates = try SMTPTestServer.makeCertificates()
        let server = try await SMTPTestServer(tlsOptions(certificates) + ["--auth", "meet:correct horse"])
        let transport = SMTPMailTransport(settings: try settings(server, trust: certificates, username: "meet", password: "correct horse"))
        try await transport.send(Self.message)
        let received = try server.received()
        expectDelivered(received)
        #expect(received.first?.authenticated == true)
        #expect(received.first?.login == "meet")
    }

    @Test func authPlainWithBadCredentialsIsRefusedWithoutLeakingThePassword() async throws {
        let certificates = try SMTPTestServer.makeCertificates()
        let server = try await SMTPTestServer(tlsOptions(certificates) + ["--auth", "meet:correct horse"])
        let transport = SMTPMailTransport(settings: try settings(server, trust: certificates, username: "meet", password: "wrong-battery"))
        let error = await failure { try await transport.send(Self.message) }
        #expect(error?.code == .authenticationFailed)
        #expect(error?.replyCode == 535)
        #expect(error?.reason.contains("535") == true)
        #expect(error?.reason.contains("wrong-battery") == false)
        #expect(error?.reason.contains(Data("\0meet\0wrong-battery".utf8).base64EncodedString()) == false)
        #expect(try server.received().isEmpty)
    }

    @Test func authLoginIsUsedWhenPlainIsNotOffered() async throws {
        let certificates = try SMTPTestServer.makeCertificates()
        let server = try await SMTPTestServer(tlsOptions(certificates) + ["--auth", "meet:correct horse", "--only-login"])
        try await SMTPMailTransport(settings: try settings(server, trust: certificates, username: "meet", password: "correct horse")).send(
            Self.message
        )
        let received = try server.received()
        expectDelivered(received)
        #expect(received.first?.login == "meet")
    }

    @Test func aRejectedRecipientIsAnErrorWithTheServersCode() async throws {
        let certificates = try SMTPTestServer.makeCertificates()
        let server = try await SMTPTestServer(tlsOptions(certificates) + ["--reject-rcpt"])
        let error = await failure { try await SMTPMailTransport(settings: try settings(server, trust: certificates)).send(Self.message) }
        #expect(error?.code == .rejected)
        #expect(error?.replyCode == 550)
        #expect(error?.isTransient == false)
        #expect(error?.reason.contains("RCPT TO with 550") == true)
        #expect(error?.reason.contains("User unknown") == true)
        #expect(try server.received().isEmpty)
    }

    @Test func plainSMTPToThisMachineWorks() async throws {
        let server = try await SMTPTestServer([])
        try await SMTPMailTransport(settings: try settings(server, security: .none)).send(Self.message)
        expectDelivered(try server.received(), tls: false)
    }

    @Test func aSilentServerTimesOut() async throws {
        let server = try await SMTPTestServer(["--silent"])
        let started = ContinuousClock.now
        let error = await failure { try await SMTPMailTransport(settings: try settings(server, timeout: .milliseconds(500))).send(Self.message) }
        #expect(error?.code == .timeout)
        #expect(error?.isTransient == true)
        #expect(error?.reason.contains("greeting") == true)
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(try server.received().isEmpty)
    }

    @Test func nothingListeningIsAConnectionError() async throws {
        let server = try await SMTPTestServer([])
        let port = server.port
        let settings = try settings(server, security: .none)
        _ = consume server
        let error = await failure { try await SMTPMailTransport(settings: settings).send(Self.message) }
        #expect(error?.code == .connectionFailed)
        #expect(error?.reason.contains("127.0.0.1:\(port)") == true)
    }
}

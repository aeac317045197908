import Foundation
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes each message as an RFC 5322 .eml file (mode 0600) into a directory (mode 0700), named
/// `<UTC yyyyMMdd'T'HHmmss.SSS>-<uuid>.eml`; written to a temporary name then renamed, so a reader never sees half a file.
public struct FileMailTransport: MailTransport {
    public let directory: String
    let sender: Mailbox

    /// Creates the directory (mode 0700) when missing; an existing one must not be open to group or others,
    /// since the messages hold links that sign people in.
    public init(directory: String, from: String) throws {
        sender = try Mailbox(parsing: from, field: "sender address")
        self.directory = directory
        try Self.preparePrivateDirectory(directory)
    }

    public func send(_ message: MailMessage) async throws {
        // fsync can take a while on a busy disk; keep it off the threads that run request handlers.
        _ = try await NIOThreadPool.singleton.runIfActive { try self.write(message) }
    }

    /// Writes the message and returns the path of its file.
    @discardableResult
    public func write(_ message: MailMessage, date: Date = Date()) throws -> String {
        let id = UUID()
        let mail = try message.rendered(from: sender, date: date, id: id, allowEightBit: true)
        let name = "\(MailDate.fileStamp(date))-\(id.uuidString.lowercased()).eml"
        // A leading dot and another extension keep the partial file out of `*.eml`.
        let temporaryPath = "\(directory)/.\(name).partial"
        let path = "\(directory)/\(name)"
        let fd = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Self.failure("cannot create \(temporaryPath)") }
        var closed = false
        defer {
            if !closed { close(fd) }
        }
        do {
            try mail.bytes.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = systemWrite(fd, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 && errno == EINTR { continue }
                    guard written > 0 else { throw Self.failure("cannot write \(temporaryPath)") }
                    offset += written
                }
            }
            guard fsync(fd) == 0 else { throw Self.failure("cannot write \(temporaryPath)") }
            closed = true
            guard close(fd) == 0 else { throw Self.failure("cannot write \(temporaryPath)") }
            guard rename(temporaryPath, path) == 0 else { throw Self.failure("cannot rename \(temporaryPath) to \(name)") }
        } catch {
            unlink(temporaryPath)
            throw error
        }
        Self.syncDirectory(directory)
        return path
    }

    static func preparePrivateDirectory(_ path: String) throws {
        var status = stat()
        if lstat(path, &status) == 0 {
            guard status.st_mode & S_IFMT == S_IFDIR else { throw MailError(.fileSystem, "the outbox \(path) is not a directory") }
            let mode = status.st_mode & 0o777
            guard mode & 0o077 == 0 else {
                throw MailError(
                    .fileSystem,
                    "the outbox \(path) has mode \(String(mode, radix: 8)); it holds sign-in links, so only its owner may open it (chmod 700 \(path))"
                )
            }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw MailError(.fileSystem, "cannot create the outbox \(path): \(error.localizedDescription)")
        }
        // The umask may have narrowed the mode further, never widened it; make it exactly 0700.
        guard chmod(path, 0o700) == 0 else { throw failure("cannot set the mode of the outbox \(path)") }
    }

    /// Makes the rename durable; a failure here loses nothing that a reader could see, so it is not an error.
    private static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    private static func failure(_ what: String) -> MailError {
        MailError(.fileSystem, "\(what): \(String(cString: strerror(errno)))")
    }
}

/// `write(2)`, which the method `write(_:date:)` hides inside the type.
private func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, bytes, count)
}

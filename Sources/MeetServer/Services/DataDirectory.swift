import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// File-system rules for the data directory: private folders and secret files readable by their owner only.
enum DataDirectory {
    /// Creates `path` (and parents) with mode 0700 if missing.
    static func ensurePrivateDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw ConfigurationError("cannot create the directory \(path): \(error.localizedDescription)")
        }
    }

    /// Writes a new file with mode 0600, refusing to replace an existing one.
    static func writeSecretFile(_ path: String, contents: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw ConfigurationError("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array(contents.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else { throw ConfigurationError("cannot write \(path): \(String(cString: strerror(errno)))") }
    }
}

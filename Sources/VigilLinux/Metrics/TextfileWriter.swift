#if canImport(Glibc)
import Glibc
#endif

/// Writes the exposition text for node_exporter's textfile collector, atomically: the collector (or anyone)
/// reading `path` sees the previous complete file or the new complete file, never half of one.
///
/// The text goes to `<path>.tmp.<pid>` first, is flushed with `fsync`, and replaces `path` with `rename`, which
/// is atomic within a file system. The collector reads only `*.prom`, so it never picks up the temporary file,
/// and the pid keeps two writers from sharing one. The calls block on the disk: run them off the engine queue.
public struct TextfileWriter: Sendable {
    /// The mode of the file: readable by node_exporter, whichever user it runs as.
    public static let mode: mode_t = 0o644

    /// The file to write, e.g. `/var/lib/node_exporter/textfile/vigil.prom`.
    public let path: String

    /// - Parameter path: The file to write; its directory must exist.
    public init(path: String) {
        self.path = path
    }

    /// Where the text is written before it replaces `path`.
    public var temporaryPath: String { "\(path).tmp.\(getpid())" }

    /// Replaces the file's content with `text`, atomically.
    /// - Parameter text: The whole new content, e.g. `PrometheusText.render(snapshot)`.
    /// - Throws: `SystemError` from `open`, `write`, `fsync` or `rename`, naming the file; `path` is then left as
    ///   it was and no temporary file remains.
    public func write(_ text: String) throws(SystemError) {
        let temporary = temporaryPath
        let fd = try valueOrErrno("open", temporary) {
            open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, Self.mode)
        }
        var failure: SystemError?
        do {
            // open applies the umask; the file must be readable by the collector whatever vigild's umask is.
            try valueOrErrno("fchmod", temporary) { fchmod(fd, Self.mode) }
            try Self.writeAll(fd, Array(text.utf8), temporary)
            // Without it, a crash after the rename could leave an empty file in place of the old one.
            try valueOrErrno("fsync", temporary) { fsync(fd) }
        } catch {
            failure = error
        }
        // Not through valueOrErrno: close is never retried, the descriptor is gone even when it reports EINTR.
        if close(fd) != 0, failure == nil {
            failure = SystemError(call: "close", subject: temporary, errno: errno)
        }
        if let failure {
            unlink(temporary)
            throw failure
        }
        do {
            try valueOrErrno("rename", "\(temporary) to \(path)") { rename(temporary, path) }
        } catch {
            unlink(temporary)
            throw error
        }
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], _ subject: String) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            let count = try valueOrErrno("write", subject) {
                bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            }
            offset += count
        }
    }
}

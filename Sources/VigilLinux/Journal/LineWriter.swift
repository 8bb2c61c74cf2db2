#if canImport(Glibc)
import Glibc
#endif

/// Writes whole lines to a file descriptor, one `write(2)` per line.
///
/// One call per line keeps lines from several threads (or from `vigild` and its children sharing stderr) from
/// interleaving: the kernel writes up to `PIPE_BUF` bytes to a pipe atomically, and a single `write` to a file
/// or terminal is never split by another writer's `write`.
public struct LineWriter: Sendable {
    /// The descriptor written to; the writer never closes it.
    public var fileDescriptor: Int32

    /// - Parameters:
    ///   - fileDescriptor: An open descriptor the caller keeps open for as long as the writer is used.
    public init(fileDescriptor: Int32) {
        self.fileDescriptor = fileDescriptor
    }

    /// Standard error.
    public static let standardError = LineWriter(fileDescriptor: STDERR_FILENO)

    /// Writes `line`, which should end in a newline.
    ///
    /// Errors are dropped: this is the sink of last resort and there is nowhere left to report them, and a full
    /// or closed stderr must not stop the daemon. A short write (rare: a signal mid-way through a large write)
    /// is completed with further calls rather than losing the tail.
    ///
    /// - Parameters:
    ///   - line: The text to write.
    public func write(_ line: String) {
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let remaining = UnsafeRawBufferPointer(rebasing: buffer[offset...])
                let written = try? valueOrErrno("write", "fd \(fileDescriptor)") {
                    Glibc.write(fileDescriptor, remaining.baseAddress, remaining.count)
                }
                guard let written, written > 0 else {
                    return
                }
                offset += written
            }
        }
    }
}

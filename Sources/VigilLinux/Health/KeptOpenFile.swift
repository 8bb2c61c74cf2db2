#if canImport(Glibc)
import Glibc
#endif

/// A `/proc`, sysfs or cgroupfs file opened once and re-read from offset 0 on every poll.
///
/// Re-reading with `pread` costs one system call where re-opening costs a path walk, an allocation and a close
/// each tick; and a reused buffer means a steady poll allocates nothing once it has grown to the file's size.
///
/// Not `Sendable`: a reader owns its files and uses them from one queue.
public final class KeptOpenFile {
    /// The path it was opened at, for messages.
    public let path: String
    private let descriptor: Int32
    private var buffer: [UInt8]

    /// Opens `path` read-only.
    /// - Parameters:
    ///   - path: The file.
    ///   - capacity: The buffer's first size; it doubles when a read fills it.
    /// - Throws: `SystemError` from `open` (`ENOENT` when the file does not exist).
    public init(path: String, capacity: Int = 4096) throws(SystemError) {
        self.path = path
        self.descriptor = try valueOrErrno("open", path) { open(path, O_RDONLY | O_CLOEXEC) }
        self.buffer = [UInt8](repeating: 0, count: max(capacity, 64))
    }

    deinit {
        close(descriptor)
    }

    /// The file's current text, decoded as UTF-8.
    /// - Throws: `SystemError`: `ENODEV` from `pread` when the cgroup was removed, `ENOENT` when the file was
    ///   unlinked since it was opened (its old contents would otherwise be served forever).
    public func read() throws(SystemError) -> String {
        let count = try readBytes()
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }

    /// Reads the whole file into the buffer and returns how many bytes it holds.
    private func readBytes() throws(SystemError) -> Int {
        var filled = 0
        while true {
            if filled == buffer.count {
                buffer.append(contentsOf: repeatElement(0, count: buffer.count))
            }
            let count = try valueOrErrno("pread", path) {
                buffer.withUnsafeMutableBytes { bytes in
                    pread(descriptor, bytes.baseAddress! + filled, bytes.count - filled, off_t(filled))
                }
            }
            if count == 0 {
                break
            }
            filled += count
        }
        var status = stat()
        try valueOrErrno("fstat", path) { fstat(descriptor, &status) }
        if status.st_nlink == 0 {
            throw SystemError(call: "pread", subject: path, errno: ENOENT)
        }
        return filled
    }
}

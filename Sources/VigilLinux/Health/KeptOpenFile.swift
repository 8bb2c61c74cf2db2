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
    /// Whether each read checks that the file was not unlinked meanwhile (an `fstat`). cgroupfs needs no such
    /// check: a removed cgroup's files fail with `ENODEV`.
    private let checksUnlinked: Bool
    /// The buffer of `read()`; readers that keep many files open share one instead (`read(using:)`).
    private var ownBuffer: [UInt8] = []

    /// Opens `path` read-only.
    /// - Parameters:
    ///   - path: The file.
    ///   - checksUnlinked: Check on every read that the file still has a name (see `read()`).
    /// - Throws: `SystemError` from `open` (`ENOENT` when the file does not exist).
    public init(path: String, checksUnlinked: Bool = true) throws(SystemError) {
        self.path = path
        self.checksUnlinked = checksUnlinked
        self.descriptor = try valueOrErrno("open", path) { open(path, O_RDONLY | O_CLOEXEC) }
    }

    deinit {
        close(descriptor)
    }

    /// The file's current text, decoded as UTF-8.
    /// - Throws: `SystemError`: `ENODEV` from `pread` when the cgroup was removed, `ENOENT` when the file was
    ///   unlinked since it was opened (its old contents would otherwise be served forever).
    public func read() throws(SystemError) -> String {
        try read(using: &ownBuffer)
    }

    /// The file's current text, read through `buffer` (grown as needed), so that a reader keeping thousands of
    /// files open needs one buffer rather than one each.
    /// - Throws: as `read()`.
    public func read(using buffer: inout [UInt8]) throws(SystemError) -> String {
        let count = try readBytes(into: &buffer)
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }

    /// Reads the whole file into `buffer` and returns how many bytes it holds.
    ///
    /// A kernel file hands over what it has in one read when there is room: a read that leaves more than 1 KiB of
    /// the buffer unused is the whole file (a seq_file stops short only when its next line does not fit, and no
    /// line of these files is that long), which saves the second read that would return 0.
    private func readBytes(into buffer: inout [UInt8]) throws(SystemError) -> Int {
        if buffer.count < 4096 {
            buffer = [UInt8](repeating: 0, count: 4096)
        }
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
            filled += count
            if count == 0 || buffer.count - filled > 1024 {
                break
            }
        }
        if checksUnlinked {
            var status = stat()
            try valueOrErrno("fstat", path) { fstat(descriptor, &status) }
            if status.st_nlink == 0 {
                throw SystemError(call: "pread", subject: path, errno: ENOENT)
            }
        }
        return filled
    }
}

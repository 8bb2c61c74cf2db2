#if canImport(Glibc)
import Glibc
#endif

/// A `/proc`, sysfs or cgroupfs file opened once and re-read from offset 0 on every poll.
///
/// Re-reading with `pread` costs one system call where re-opening costs a path walk, an allocation and a close
/// each tick. A file of up to `stackBytes` (every cgroup file read per tick) is read into stack memory, so a steady
/// poll allocates nothing and thousands of kept files hold no buffer each.
///
/// Not `Sendable`: a reader owns its files and uses them from one queue.
public final class KeptOpenFile {
    /// The path it was opened at, for messages.
    public var path: String {
        name.isEmpty ? directory : directory + "/" + name
    }
    /// The path in two parts, joined only for a message: a reader keeps thousands of files whose directory string
    /// it already holds and whose names are constants, so a file keeps no path string of its own.
    private let directory: String
    private let name: String
    private let descriptor: Int32
    /// Whether each read checks that the file was not unlinked meanwhile (an `fstat`). cgroupfs needs no such
    /// check: a removed cgroup's files fail with `ENODEV`.
    private let checksUnlinked: Bool
    /// Files up to this size are read on the stack; larger ones into a heap buffer freed after the read.
    static let stackBytes = 1024

    /// Opens `path` read-only.
    /// - Parameters:
    ///   - path: The file.
    ///   - checksUnlinked: Check on every read that the file still has a name (see `read()`).
    /// - Throws: `SystemError` from `open` (`ENOENT` when the file does not exist).
    public init(path: String, checksUnlinked: Bool = true) throws(SystemError) {
        self.directory = path
        self.name = ""
        self.checksUnlinked = checksUnlinked
        self.descriptor = try valueOrErrno("open", path) { open(path, O_RDONLY | O_CLOEXEC) }
    }

    /// Opens `name` in `directory` read-only (see `init(path:checksUnlinked:)`).
    /// - Throws: `SystemError` from `open` (`ENOENT` when the file does not exist).
    init(directory: String, name: String, checksUnlinked: Bool) throws(SystemError) {
        self.directory = directory
        self.name = name
        self.checksUnlinked = checksUnlinked
        let path = directory + "/" + name
        self.descriptor = try valueOrErrno("open", path) { open(path, O_RDONLY | O_CLOEXEC) }
    }

    deinit {
        close(descriptor)
    }

    /// The file's current text, decoded as UTF-8.
    /// - Throws: `SystemError`: `ENODEV` from `pread` when the cgroup was removed, `ENOENT` when the file was
    ///   unlinked since it was opened (its old contents would otherwise be served forever).
    public func read() throws(SystemError) -> String {
        try withContents { bytes throws(Never) in String(decoding: bytes, as: UTF8.self) }.get()
    }

    /// Reads the whole file and hands its bytes to `parse`; the bytes are valid only during the call.
    /// - Returns: what `parse` returned or threw.
    /// - Throws: as `read()`.
    public func withContents<Value, Failure: Error>(
        _ parse: (UnsafeRawBufferPointer) throws(Failure) -> Value
    ) throws(SystemError) -> Result<Value, Failure> {
        let small = withUnsafeTemporaryAllocation(byteCount: Self.stackBytes, alignment: 1) { buffer in
            Result { () throws(SystemError) -> Result<Value, Failure>? in
                let (count, whole) = try fill(buffer)
                guard whole else { return nil }
                return Result { () throws(Failure) in try parse(UnsafeRawBufferPointer(rebasing: buffer[..<count])) }
            }
        }
        if let parsed = try small.get() {
            return parsed
        }
        // Larger than the stack buffer (host files such as mountinfo): read again into a buffer that grows.
        var buffer = [UInt8](repeating: 0, count: Self.stackBytes * 4)
        while true {
            let filled = buffer.withUnsafeMutableBytes { bytes in Result { () throws(SystemError) in try fill(bytes) } }
            let (count, whole) = try filled.get()
            if whole {
                return buffer.withUnsafeBytes { bytes in
                    Result { () throws(Failure) in try parse(UnsafeRawBufferPointer(rebasing: bytes[..<count])) }
                }
            }
            buffer = [UInt8](repeating: 0, count: buffer.count * 2)
        }
    }

    /// Reads the file from offset 0 into `buffer`.
    ///
    /// A kernel file hands over what it has in one read when there is room: a read that leaves more than a quarter
    /// of the buffer (at most 1 KiB) unused is the whole file (a seq_file stops short only when its next line does
    /// not fit in its own page-sized buffer, and no line of these files is that long), which saves the second read
    /// that would return 0.
    /// - Returns: the bytes read, and whether they are the whole file (`false`: the buffer was too small).
    private func fill(_ buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> (count: Int, whole: Bool) {
        let slack = min(buffer.count / 4, 1024)
        var filled = 0
        while true {
            let count: Int
            do {
                count = try valueOrErrno("pread") {
                    pread(descriptor, buffer.baseAddress! + filled, buffer.count - filled, off_t(filled))
                }
            } catch {
                throw SystemError(call: error.call, subject: path, errno: error.errno)
            }
            filled += count
            if count == 0 || buffer.count - filled > slack {
                break
            }
            if filled == buffer.count {
                return (filled, false)
            }
        }
        if checksUnlinked {
            var status = stat()
            do {
                try valueOrErrno("fstat") { fstat(descriptor, &status) }
            } catch {
                throw SystemError(call: error.call, subject: path, errno: error.errno)
            }
            if status.st_nlink == 0 {
                throw SystemError(call: "pread", subject: path, errno: ENOENT)
            }
        }
        return (filled, true)
    }
}

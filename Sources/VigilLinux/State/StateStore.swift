import VigilCore

#if canImport(Glibc)
import Glibc
#endif

/// Keeps vigild's `PersistedState` in one file, `state.json` in a directory (`/var/lib/vigil` by default), so
/// that it survives vigild's own restarts, crashes and a `kill -9` at any instant.
///
/// A save is atomic: the new content goes to `state.json.tmp`, is `fsync`ed, renamed over `state.json`, and the
/// directory is `fsync`ed so the rename itself is durable. A reader therefore sees the previous state or the new
/// one, never a mixture. A file that is damaged anyway (a disk error, an operator's editor) fails its SHA-256 (see
/// `StateFileFormat`); `load` moves it aside as `state.json.corrupt-<UTC time>` for inspection and answers "no
/// state", so vigild starts from what it can observe.
///
/// Not for concurrent use by several processes: one vigild owns its state directory.
public struct StateStore: Sendable {
    public static let defaultDirectory = "/var/lib/vigil"
    public static let fileName = "state.json"

    public let directory: String

    /// - Parameter directory: where the state file lives; created (mode 0700) by the first save if missing.
    public init(directory: String = StateStore.defaultDirectory) {
        self.directory = directory
    }

    /// The state file's path.
    public var path: String {
        directory + "/" + Self.fileName
    }

    var temporaryPath: String {
        path + ".tmp"
    }

    /// Replaces the saved state with `state`, atomically and durably.
    /// - Throws: `StateStoreError` (code `io`) naming the file or directory and the failed call; the previous
    ///   state file is then left as it was.
    public func save(_ state: PersistedState) throws(StateStoreError) {
        let bytes: [UInt8]
        do {
            bytes = try StateFileFormat.encode(state)
        } catch {
            throw StateStoreError(code: .io, path: path, message: "cannot encode the state: \(error)")
        }
        try createDirectoryIfMissing()
        let temporary = temporaryPath
        do throws(SystemError) {
            let fd = try valueOrErrno("open", temporary) {
                open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
            }
            do throws(SystemError) {
                try Self.writeAll(fd, bytes, subject: temporary)
                try valueOrErrno("fsync", temporary) { fsync(fd) }
            } catch {
                close(fd)
                unlink(temporary)
                throw error
            }
            try valueOrErrno("close", temporary) { close(fd) }
            try valueOrErrno("rename", temporary + " to " + path) { rename(temporary, path) }
        } catch {
            throw StateStoreError(error, path: path)
        }
        try syncDirectory()
    }

    /// Reads the saved state.
    ///
    /// - A missing directory or file is no problem: `state` is nil (first start).
    /// - A corrupt, truncated or newer-format file is moved aside and reported in `problem` with `state` nil.
    /// - A file that cannot be read (permissions, I/O error) is left where it is and reported in `problem`.
    public func load() -> StateLoad {
        let bytes: [UInt8]
        do throws(SystemError) {
            guard let read = try readFile() else { return StateLoad(state: nil) }
            bytes = read
        } catch {
            return StateLoad(state: nil, problem: StateStoreError(error, path: path))
        }
        do throws(StateStoreError) {
            return StateLoad(state: try StateFileFormat.decode(bytes, path: path))
        } catch {
            var problem = error
            let aside = path + ".corrupt-" + Self.utcStamp()
            var setAside: String?
            if rename(path, aside) == 0 {
                setAside = aside
                problem.message += "; moved aside to \(aside)"
            } else {
                let reason = SystemError(call: "rename", subject: aside, errno: Glibc.errno)
                problem.message += "; could not move it aside (\(reason))"
            }
            return StateLoad(state: nil, problem: problem, setAside: setAside)
        }
    }

    // MARK: Files

    /// The whole file, or nil if it (or its directory) does not exist.
    /// The largest state file read: far above what a thousand targets with their recent events write, and a
    /// bound on the memory a damaged or foreign file can take.
    public static let maximumSize = 64 << 20

    /// The file's bytes, at most `maximumSize + 1` of them (more is not a state file); `nil` when there is none.
    ///
    /// Opened non-blocking and checked to be a regular file: a FIFO at the path would otherwise block vigild's
    /// start forever, waiting for a writer.
    private func readFile() throws(SystemError) -> [UInt8]? {
        let file = path
        let fd: Int32
        do throws(SystemError) {
            fd = try valueOrErrno("open", file) { open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK) }
        } catch {
            if error.errno == ENOENT {
                return nil
            }
            throw error
        }
        defer { close(fd) }
        var info = stat()
        try valueOrErrno("fstat", file) { fstat(fd, &info) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            // EISDIR for a directory, EINVAL for a FIFO, socket or device: no state file can be read from it.
            throw SystemError(call: "read", subject: file, errno: info.st_mode & S_IFMT == S_IFDIR ? EISDIR : EINVAL)
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while bytes.count <= Self.maximumSize {
            let count = try valueOrErrno("read", file) {
                chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            }
            if count == 0 {
                return bytes
            }
            bytes += chunk[..<count]
        }
        return bytes
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], subject: String) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            let written = try valueOrErrno("write", subject) {
                bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            }
            offset += written
        }
    }

    private func createDirectoryIfMissing() throws(StateStoreError) {
        var components: [String] = []
        for part in directory.split(separator: "/") {
            components.append(String(part))
            let prefix = (directory.hasPrefix("/") ? "/" : "") + components.joined(separator: "/")
            if mkdir(prefix, 0o700) != 0, Glibc.errno != EEXIST {
                let error = SystemError(call: "mkdir", subject: prefix, errno: Glibc.errno)
                throw StateStoreError(error, path: prefix)
            }
        }
    }

    /// Makes the rename durable: without this, a power cut can bring back the old directory entry.
    private func syncDirectory() throws(StateStoreError) {
        let directory = self.directory
        do throws(SystemError) {
            let fd = try valueOrErrno("open", directory) { open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
            defer { close(fd) }
            try valueOrErrno("fsync", directory) { fsync(fd) }
        } catch {
            throw StateStoreError(error, path: directory)
        }
    }

    /// `20250102T030405Z`, for the name of a file moved aside; unique per second, with a counter if needed.
    private static func utcStamp() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        func two(_ value: Int32) -> String {
            value < 10 ? "0\(value)" : "\(value)"
        }
        return "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))Z"
    }
}

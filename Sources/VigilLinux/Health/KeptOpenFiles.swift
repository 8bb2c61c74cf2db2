#if canImport(Glibc)
import Glibc
#endif

/// The kept-open files of one reader, by path, opened on first use.
///
/// Not `Sendable`: it belongs to one reader, used from one queue.
final class KeptOpenFiles {
    private var files: [String: KeptOpenFile] = [:]
    /// Whether kept files check for being unlinked on every read (not needed on cgroupfs).
    private let checksUnlinked: Bool
    /// Files found missing, and how many reads have skipped them since: a controller that is not enabled stays so,
    /// so a missing file is looked for again only every `absentRetry` reads rather than every tick.
    private var absent: [String: Int] = [:]
    static let absentRetry = 30

    init(checksUnlinked: Bool = true) {
        self.checksUnlinked = checksUnlinked
    }

    /// The text of the file at `path`, or `nil` when it does not exist.
    ///
    /// A kept file that vanished is opened afresh once: a sysfs or test file replaced by a new one (a re-plugged
    /// disk, an atomic rewrite) is then read from its new inode, and a cgroup that is really gone reads as `nil`.
    /// - Throws: `SystemError` for every failure other than absence.
    func read(_ path: String) throws(SystemError) -> String? {
        if skipsAbsent(path) {
            return nil
        }
        if let kept = files[path] {
            do {
                return try kept.read()
            } catch {
                files[path] = nil
                guard error.fileVanished else { throw error }
            }
        }
        let file: KeptOpenFile
        do {
            file = try KeptOpenFile(path: path, checksUnlinked: checksUnlinked)
        } catch {
            if error.errno == ENOENT || error.errno == ENOTDIR {
                return nil
            }
            throw error
        }
        let text = try file.read()
        files[path] = file
        return text
    }

    /// Closes every file whose path starts with `prefix` (a cgroup directory that is gone).
    func forget(under prefix: String) {
        files = files.filter { !$0.key.hasPrefix(prefix) }
        absent = absent.filter { !$0.key.hasPrefix(prefix) }
    }

    /// Whether `path` was found missing lately and is not due to be looked for again; counts the skipped read.
    func skipsAbsent(_ path: String) -> Bool {
        guard let skipped = absent[path] else { return false }
        if skipped < Self.absentRetry {
            absent[path] = skipped + 1
            return true
        }
        absent[path] = nil
        return false
    }

    /// Remembers that `path` is missing while its directory exists (see `absent`).
    func markAbsent(_ path: String) {
        absent[path] = 0
    }
}

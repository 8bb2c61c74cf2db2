#if canImport(Glibc)
import Glibc
#endif

/// The kept-open files of one reader (the host's), by path, opened on first use.
///
/// Not `Sendable`: it belongs to one reader, used from one queue.
final class KeptOpenFiles {
    private var files: [String: KeptOpenFile] = [:]
    /// Whether kept files check for being unlinked on every read.
    private let checksUnlinked: Bool

    init(checksUnlinked: Bool = true) {
        self.checksUnlinked = checksUnlinked
    }

    /// The text of the file at `path`, or `nil` when it does not exist.
    ///
    /// A kept file that vanished is opened afresh once: a sysfs or test file replaced by a new one (a re-plugged
    /// disk, an atomic rewrite) is then read from its new inode, and a file that is really gone reads as `nil`.
    /// - Throws: `SystemError` for every failure other than absence.
    func read(_ path: String) throws(SystemError) -> String? {
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
}

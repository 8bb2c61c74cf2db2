#if canImport(Glibc)
import Glibc
#endif

/// The kept-open files of one reader, by path, opened on first use.
///
/// Not `Sendable`: it belongs to one reader, used from one queue.
final class KeptOpenFiles {
    private var files: [String: KeptOpenFile] = [:]

    /// The text of the file at `path`, or `nil` when it does not exist.
    ///
    /// A file that vanishes is forgotten, so it is opened afresh if it comes back (a re-plugged disk, a cgroup
    /// created again under the same name).
    /// - Throws: `SystemError` for every other failure, and when the file vanished after it was opened.
    func read(_ path: String) throws(SystemError) -> String? {
        let file: KeptOpenFile
        if let kept = files[path] {
            file = kept
        } else {
            do {
                file = try KeptOpenFile(path: path)
            } catch {
                if error.errno == ENOENT || error.errno == ENOTDIR {
                    return nil
                }
                throw error
            }
            files[path] = file
        }
        do {
            return try file.read()
        } catch {
            files[path] = nil
            throw error
        }
    }

    /// Closes every file whose path starts with `prefix` (a cgroup directory that is gone).
    func forget(under prefix: String) {
        files = files.filter { !$0.key.hasPrefix(prefix) }
    }
}

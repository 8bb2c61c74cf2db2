#if canImport(Glibc)
import Glibc
#endif

/// Listing sysfs directories (`mc*`, `dimm*`, `cpu*`, `/sys/block/*`).
enum DirectoryEntries {
    /// The names in `path` (without `.` and `..`), or `nil` when the directory does not exist.
    /// - Throws: `SystemError` from `opendir` for failures other than absence.
    static func names(in path: String) throws(SystemError) -> [String]? {
        // opendir returns a pointer, not -1, so it cannot go through valueOrErrno; it does not fail with EINTR.
        guard let directory = opendir(path) else {
            let code = errno
            if code == ENOENT || code == ENOTDIR {
                return nil
            }
            throw SystemError(call: "opendir", subject: path, errno: code)
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." {
                names.append(name)
            }
        }
        return names
    }

    /// The entries named `prefix` followed by a number (`mc0`, `cpu12`), in numeric order.
    static func numbered(in path: String, prefix: String) throws(SystemError) -> [(number: Int, name: String)] {
        let names = try names(in: path) ?? []
        return names.compactMap { name -> (number: Int, name: String)? in
            guard name.hasPrefix(prefix), let number = Int(name.dropFirst(prefix.count)) else { return nil }
            return (number, name)
        }
        .sorted { $0.number < $1.number }
    }

    /// Whether `path` is a directory.
    static func isDirectory(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// Creating the directories vigild's sockets live in.
public enum Directories {
    /// Creates every missing directory above `path` (like `mkdir -p "$(dirname path)"`), each with `mode` as the
    /// umask allows. Existing directories are left as they are; failures show when the socket is then created.
    public static func createParents(of path: String, mode: mode_t = 0o755) {
        var directory = ""
        for component in path.split(separator: "/").dropLast() {
            directory += "/" + component
            mkdir(directory, mode)
        }
    }
}

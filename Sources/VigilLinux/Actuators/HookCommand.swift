#if canImport(Glibc)
import Glibc
#endif

/// One program run by an actuator (an exec hook, a `virsh` invocation): fully resolved, so running it needs no
/// lookups.
public struct HookCommand: Sendable, Equatable {
    /// The argument vector; `arguments[0]` is an absolute path (see `resolve(_:path:)`).
    public var arguments: [String]
    /// `NAME=value` entries, complete (the hook sees nothing else).
    public var environment: [String]
    public var workingDirectory: String?

    public init(arguments: [String], environment: [String], workingDirectory: String? = nil) {
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
    }

    /// The program as an absolute path: `command` itself when it contains a slash, else the first executable
    /// file of that name in `path` (a `PATH`-style list).
    /// - Returns: `nil` when nothing executable is found.
    public static func resolve(_ command: String, path: String) -> String? {
        if command.contains("/") {
            return command.hasPrefix("/") && isExecutableFile(command) ? command : nil
        }
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = directory.hasSuffix("/") ? "\(directory)\(command)" : "\(directory)/\(command)"
            if isExecutableFile(candidate) {
                return candidate
            }
        }
        return nil
    }
}

private func isExecutableFile(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG && access(path, X_OK) == 0
}

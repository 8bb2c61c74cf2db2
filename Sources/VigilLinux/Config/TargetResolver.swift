import VigilCore

#if canImport(Glibc)
import Glibc
#endif

/// Resolves one target's launch against this host, collecting problems instead of stopping at the first.
struct TargetResolver {
    let target: TargetConfig
    let index: Int
    let map: ConfigSourceMap
    let inherited: [String: String]
    let daemon: DaemonConfig
    var problems: [ConfigProblem] = []

    init(target: TargetConfig, index: Int, map: ConfigSourceMap, inherited: [String: String], daemon: DaemonConfig) {
        self.target = target
        self.index = index
        self.map = map
        self.inherited = inherited
        self.daemon = daemon
    }

    var notifyPath: String {
        NotifySocket.path(runtimeDirectory: daemon.runtimeDirectory, target: target.name)
    }

    mutating func resolve() -> LaunchSpec? {
        // A cgroup or vm target without a start command is watched only.
        guard !target.exec.isEmpty else { return nil }
        if target.notifySocket, notifyPath.utf8.count > NotifySocket.maximumPathLength {
            problem(
                "notify_socket",
                "socket path \"\(notifyPath)\" is longer than \(NotifySocket.maximumPathLength) bytes: use a shorter "
                    + "daemon.runtime_dir or target name"
            )
        }
        let path = executable()
        if let cwd = target.cwd {
            checkDirectory(cwd)
        }
        let credentials = self.credentials()
        guard let path, problems.isEmpty else { return nil }
        var environment = inherited
        for (name, value) in target.env {
            environment[name] = value
        }
        if target.notifySocket {
            environment["NOTIFY_SOCKET"] = notifyPath
            if let heartbeat = target.heartbeat {
                // sd_watchdog_enabled() programs ping at half of WATCHDOG_USEC: that makes them send every interval.
                environment["WATCHDOG_USEC"] = String((heartbeat.interval * 2).microseconds)
            }
        }
        return LaunchSpec(
            path: path,
            arguments: target.exec,
            environment: environment.keys.sorted().map { "\($0)=\(environment[$0]!)" },
            workingDirectory: target.cwd,
            credentials: credentials
        )
    }

    private mutating func problem(_ key: String, _ message: String) {
        let line = map.line(of: ["target", String(index), key])
        problems.append(ConfigProblem(line: line, key: "target[\(target.name)].\(key)", message: message))
    }

    /// `exec[0]` as an absolute path: itself, or found in the target's (else vigild's) `PATH`.
    private mutating func executable() -> String? {
        let command = target.exec[0]
        if command.hasPrefix("/") {
            return checkExecutable(command) ? command : nil
        }
        if command.contains("/") {
            problem(target.execKey, "\"\(command)\" must be an absolute path or a command name to look up in PATH")
            return nil
        }
        let searchPath = target.env["PATH"] ?? inherited["PATH"] ?? ConfigLoader.defaultPath
        for directory in searchPath.split(separator: ":") where !directory.isEmpty {
            let candidate = directory.hasSuffix("/") ? "\(directory)\(command)" : "\(directory)/\(command)"
            if Self.isExecutableFile(candidate) {
                return candidate
            }
        }
        problem(target.execKey, "command \"\(command)\" not found in PATH (\(searchPath))")
        return nil
    }

    private mutating func checkExecutable(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else {
            problem(target.execKey, "executable \"\(path)\": \(String(cString: strerror(errno)))")
            return false
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            problem(target.execKey, "executable \"\(path)\" is not a regular file")
            return false
        }
        guard access(path, X_OK) == 0 else {
            problem(target.execKey, "\"\(path)\" is not executable")
            return false
        }
        return true
    }

    static func isExecutableFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG && access(path, X_OK) == 0
    }

    private mutating func checkDirectory(_ path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            problem("cwd", "directory \"\(path)\": \(String(cString: strerror(errno)))")
            return
        }
        if info.st_mode & S_IFMT != S_IFDIR {
            problem("cwd", "\"\(path)\" is not a directory")
        }
    }

    /// The identity to switch to, or `nil` to keep vigild's.
    private mutating func credentials() -> Credentials? {
        guard target.user != nil || target.group != nil else { return nil }
        var uid = getuid()
        var gid: gid_t?
        var userName: String?
        if let user = target.user {
            guard let account = UserDatabase.user(user) else {
                problem("user", "unknown user \"\(user)\"")
                return nil
            }
            uid = account.uid
            gid = account.gid
            userName = account.name
        }
        if let group = target.group {
            guard let found = UserDatabase.group(group) else {
                problem("group", "unknown group \"\(group)\"")
                return nil
            }
            gid = found
        }
        guard let gid else {
            problem("group", "user \"\(target.user ?? "")\" has no entry in the user database: set group as well")
            return nil
        }
        let groups = userName.map { UserDatabase.groups(of: $0, primary: gid) } ?? [gid]
        return Credentials(uid: uid, gid: gid, groups: groups)
    }
}

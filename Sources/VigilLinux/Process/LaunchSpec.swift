/// Everything needed to start a process target, resolved from its configuration by `ConfigLoader`: no lookups
/// (PATH, user database) happen at spawn time, so a spawn never blocks on NSS or a slow file system.
public struct LaunchSpec: Sendable, Equatable {
    /// Absolute path of the executable.
    public var path: String
    /// The full argument vector, `argv[0]` as configured.
    public var arguments: [String]
    /// `NAME=value` entries: vigild's environment without systemd's per-service variables, then the target's.
    public var environment: [String]
    public var workingDirectory: String?
    /// Who to run as; `nil` keeps vigild's own identity.
    public var credentials: Credentials?
    /// The directory of the cgroup the process starts in (its target's own, made by `TargetCgroups`); `nil` starts
    /// it in vigild's cgroup. The child is in it before it runs anything of its own.
    public var cgroupDirectory: String?

    public init(
        path: String,
        arguments: [String],
        environment: [String],
        workingDirectory: String? = nil,
        credentials: Credentials? = nil,
        cgroupDirectory: String? = nil
    ) {
        self.path = path
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.credentials = credentials
        self.cgroupDirectory = cgroupDirectory
    }

    /// The same launch with `name=value` in its environment (replacing an entry of that name).
    public func setting(_ name: String, to value: String) -> LaunchSpec {
        var copy = self
        copy.environment.removeAll { $0.hasPrefix(name + "=") }
        copy.environment.append("\(name)=\(value)")
        return copy
    }

    /// The same launch, started in the cgroup at `directory` (`nil`: in vigild's).
    public func starting(inCgroup directory: String?) -> LaunchSpec {
        var copy = self
        copy.cgroupDirectory = directory
        return copy
    }
}

/// A numeric identity to switch to before `execve`.
public struct Credentials: Sendable, Equatable {
    public var uid: UInt32
    public var gid: UInt32
    /// Supplementary groups.
    public var groups: [UInt32]

    public init(uid: UInt32, gid: UInt32, groups: [UInt32]) {
        self.uid = uid
        self.gid = gid
        self.groups = groups
    }
}

/// Where one cgroup's files are: its v2 directory and its directory in each v1 hierarchy, each only if it exists.
public struct CgroupDirectories: Sendable, Equatable {
    /// The directory in the cgroup2 hierarchy.
    public var unified: String?
    /// The directory in each v1 hierarchy, by controller (`memory`, `cpuacct`) or name (`name=systemd`).
    public var controllers: [String: String]

    public init(unified: String? = nil, controllers: [String: String] = [:]) {
        self.unified = unified
        self.controllers = controllers
    }

    /// Whether the cgroup was found in no hierarchy at all.
    public var isEmpty: Bool { unified == nil && controllers.isEmpty }
}

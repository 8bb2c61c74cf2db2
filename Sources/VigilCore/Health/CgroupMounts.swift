/// Where the cgroup hierarchies are mounted, discovered from `mountinfo` rather than assumed: a pure v2 host has
/// cgroup2 at `/sys/fs/cgroup`, a hybrid one at `/sys/fs/cgroup/unified` with v1 controllers beside it, and
/// containers mount them elsewhere.
public struct CgroupMounts: Sendable, Equatable {
    /// The cgroup2 (unified) mount, if any.
    public var unified: MountInfo.Mount?
    /// Each v1 hierarchy's mount by controller (`memory`, `cpuacct`…) and by name (`name=systemd`); controllers
    /// co-mounted in one hierarchy (`cpu,cpuacct`) each map to that mount.
    public var controllers: [String: MountInfo.Mount]

    public init(unified: MountInfo.Mount? = nil, controllers: [String: MountInfo.Mount] = [:]) {
        self.unified = unified
        self.controllers = controllers
    }

    /// Super options of a v1 cgroup mount that are settings, not controllers.
    static let nonControllerOptions: Set<String> = [
        "rw", "ro", "none", "all", "noprefix", "clone_children", "xattr", "cpuset_v2_mode", "favordynmods",
    ]

    /// The controllers (and `name=` hierarchies) a v1 cgroup mount carries, from its super options.
    public static func controllers(ofV1 mount: MountInfo.Mount) -> [String] {
        mount.superOptions.filter { option in
            if option.hasPrefix("name=") {
                return true
            }
            return !option.contains("=") && !nonControllerOptions.contains(option)
        }
    }
}

extension MountInfo {
    /// The cgroup hierarchies among these mounts. Where a hierarchy is mounted more than once (bind mounts), the
    /// first mount of its whole tree (root `/`) wins, else the first one listed.
    public var cgroupMounts: CgroupMounts {
        var result = CgroupMounts()
        for mount in mounts {
            switch mount.fileSystemType {
            case "cgroup2":
                if result.unified == nil || (result.unified?.root != "/" && mount.root == "/") {
                    result.unified = mount
                }
            case "cgroup":
                for controller in CgroupMounts.controllers(ofV1: mount) {
                    let current = result.controllers[controller]
                    if current == nil || (current?.root != "/" && mount.root == "/") {
                        result.controllers[controller] = mount
                    }
                }
            default:
                continue
            }
        }
        return result
    }
}

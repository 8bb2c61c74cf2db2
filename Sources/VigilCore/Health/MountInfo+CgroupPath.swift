/// What a target's `cgroup = "…"` names on a host with these mounts.
///
/// Operators copy the path they see on disk (`/sys/fs/cgroup/memory/db`) as often as the cgroup path that
/// `/proc/PID/cgroup` shows (`/db`). Taken literally, the first would name a cgroup `/sys/fs/cgroup/memory/db` under
/// each hierarchy's root, which never exists: the target would watch nothing.
public enum ConfiguredCgroupPath: Sendable, Equatable {
    /// A cgroup path, as `/proc/PID/cgroup` names it: the value as written.
    case cgroup(String)
    /// A directory under a cgroup hierarchy's mount point: the cgroup it is (mount root plus the rest of the path).
    case mountPath(cgroup: String, mountPoint: String)
    /// The mount point of a hierarchy itself: the root cgroup, which is not a target.
    case hierarchyRoot(mountPoint: String)
    /// A path under a mount that is not a cgroup hierarchy but holds them (`/sys/fs/cgroup` as a tmpfs on a hybrid
    /// host, `/sys`): neither a cgroup name nor a cgroup directory.
    case notACgroup(mountPoint: String, fileSystemType: String, hierarchies: [String])
}

extension MountInfo {
    /// Classifies a configured cgroup path against these mounts.
    ///
    /// A path under a cgroup or cgroup2 mount point is that mount's cgroup; a path under another mount that
    /// contains cgroup mount points (the tmpfs at `/sys/fs/cgroup`, sysfs at `/sys`) is neither; anything else
    /// (under `/` or a mount unrelated to cgroups) is a cgroup name, as before.
    /// - Parameter path: an absolute path without `.` or `..` (the parser has checked it).
    public func classifyCgroupPath(_ path: String) -> ConfiguredCgroupPath {
        let components = path.split(separator: "/")
        var best: (mount: Mount, depth: Int)?
        for mount in mounts {
            let point = mount.mountPoint.split(separator: "/")
            // "/" is the root file system: every cgroup name lies "under" it.
            guard !point.isEmpty, components.starts(with: point) else { continue }
            // A later mount on the same point hides an earlier one.
            if let current = best, point.count < current.depth {
                continue
            }
            best = (mount, point.count)
        }
        guard let (mount, depth) = best else { return .cgroup(path) }
        switch mount.fileSystemType {
        case "cgroup", "cgroup2":
            let relative = components.dropFirst(depth)
            guard !relative.isEmpty else { return .hierarchyRoot(mountPoint: mount.mountPoint) }
            let root = mount.root.split(separator: "/")
            return .mountPath(cgroup: "/" + (root + relative).joined(separator: "/"), mountPoint: mount.mountPoint)
        default:
            let point = mount.mountPoint.split(separator: "/")
            let hierarchies = mounts.filter { candidate in
                ["cgroup", "cgroup2"].contains(candidate.fileSystemType)
                    && candidate.mountPoint.split(separator: "/").starts(with: point)
            }
            guard !hierarchies.isEmpty else { return .cgroup(path) }
            return .notACgroup(
                mountPoint: mount.mountPoint,
                fileSystemType: mount.fileSystemType,
                hierarchies: hierarchies.map(\.mountPoint)
            )
        }
    }
}

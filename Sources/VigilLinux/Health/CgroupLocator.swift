import VigilCore

/// Turns cgroup paths into directories, using the mounts found in `mountinfo` (never an assumed
/// `/sys/fs/cgroup`).
public struct CgroupLocator: Sendable, Equatable {
    /// The hierarchies and where they are mounted.
    public var mounts: CgroupMounts
    /// The root the mount points are resolved under.
    public var root: HostRoot

    public init(mounts: CgroupMounts, root: HostRoot = .host) {
        self.mounts = mounts
        self.root = root
    }

    public init(mountInfo: MountInfo, root: HostRoot = .host) {
        self.init(mounts: mountInfo.cgroupMounts, root: root)
    }

    /// The directories of the cgroup at `path` in every hierarchy where it exists.
    /// - Parameter path: A cgroup path as `/proc/PID/cgroup` or systemd write it (`/system.slice/foo.service`);
    ///   a relative name (`foo`) is taken from the hierarchy's root. Paths with `..` find nothing.
    public func locate(_ path: String) -> CgroupDirectories {
        var result = CgroupDirectories()
        result.unified = mounts.unified.flatMap { directory(of: path, in: $0) }
        for (controller, mount) in mounts.controllers {
            result.controllers[controller] = directory(of: path, in: mount)
        }
        return result
    }

    /// The directories of a process's cgroups, each hierarchy at the path the process is in there.
    public func locate(_ process: ProcessCgroups) -> CgroupDirectories {
        var result = CgroupDirectories()
        if let path = process.unified, let mount = mounts.unified {
            result.unified = directory(of: path, in: mount)
        }
        for (controller, path) in process.controllers {
            if let mount = mounts.controllers[controller] {
                result.controllers[controller] = directory(of: path, in: mount)
            }
        }
        return result
    }

    /// The directory of `path` under `mount`, if it exists.
    ///
    /// A mount whose root is a subtree (a container's bind mount of `/docker/abc`) shows that subtree, so the
    /// root is taken off the front of the path; a path outside it is not visible through that mount.
    func directory(of path: String, in mount: MountInfo.Mount) -> String? {
        let components = path.split(separator: "/")
        guard !components.contains(where: { $0 == ".." || $0 == "." }) else { return nil }
        let mountRoot = mount.root.split(separator: "/")
        guard components.starts(with: mountRoot) else { return nil }
        let relative = components.dropFirst(mountRoot.count).joined(separator: "/")
        var directory = root.resolve(mount.mountPoint)
        if !relative.isEmpty {
            directory += (directory.hasSuffix("/") ? "" : "/") + relative
        }
        return DirectoryEntries.isDirectory(directory) ? directory : nil
    }
}

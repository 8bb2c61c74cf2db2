import CLinux
import VigilCore

#if canImport(Glibc)
import Glibc
#endif

/// The cgroups of vigild's process targets on this host, laid out as `TargetCgroupLayout` says: found, made,
/// listed, killed and removed here.
///
/// They are made in the cgroup2 hierarchy wherever it is mounted (a hybrid host's `/sys/fs/cgroup/unified` has no
/// controllers, which is enough: membership, `cgroup.events` and `cgroup.kill` need none). A host with v1 only
/// uses the `name=systemd` hierarchy (else `pids`), where killing means signalling every PID in `cgroup.procs`
/// until none is left.
public struct TargetCgroups: Sendable {
    public let layout: TargetCgroupLayout
    /// The hierarchy the cgroups are made in.
    public let mount: MountInfo.Mount
    /// The v1 hierarchy's name (`name=systemd`, `pids`); `nil` for cgroup2.
    public let v1Hierarchy: String?
    /// For the service layout, whether systemd marked the unit's cgroup as delegated (`trusted.delegate`, systemd
    /// 251 and later); `nil` for the other layout.
    public let delegationConfirmed: Bool?

    /// The v1 hierarchies used when there is no cgroup2, best first.
    static let v1Candidates = ["name=systemd", "pids"]

    /// Decides the layout from where vigild runs, moves vigild into its leaf if the layout has one, and makes the
    /// targets' parent cgroup.
    /// - Parameters:
    ///   - locator: the cgroup mounts.
    ///   - stateDirectory: vigild's state directory (names the subtree outside systemd).
    ///   - environment: vigild's environment (`SYSTEMD_EXEC_PID` says whether systemd started it as a unit).
    /// - Throws: `SystemError` naming the cgroup that could not be read, made or joined.
    public static func prepare(
        locator: CgroupLocator,
        stateDirectory: String,
        environment: [String: String]
    ) throws(SystemError) -> TargetCgroups {
        let hierarchy: (mount: MountInfo.Mount, name: String?)
        if let unified = locator.mounts.unified {
            hierarchy = (unified, nil)
        } else if let name = v1Candidates.first(where: { locator.mounts.controllers[$0] != nil }),
            let mount = locator.mounts.controllers[name]
        {
            hierarchy = (mount, name)
        } else {
            throw SystemError(call: "find a cgroup hierarchy", subject: "/proc/self/mountinfo", errno: ENOENT)
        }
        let pid = getpid()
        let own: ProcessCgroups
        do {
            own = try CgroupProcess.cgroups(of: pid)
        } catch {
            throw SystemError(call: "read", subject: "/proc/self/cgroup", errno: EIO)
        }
        guard let ownPath = hierarchy.name.map({ own.controllers[$0] }) ?? own.unified else {
            throw SystemError(call: "find vigild's cgroup", subject: "/proc/self/cgroup", errno: ENOENT)
        }
        let layout = TargetCgroupLayout.decide(
            ownCgroup: ownPath,
            isServiceMainProcess: environment["SYSTEMD_EXEC_PID"] == String(pid),
            hierarchyRoot: hierarchy.mount.root,
            stateDirectory: stateDirectory
        )
        let delegated = layout.daemonLeaf.map {
            hasDelegateAttribute(directory(ofPath: TargetCgroupLayout.parent(of: $0), in: hierarchy.mount))
        }
        let cgroups = TargetCgroups(
            layout: layout,
            mount: hierarchy.mount,
            v1Hierarchy: hierarchy.name,
            delegationConfirmed: delegated
        )
        if let leaf = layout.daemonLeaf, ownPath != leaf {
            let directory = try cgroups.make(leaf)
            try writeText(String(pid), to: directory + "/cgroup.procs")
        }
        _ = try cgroups.make(layout.targetsParent)
        return cgroups
    }

    init(layout: TargetCgroupLayout, mount: MountInfo.Mount, v1Hierarchy: String?, delegationConfirmed: Bool?) {
        self.layout = layout
        self.mount = mount
        self.v1Hierarchy = v1Hierarchy
        self.delegationConfirmed = delegationConfirmed
    }

    /// The cgroup path of `target`'s cgroup.
    public func path(of target: String) -> String {
        layout.cgroup(of: target)
    }

    /// The directory of `target`'s cgroup (whether or not it exists).
    public func directory(of target: String) -> String {
        directory(ofPath: layout.cgroup(of: target))
    }

    /// `target`'s cgroup as `CgroupControl` and `CgroupReader` take it.
    public func directories(of target: String) -> CgroupDirectories {
        let directory = directory(of: target)
        guard let v1Hierarchy else { return CgroupDirectories(unified: directory) }
        return CgroupDirectories(controllers: [v1Hierarchy: directory])
    }

    /// Makes `target`'s cgroup (and its parents) if it does not exist.
    /// - Returns: its directory.
    /// - Throws: `SystemError` from `mkdir`, naming the directory.
    @discardableResult
    public func create(_ target: String) throws(SystemError) -> String {
        try make(layout.cgroup(of: target))
    }

    /// Whether `target`'s cgroup exists.
    public func exists(_ target: String) -> Bool {
        DirectoryEntries.isDirectory(directory(of: target))
    }

    /// The processes in `target`'s cgroup; empty when it has none or does not exist.
    public func processes(of target: String) -> [Int32] {
        CgroupControl.processes(in: directories(of: target))
    }

    /// Removes `target`'s cgroup if it is empty.
    /// - Returns: whether it is gone (removed now, or never made).
    @discardableResult
    public func remove(_ target: String) -> Bool {
        let directory = directory(of: target)
        return rmdir(directory) == 0 || errno == ENOENT
    }

    /// Removes the targets' parent cgroup if no target's cgroup is left in it (and, outside systemd, the shared
    /// `vigil` cgroup above it if no other vigild uses it).
    public func removeParentIfEmpty() {
        guard rmdir(directory(ofPath: layout.targetsParent)) == 0 else { return }
        if layout.daemonLeaf == nil {
            _ = rmdir(directory(ofPath: TargetCgroupLayout.parent(of: layout.targetsParent)))
        }
    }

    /// The directory of a cgroup path in the hierarchy used.
    func directory(ofPath path: String) -> String {
        Self.directory(ofPath: path, in: mount)
    }

    /// The directory of a cgroup path under `mount` (the mount's root taken off the front).
    static func directory(ofPath path: String, in mount: MountInfo.Mount) -> String {
        var relative = Substring(path)
        if mount.root != "/", relative.hasPrefix(mount.root) {
            relative = relative.dropFirst(mount.root.count)
        }
        let trimmed = relative.drop(while: { $0 == "/" })
        return trimmed.isEmpty ? mount.mountPoint : TargetCgroupLayout.join(mount.mountPoint, String(trimmed))
    }

    /// `mkdir -p` for a cgroup path. Another vigild may remove the shared parent between two steps: ENOENT is tried
    /// again from the top a few times.
    private func make(_ path: String) throws(SystemError) -> String {
        let target = directory(ofPath: path)
        var attempt = 0
        while true {
            var current = mount.mountPoint
            var failure: SystemError?
            for component in target.dropFirst(mount.mountPoint.count).split(separator: "/") {
                current = TargetCgroupLayout.join(current, String(component))
                if mkdir(current, 0o755) != 0, errno != EEXIST {
                    failure = SystemError(call: "mkdir", subject: current, errno: errno)
                    break
                }
            }
            guard let failure else { return target }
            attempt += 1
            if failure.errno != ENOENT || attempt >= 5 {
                throw failure
            }
        }
    }

    private static func hasDelegateAttribute(_ directory: String) -> Bool {
        var value: UInt8 = 0
        return getxattr(directory, "trusted.delegate", &value, 1) > 0 && value == UInt8(ascii: "1")
    }

    private static func writeText(_ text: String, to path: String) throws(SystemError) {
        let fd = try valueOrErrno("open", path) { open(path, O_WRONLY | O_CLOEXEC) }
        defer { close(fd) }
        let written = try valueOrErrno("write", path) { text.withCString { write(fd, $0, strlen($0)) } }
        guard written == text.utf8.count else { throw SystemError(call: "write", subject: path, errno: EIO) }
    }
}

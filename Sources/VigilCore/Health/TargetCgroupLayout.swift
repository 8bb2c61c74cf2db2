/// Where vigild puts the cgroups of its process targets: one cgroup per target, all children of one parent, so
/// that whatever a target leaves behind (a daemon that double-forked out of its process group, an orphan of a
/// vigild killed right after `clone`) can be found, killed and adopted.
///
/// Two layouts, decided from where vigild itself runs:
///
/// - **A systemd service** (vigild is the process systemd started for the unit, `Delegate=yes` in its unit): the
///   unit's cgroup is vigild's to divide, and systemd's rule is that processes live only in leaves. vigild moves
///   itself into `UNIT/daemon` and puts each target in `UNIT/targets/NAME`:
///
///   ```
///   /system.slice/vigild.service/daemon        vigild
///   /system.slice/vigild.service/targets/web   web and everything it forks
///   ```
///
/// - **Anything else** (a shell, a container without systemd, a test runner): vigild stays where it is (moving it
///   could move whoever started it along) and the targets go under the hierarchy's root, in a subtree named after
///   vigild's state directory, which is what tells two vigilds on one host apart and what stays the same across
///   restarts of one vigild: `/vigil/var-lib-vigil/web`.
public struct TargetCgroupLayout: Sendable, Equatable {
    /// The cgroup whose children are the targets' cgroups.
    public var targetsParent: String
    /// The leaf vigild moves itself into before it starts anything; `nil` leaves vigild where it is.
    public var daemonLeaf: String?

    public init(targetsParent: String, daemonLeaf: String? = nil) {
        self.targetsParent = targetsParent
        self.daemonLeaf = daemonLeaf
    }

    /// Decides the layout.
    /// - Parameters:
    ///   - ownCgroup: vigild's own cgroup path (from `/proc/self/cgroup`).
    ///   - isServiceMainProcess: whether vigild is the main process systemd started for a unit
    ///     (`$SYSTEMD_EXEC_PID` is vigild's PID): only then is its cgroup a unit's, delegated to it.
    ///   - hierarchyRoot: the cgroup path at the root of the mounted hierarchy (`/`, or a container's subtree).
    ///   - stateDirectory: vigild's state directory, which names the subtree when vigild is not a service.
    public static func decide(
        ownCgroup: String,
        isServiceMainProcess: Bool,
        hierarchyRoot: String,
        stateDirectory: String
    ) -> TargetCgroupLayout {
        if isServiceMainProcess, ownCgroup != "/" {
            // A vigild that already moved itself (and was started again by exec in the same leaf) is in `daemon`.
            var unit = ownCgroup
            if unit.split(separator: "/").last == "daemon" {
                unit = parent(of: unit)
            }
            return TargetCgroupLayout(targetsParent: join(unit, "targets"), daemonLeaf: join(unit, "daemon"))
        }
        return TargetCgroupLayout(
            targetsParent: join(join(hierarchyRoot, "vigil"), instanceName(stateDirectory: stateDirectory))
        )
    }

    /// The cgroup path of `target`'s cgroup.
    public func cgroup(of target: String) -> String {
        Self.join(targetsParent, Self.escape(target))
    }

    /// A target name as a cgroup directory name. Names that could clash with the kernel's own files (any name with a
    /// dot, as `cgroup.procs` and `memory.max` have; v1's `tasks`, `notify_on_release`, `release_agent`) or that
    /// start with `_` get a `_` in front, as systemd escapes unit names in cgroup paths; the mapping stays one to
    /// one.
    public static func escape(_ name: String) -> String {
        let clashes = name.hasPrefix("_") || name.contains(".") || kernelFileNames.contains(name)
        return clashes ? "_" + name : name
    }

    private static let kernelFileNames: Set<String> = ["tasks", "notify_on_release", "release_agent"]

    /// The state directory as one cgroup name, escaped as `systemd-escape --path` does (`/var/lib/vigil` →
    /// `var-lib-vigil`), then as a target name; a very long path becomes a hash of it.
    public static func instanceName(stateDirectory: String) -> String {
        let components = stateDirectory.split(separator: "/", omittingEmptySubsequences: true)
        guard !components.isEmpty else { return "-" }
        var escaped = ""
        for (index, component) in components.enumerated() {
            if index > 0 {
                escaped += "-"
            }
            for (offset, byte) in component.utf8.enumerated() {
                let allowed =
                    (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == 0x3A || byte == 0x5F || (byte == 0x2E && !(index == 0 && offset == 0))
                if allowed {
                    escaped.unicodeScalars.append(Unicode.Scalar(byte))
                } else {
                    escaped += "\\x" + hex(byte)
                }
            }
        }
        guard escaped.utf8.count <= 200 else {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in stateDirectory.utf8 {
                hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
            }
            return "state-" + String(hash, radix: 16)
        }
        return escape(escaped)
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }

    /// `parent/child` for cgroup paths.
    public static func join(_ parent: String, _ child: String) -> String {
        parent.hasSuffix("/") ? parent + child : parent + "/" + child
    }

    /// The parent of a cgroup path (`/a/b` → `/a`, `/a` → `/`).
    public static func parent(of path: String) -> String {
        let components = path.split(separator: "/")
        return "/" + components.dropLast().joined(separator: "/")
    }
}

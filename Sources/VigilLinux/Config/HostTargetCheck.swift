import VigilCore

#if canImport(Glibc)
import Glibc
#endif

/// Checks what each target watches against this host, so that a value that parses but cannot work here is an error
/// (or, when it may start working later, a warning) at load time instead of a target that silently watches nothing.
///
/// - A `cgroup` given as a directory under a cgroup mount (`/sys/fs/cgroup/memory/db`) is read as the cgroup it is
///   (`/db`); one under a mount that only holds hierarchies (`/sys/fs/cgroup` on a hybrid host), or a hierarchy's
///   root, is an error that shows the form to write; a cgroup found in no hierarchy is a warning (it may appear).
/// - A cgroup or vm target on a host with no cgroup hierarchy mounted is an error.
/// - A watch-only vm whose machine has no scope now, a PID file whose directory is missing and a systemd unit with
///   no unit file are warnings.
struct HostTargetCheck {
    /// The mounts as this process sees them; `nil` when `/proc/self/mountinfo` could not be read.
    let mountInfo: MountInfo?
    let mountInfoError: String?
    let root: HostRoot
    /// Where systemd looks for unit files, in its order (`systemd-analyze unit-paths`, without generators).
    let unitDirectories: [String]
    var problems: [ConfigProblem] = []
    var warnings: [ConfigProblem] = []

    static let systemUnitDirectories = [
        "/etc/systemd/system", "/run/systemd/system", "/run/systemd/transient", "/usr/local/lib/systemd/system",
        "/lib/systemd/system", "/usr/lib/systemd/system",
    ]

    /// Reads this host's mounts.
    /// - Parameters:
    ///   - reader: where `/proc/self/mountinfo` is read from.
    ///   - unitDirectories: where unit files are looked for.
    init(reader: HostReader = HostReader(), unitDirectories: [String] = Self.systemUnitDirectories) {
        do {
            mountInfo = try reader.mountInfo()
            mountInfoError = nil
        } catch {
            mountInfo = nil
            mountInfoError = "\(error)"
        }
        root = reader.root
        self.unitDirectories = unitDirectories
    }

    /// Checks one target, rewriting a cgroup given as a mount path into the cgroup it names.
    mutating func check(_ target: inout TargetConfig, index: Int, map: ConfigSourceMap) {
        let place = Place(target: target.name, index: index, map: map)
        if target.kind == .cgroup || (target.kind == .vm && target.machine != nil) {
            checkCgroupHierarchies(target, place)
        }
        if target.kind == .cgroup, let cgroup = target.cgroup, let mountInfo, !mountInfo.cgroupMounts.isEmpty {
            target.cgroup = checkCgroup(cgroup, mountInfo: mountInfo, hasStart: !target.exec.isEmpty, place)
        }
        if target.kind == .vm, target.domain == nil, target.exec.isEmpty, let machine = target.machine,
            let mountInfo, !mountInfo.cgroupMounts.isEmpty
        {
            let locator = CgroupLocator(mountInfo: mountInfo, root: root)
            if MachineScopeLocator(locator: locator).cgroupPath(of: machine) == nil {
                let message =
                    "machine \(Self.quoted(machine)) has no scope under /machine.slice now: the target "
                    + "waits until it runs"
                warnings.append(place.problem("machine", message))
            }
        }
        if let pidFile = target.pidFile {
            let directory = String(pidFile[..<(pidFile.lastIndex(of: "/") ?? pidFile.startIndex)])
            if !directory.isEmpty, !DirectoryEntries.isDirectory(root.resolve(directory)) {
                let message =
                    "the directory \(Self.quoted(directory)) does not exist: the target's daemon must "
                    + "create it before it writes its PID file, or vigild will not find the target"
                warnings.append(place.problem("pid_file", message))
            }
        }
        // A service target's unit, or the unit the systemd actuator starts a process target as.
        var unit = target.unit.map { (name: $0, key: ["unit"]) }
        if target.actuator?.name == SystemdActuator.name, case .string(let name)? = target.actuator?.values["unit"] {
            unit = (name, ["actuator", "unit"])
        }
        if let unit, !unitDirectories.isEmpty, !hasUnitFile(unit.name) {
            let message =
                "no unit file for \(Self.quoted(unit.name)) in \(unitDirectories.joined(separator: ", ")): "
                + "systemd cannot start it until one is installed (check the name)"
            warnings.append(place.problem(unit.key, message))
        }
    }

    private mutating func checkCgroupHierarchies(_ target: TargetConfig, _ place: Place) {
        guard let mountInfo else {
            let message = "cannot find the cgroup hierarchies (\(mountInfoError ?? "?")): the target cannot be watched"
            warnings.append(place.problem(target.kind == .cgroup ? "cgroup" : "machine", message))
            return
        }
        if mountInfo.cgroupMounts.isEmpty {
            let message =
                "no cgroup hierarchy is mounted on this host (/proc/self/mountinfo lists no cgroup or cgroup2 "
                + "mount): a \(target.kind.rawValue) target cannot be watched here"
            problems.append(place.problem(target.kind == .cgroup ? "cgroup" : "machine", message))
        }
    }

    /// The cgroup `configured` names, or `nil` after reporting why it names none.
    private mutating func checkCgroup(
        _ configured: String,
        mountInfo: MountInfo,
        hasStart: Bool,
        _ place: Place
    ) -> String? {
        let mounts = mountInfo.cgroupMounts
        let cgroup: String
        switch mountInfo.classifyCgroupPath(configured) {
        case .cgroup(let path):
            cgroup = path
        case .mountPath(let path, _):
            cgroup = path
        case .hierarchyRoot(let mountPoint):
            let message =
                "\(Self.quoted(configured)) is the root of the cgroup hierarchy mounted at \(mountPoint), "
                + "not a cgroup to watch: name one below it, e.g. cgroup = \"/system.slice/db.service\" (or "
                + "\"\(mountPoint)/db\")"
            problems.append(place.problem("cgroup", message))
            return nil
        case .notACgroup(let mountPoint, let type, let hierarchies):
            let rest = configured.split(separator: "/").dropFirst(mountPoint.split(separator: "/").count)
            let name = rest.isEmpty ? "NAME" : rest.joined(separator: "/")
            let example = Self.preferredHierarchy(mounts, among: hierarchies) ?? hierarchies[0]
            let message =
                "\(Self.quoted(configured)) is under \(mountPoint) (\(type)), which is not a cgroup "
                + "hierarchy: write the cgroup as /proc/PID/cgroup shows it, cgroup = \"/\(name)\", or as a directory "
                + "of a hierarchy mounted here, e.g. cgroup = \"\(example)/\(name)\""
            problems.append(place.problem("cgroup", message))
            return nil
        }
        let locator = CgroupLocator(mounts: mounts, root: root)
        if locator.locate(cgroup).isEmpty {
            var searched: [String] = []
            if let unified = mounts.unified {
                searched.append("cgroup2 at \(unified.mountPoint)")
            }
            if let memory = mounts.controllers["memory"] {
                searched.append("memory at \(memory.mountPoint)")
            }
            let others =
                Set(mounts.controllers.values.map(\.mountPoint)).count - (mounts.controllers["memory"] == nil ? 0 : 1)
            if others > 0 {
                searched.append("\(others) other v1 hierarch\(others == 1 ? "y" : "ies")")
            }
            let wait = hasStart ? "the start command must create it" : "the target waits until it appears"
            let message =
                "cgroup \(Self.quoted(cgroup)) does not exist in any cgroup hierarchy on this host "
                + "(\(searched.joined(separator: ", "))): \(wait)"
            warnings.append(place.problem("cgroup", message))
        }
        return cgroup
    }

    /// The hierarchy to show in an example: the memory controller's (OOM kills are read there), else cgroup2.
    private static func preferredHierarchy(_ mounts: CgroupMounts, among candidates: [String]) -> String? {
        [mounts.controllers["memory"]?.mountPoint, mounts.unified?.mountPoint].compactMap { $0 }
            .first { candidates.contains($0) }
    }

    /// Whether systemd has a unit file for `unit` (a template's `name@.service` for an instance `name@x.service`).
    private func hasUnitFile(_ unit: String) -> Bool {
        var names = [unit]
        if let at = unit.firstIndex(of: "@"), let dot = unit.lastIndex(of: "."), at < dot {
            names.append(String(unit[...at]) + String(unit[dot...]))
        }
        for directory in unitDirectories {
            for name in names {
                // lstat: a masked unit is a link to /dev/null, and a dangling link is still a unit file.
                var info = stat()
                if lstat(root.resolve(directory + "/" + name), &info) == 0 {
                    return true
                }
            }
        }
        return false
    }

    /// A value as the configuration would write it, in double quotes.
    private static func quoted(_ text: String) -> String {
        "\"" + text.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
    }

    /// Where a target's problems go: `target[NAME].KEY` at the key's line.
    struct Place {
        let target: String
        let index: Int
        let map: ConfigSourceMap

        func problem(_ key: String, _ message: String) -> ConfigProblem {
            problem([key], message)
        }

        /// A problem with a key inside a table of the target (`["actuator", "unit"]`).
        func problem(_ key: [String], _ message: String) -> ConfigProblem {
            let line = map.line(of: ["target", String(index)] + key) ?? map.line(of: ["target", String(index)])
            return ConfigProblem(line: line, key: "target[\(target)].\(key.joined(separator: "."))", message: message)
        }
    }
}

extension CgroupMounts {
    /// Whether no hierarchy at all is mounted.
    var isEmpty: Bool { unified == nil && controllers.isEmpty }
}

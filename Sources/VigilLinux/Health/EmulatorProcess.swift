import VigilCore

/// Finds the QEMU process of a libvirt domain in `/proc`, by the `-uuid` (or `-name guest=`) of its command line
/// (`EmulatorCommandLine`), and the cgroups libvirt made for the domain from that process's own. Only emulators on
/// this host (and in this PID namespace) are found: a remote connection's domains have none here.
public enum EmulatorProcess {
    /// The PID of the domain's emulator, if one runs here. With no UUID, only a single process with the name counts:
    /// two daemons (a session and the system one) may each run a domain of that name.
    /// - Parameters:
    ///   - domain: the domain's name.
    ///   - uuid: its UUID, when libvirt has said it.
    ///   - root: where `/proc` is read.
    public static func find(domain: String, uuid: String?, root: HostRoot = .host) -> Int32? {
        guard let entries = try? DirectoryEntries.names(in: root.resolve("/proc")) else { return nil }
        var found: [Int32] = []
        for entry in entries {
            guard let pid = Int32(entry), pid > 1, runs(pid, domain: domain, uuid: uuid, root: root) else { continue }
            found.append(pid)
        }
        return found.count == 1 ? found[0] : nil
    }

    /// Whether process `pid` is the domain's emulator now, by its command line (`EmulatorCommandLine.runs`).
    /// - Parameters:
    ///   - pid: the process.
    ///   - domain: the domain's name.
    ///   - uuid: its UUID, when libvirt has said it.
    ///   - root: where `/proc` is read.
    public static func runs(_ pid: Int32, domain: String, uuid: String?, root: HostRoot = .host) -> Bool {
        guard let text = try? FileText.read(root.resolve("/proc/\(pid)/cmdline")), text.contains("-name\0") else {
            return false
        }
        return EmulatorCommandLine.parse(text).runs(domain: domain, uuid: uuid)
    }

    /// The directories of the cgroup libvirt made for the domain whose emulator is `pid`, or why there is none.
    /// - Parameters:
    ///   - pid: the emulator.
    ///   - locator: where the cgroup hierarchies are mounted.
    ///   - root: where `/proc` is read.
    public static func domainCgroup(
        of pid: Int32,
        locator: CgroupLocator,
        root: HostRoot = .host
    ) -> Result<CgroupDirectories, HealthReadError> {
        let cgroups: ProcessCgroups
        do {
            cgroups = try CgroupProcess.cgroups(of: pid, root: root)
        } catch {
            return .failure(error)
        }
        guard let domain = cgroups.libvirtDomain else {
            return .failure(
                .unavailable(
                    "libvirt made no cgroup for the domain (its emulator \(pid) runs in "
                        + "\(cgroups.unified ?? cgroups.controllers.values.first ?? "?"), e.g. under a session daemon)"
                )
            )
        }
        return .success(locator.locate(domain))
    }
}

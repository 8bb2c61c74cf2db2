/// The cgroups libvirt made for a domain, found from its emulator's own (`/proc/QEMU/cgroup`).
///
/// libvirt puts a QEMU in a cgroup of the domain's and its threads in children of it (`emulator`, `vcpu0`,
/// `libvirt/emulator`): a root libvirtd without systemd under `/machine/qemu-N-NAME.libvirt-qemu` (each v1 hierarchy,
/// and cgroup2 where it is mounted), one with systemd under
/// `/machine.slice/machine-qemu\x2dN\x2dNAME.scope`. The domain's figures are those of that cgroup, so the path is cut
/// after it. A QEMU of a session libvirtd runs in its daemon's cgroup: no such component, no figures (the daemon's
/// cgroup is not the domain's).
extension ProcessCgroups {
    /// The domain's cgroup in each hierarchy where the emulator runs under one; `nil` when it runs under none.
    public var libvirtDomain: ProcessCgroups? {
        var result = ProcessCgroups()
        result.unified = unified.flatMap(Self.libvirtDomainPath)
        for (controller, path) in controllers {
            result.controllers[controller] = Self.libvirtDomainPath(path)
        }
        return result.unified == nil && result.controllers.isEmpty ? nil : result
    }

    /// `path` cut after its component that libvirt names for a domain (`qemu-3-web1.libvirt-qemu`,
    /// `machine-qemu\x2d3\x2dweb1.scope`); `nil` when it has none.
    public static func libvirtDomainPath(_ path: String) -> String? {
        let components = path.split(separator: "/")
        guard let index = components.firstIndex(where: isLibvirtDomainCgroup) else { return nil }
        return "/" + components[...index].joined(separator: "/")
    }

    static func isLibvirtDomainCgroup(_ name: Substring) -> Bool {
        for (prefix, separator, suffix) in [
            ("qemu-", "-", ".libvirt-qemu"), ("machine-qemu\\x2d", "\\x2d", ".scope"),
        ] {
            guard name.hasPrefix(prefix), name.hasSuffix(suffix) else { continue }
            let middle = name.dropFirst(prefix.count).dropLast(suffix.count)
            guard let split = middle.range(of: separator) else { continue }
            let id = middle[..<split.lowerBound]
            if !id.isEmpty, id.allSatisfy(\.isNumber), split.upperBound < middle.endIndex {
                return true
            }
        }
        return false
    }
}

import VigilCore

/// Finds the cgroup of a virtual machine or container by its name: the scope that libvirt's QEMU driver
/// (`machine-qemu\x2d<ID>\x2d<NAME>.scope`) or systemd-machined for `systemd-nspawn` (`machine-<NAME>.scope`)
/// creates under `machine.slice`. Names are escaped as systemd escapes unit names (`-` becomes `\x2d`).
public struct MachineScopeLocator: Sendable {
    public let locator: CgroupLocator

    public init(locator: CgroupLocator) {
        self.locator = locator
    }

    /// The cgroup path of the machine's scope (`/machine.slice/machine-web1.scope`), if it exists now.
    public func cgroupPath(of machine: String) -> String? {
        let escaped = Self.escape(machine)
        for slice in ["/machine.slice"] {
            let directories = locator.locate(slice)
            let listed = CgroupControl.candidateDirectories(directories)
            for directory in listed {
                guard let names = try? DirectoryEntries.names(in: directory) else { continue }
                if let name = names.first(where: { Self.matches($0, escaped: escaped) }) {
                    return slice + "/" + name
                }
            }
        }
        return nil
    }

    /// Whether a scope name belongs to the machine: nspawn's exact name, or libvirt's with any domain id.
    public static func matches(_ scope: String, escaped: String) -> Bool {
        if scope == "machine-\(escaped).scope" {
            return true
        }
        let prefix = "machine-qemu\\x2d"
        let suffix = "\\x2d\(escaped).scope"
        guard scope.hasPrefix(prefix), scope.hasSuffix(suffix), scope.count > prefix.count + suffix.count else {
            return false
        }
        let id = scope.dropFirst(prefix.count).dropLast(suffix.count)
        return id.allSatisfy(\.isNumber)
    }

    /// systemd's unit-name escaping of a machine name: `-` and characters outside `[A-Za-z0-9:_.]` as `\xNN`.
    public static func escape(_ name: String) -> String {
        var result = ""
        for byte in name.utf8 {
            let scalar = Unicode.Scalar(byte)
            let plain =
                ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || scalar == ":" || scalar == "_" || (scalar == "." && !result.isEmpty)
            result +=
                plain ? String(Character(scalar)) : "\\x" + String(byte, radix: 16, uppercase: false).leftPadded(2)
        }
        return result
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

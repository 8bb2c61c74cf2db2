import VigilCore

#if canImport(Glibc)
import Glibc
#endif

/// Reads host-wide health from `/proc` and `/sys` under a root, keeping each file open between polls.
///
/// Not `Sendable`: it owns open files and is used from one queue.
public final class HostReader {
    /// Where `/proc` and `/sys` are read from.
    public let root: HostRoot
    let files = KeptOpenFiles()

    public init(root: HostRoot = .host) {
        self.root = root
    }

    /// Pressure stall information for cpu, memory and io, or the reason the kernel has none.
    /// - Throws: `HealthReadError` when a pressure file exists but cannot be read or parsed.
    public func pressure() throws(HealthReadError) -> PressureSupport {
        let directory = root.resolve("/proc/pressure")
        guard DirectoryEntries.isDirectory(directory) else {
            return .unsupported(reason: "\(directory) is missing: kernel without CONFIG_PSI")
        }
        var result = HostPressure()
        for resource in PressureResource.allCases {
            let path = directory + "/" + resource.rawValue
            let text: String?
            do {
                text = try files.read(path)
            } catch {
                // With psi=0 (or CONFIG_PSI_DEFAULT_DISABLED) the files exist but reading them fails.
                if error.errno == EOPNOTSUPP {
                    return .unsupported(reason: "\(path): PSI disabled (boot with psi=1)")
                }
                throw .system(error)
            }
            guard let text else { continue }
            let stall = try parse(path, text, PressureStall.parse)
            switch resource {
            case .cpu: result.cpu = stall.resource
            case .memory: result.memory = stall.resource
            case .io: result.io = stall.resource
            }
        }
        return .supported(result)
    }

    /// `/proc/meminfo`.
    /// - Throws: `HealthReadError` when it cannot be read or parsed.
    public func memInfo() throws(HealthReadError) -> MemInfo {
        try read("/proc/meminfo", MemInfo.parse)
    }

    /// `/proc/loadavg`.
    /// - Throws: `HealthReadError` when it cannot be read or parsed.
    public func loadAverage() throws(HealthReadError) -> LoadAverage {
        try read("/proc/loadavg", LoadAverage.parse)
    }

    /// The CPU lines of `/proc/stat`.
    /// - Throws: `HealthReadError` when it cannot be read or parsed.
    public func procStat() throws(HealthReadError) -> ProcStat {
        try read("/proc/stat", ProcStat.parse)
    }

    /// `/proc/diskstats`.
    /// - Throws: `HealthReadError` when it cannot be read or parsed.
    public func diskStats() throws(HealthReadError) -> DiskStats {
        try read("/proc/diskstats", DiskStats.parse)
    }

    /// `/proc/self/mountinfo`: the mounts as this process sees them.
    /// - Throws: `HealthReadError` when it cannot be read or parsed.
    public func mountInfo() throws(HealthReadError) -> MountInfo {
        try read("/proc/self/mountinfo", MountInfo.parse)
    }

    /// Space on the file system holding `path` (a host path, resolved under the root).
    /// - Throws: `HealthReadError.system` from `statvfs`.
    public func freeSpace(of path: String) throws(HealthReadError) -> FileSystemSpace {
        let resolved = root.resolve(path)
        var info = statvfs()
        do {
            try valueOrErrno("statvfs", resolved) { statvfs(resolved, &info) }
        } catch {
            throw .system(error)
        }
        let unit = UInt64(info.f_frsize == 0 ? info.f_bsize : info.f_frsize)
        return FileSystemSpace(
            totalBytes: UInt64(info.f_blocks) * unit,
            availableBytes: UInt64(info.f_bavail) * unit,
            freeBytes: UInt64(info.f_bfree) * unit,
            totalInodes: UInt64(info.f_files),
            availableInodes: UInt64(info.f_favail),
            isReadOnly: info.f_flag & UInt(ST_RDONLY) != 0
        )
    }

    /// Reads a file that must exist and parses it.
    func read<Value>(
        _ absolute: String,
        _ parser: (String) throws(KernelTextError) -> Value
    ) throws(HealthReadError) -> Value {
        let path = root.resolve(absolute)
        let text: String?
        do {
            text = try files.read(path)
        } catch {
            throw .system(error)
        }
        guard let text else {
            throw .system(SystemError(call: "open", subject: path, errno: ENOENT))
        }
        return try parse(path, text, parser)
    }

    /// Reads a file that may be absent (`nil`) and parses it.
    func readIfPresent<Value>(
        _ path: String,
        _ parser: (String) throws(KernelTextError) -> Value
    ) throws(HealthReadError) -> Value? {
        let text: String?
        do {
            text = try files.read(path)
        } catch {
            throw .system(error)
        }
        guard let text else { return nil }
        return try parse(path, text, parser)
    }

    func parse<Value>(
        _ path: String,
        _ text: String,
        _ parser: (String) throws(KernelTextError) -> Value
    ) throws(HealthReadError) -> Value {
        do {
            return try parser(text)
        } catch {
            throw .malformed(path: path, error)
        }
    }
}

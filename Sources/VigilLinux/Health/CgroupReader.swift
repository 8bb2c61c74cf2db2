import CLinux
import VigilCore

#if canImport(Glibc)
import Glibc
#endif

/// Reads one cgroup's v2 and v1 files, whichever exist, keeping each open between polls.
///
/// A file the cgroup does not have (a controller not enabled for it) reads as `nil`. When the cgroup itself is
/// removed, reads throw an error whose `fileVanished` is true.
///
/// Not `Sendable`: it owns open files and is used from one queue.
public final class CgroupReader {
    /// The directories read.
    public let directories: CgroupDirectories
    private let files: KeptOpenFiles

    public init(directories: CgroupDirectories) {
        self.directories = directories
        // On cgroupfs a removed cgroup's files fail with ENODEV; elsewhere (a fixture tree) an unlinked file would
        // serve its old contents, so only there does each read check for it.
        let probe = directories.unified ?? directories.controllers.values.sorted().first
        files = KeptOpenFiles(checksUnlinked: !(probe.map(Self.isCgroupFileSystem) ?? false))
    }

    /// Whether `path` is on cgroup2 or cgroup v1.
    static func isCgroupFileSystem(_ path: String) -> Bool {
        let type = vigil_fs_type(path)
        return type == 0x6367_7270 || type == 0x0027_e0eb
    }

    // MARK: v2

    /// `cgroup.events`.
    public func events() throws(HealthReadError) -> CgroupEvents? {
        try read(nil, "cgroup.events", CgroupEvents.parse)
    }

    /// `memory.events`; `nil` without the memory controller in v2.
    public func memoryEvents() throws(HealthReadError) -> MemoryEvents? {
        try read(nil, "memory.events", MemoryEvents.parse)
    }

    /// v2 `cpu.stat` (usage always; throttling with the cpu controller).
    public func cpuStat() throws(HealthReadError) -> CPUStat? {
        try read(nil, "cpu.stat", CPUStat.parse)
    }

    /// `io.stat`; `nil` without the io controller in v2.
    public func ioStat() throws(HealthReadError) -> IOStat? {
        try read(nil, "io.stat", IOStat.parse)
    }

    /// `memory.current`; `nil` without the memory controller in v2.
    public func memoryCurrent() throws(HealthReadError) -> UInt64? {
        try read(nil, "memory.current", KernelCounter.decimal)
    }

    /// `pids.current`, from v2 or else the v1 pids controller.
    public func pidsCurrent() throws(HealthReadError) -> UInt64? {
        if let current = try read(nil, "pids.current", KernelCounter.decimal) {
            return current
        }
        return try read("pids", "pids.current", KernelCounter.decimal)
    }

    /// `memory.max`.
    public func memoryMax() throws(HealthReadError) -> CgroupLimit? {
        try read(nil, "memory.max", CgroupLimit.parse)
    }

    /// `pids.max`, from v2 or else the v1 pids controller.
    public func pidsMax() throws(HealthReadError) -> CgroupLimit? {
        if let limit = try read(nil, "pids.max", CgroupLimit.parse) {
            return limit
        }
        return try read("pids", "pids.max", CgroupLimit.parse)
    }

    /// `cpu.pressure`, `memory.pressure` or `io.pressure`.
    public func pressure(_ resource: PressureResource) throws(HealthReadError) -> PressureStall? {
        try read(nil, resource.rawValue + ".pressure", PressureStall.parse)
    }

    // MARK: v1

    /// v1 `memory.oom_control`.
    public func memoryOOMControl() throws(HealthReadError) -> MemoryOOMControl? {
        try read("memory", "memory.oom_control", MemoryOOMControl.parse)
    }

    /// v1 `memory.usage_in_bytes`.
    public func memoryUsageV1() throws(HealthReadError) -> UInt64? {
        try read("memory", "memory.usage_in_bytes", KernelCounter.decimal)
    }

    /// v1 `memory.limit_in_bytes`.
    public func memoryLimitV1() throws(HealthReadError) -> CgroupLimit? {
        try read("memory", "memory.limit_in_bytes", CgroupLimit.parseV1)
    }

    /// v1 `cpuacct.usage`: CPU time used, in nanoseconds.
    public func cpuacctUsage() throws(HealthReadError) -> UInt64? {
        try read("cpuacct", "cpuacct.usage", KernelCounter.decimal)
    }

    /// v1 `cpu.stat` (throttling).
    public func cpuStatV1() throws(HealthReadError) -> CPUStat? {
        try read("cpu", "cpu.stat", CPUStat.parseV1)
    }

    /// Reads `file` in the v2 directory (`controller` nil) or a v1 controller's directory.
    private func read<Value>(
        _ controller: String?,
        _ file: String,
        _ parser: (String) throws(KernelTextError) -> Value
    ) throws(HealthReadError) -> Value? {
        let directory = controller.map { directories.controllers[$0] } ?? directories.unified
        guard let directory else { return nil }
        let path = directory + "/" + file
        // A controller file found missing is not looked for (nor its directory checked) again every tick.
        if files.skipsAbsent(path) {
            return nil
        }
        let text: String?
        do {
            text = try files.read(path)
        } catch {
            if error.fileVanished {
                files.forget(under: directory + "/")
            }
            throw .system(error)
        }
        guard let text else {
            // A missing file in a directory that is still there is a controller not enabled; a missing
            // directory is a removed cgroup, which the caller must hear about.
            guard DirectoryEntries.isDirectory(directory) else {
                files.forget(under: directory + "/")
                throw .system(SystemError(call: "open", subject: directory, errno: ENOENT))
            }
            files.markAbsent(path)
            return nil
        }
        do {
            return try parser(text)
        } catch {
            throw .malformed(path: path, error)
        }
    }
}

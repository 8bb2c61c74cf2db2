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
    /// Whether kept files check for being unlinked on every read (not needed on cgroupfs).
    private let checksUnlinked: Bool
    /// One per `CgroupFile`, by its raw value.
    private var slots: [Slot]

    /// The state of one file (16 bytes: a reader exists per watched cgroup).
    private struct Slot {
        var file: KeptOpenFile?
        /// Reads skipped since the file was found missing (see `absentRetry`); -1 unless it was.
        var absentSkips: Int32 = -1
        /// Whether the cgroup is in the hierarchy that holds the file.
        var inHierarchy: Bool
    }

    /// A controller that is not enabled stays so: a file found missing is looked for again (and its directory
    /// checked) only every `absentRetry` reads rather than every tick — five minutes at the default 1 s tick, for a
    /// controller enabled later through `cgroup.subtree_control` (a reload or a re-attached cgroup looks at once).
    /// On a hybrid host every cgroup2 controller file is missing for good; at 30 reads these re-probes were about
    /// 270 failed system calls per tick at 1000 cgroups.
    static let absentRetry = 300

    public init(directories: CgroupDirectories) {
        self.directories = directories
        // On cgroupfs a removed cgroup's files fail with ENODEV; elsewhere (a fixture tree) an unlinked file would
        // serve its old contents, so only there does each read check for it.
        let probe = directories.unified ?? directories.controllers.values.sorted().first
        checksUnlinked = !(probe.map(Self.isCgroupFileSystem) ?? false)
        slots = CgroupFile.allCases.map { file in
            Slot(inHierarchy: Self.directory(of: file, in: directories) != nil)
        }
    }

    /// The directory that holds `file`, if the cgroup is in its hierarchy.
    private static func directory(of file: CgroupFile, in directories: CgroupDirectories) -> String? {
        file.controller.map { directories.controllers[$0] } ?? directories.unified
    }

    /// Whether `path` is on cgroup2 or cgroup v1.
    static func isCgroupFileSystem(_ path: String) -> Bool {
        let type = vigil_fs_type(path)
        return type == 0x6367_7270 || type == 0x0027_e0eb
    }

    // MARK: v2

    /// `cgroup.events`.
    public func events() throws(HealthReadError) -> CgroupEvents? {
        try read(.events, text: CgroupEvents.parse)
    }

    /// `memory.events`; `nil` without the memory controller in v2.
    public func memoryEvents() throws(HealthReadError) -> MemoryEvents? {
        try read(.memoryEvents, text: MemoryEvents.parse)
    }

    /// v2 `cpu.stat` (usage always; throttling with the cpu controller).
    public func cpuStat() throws(HealthReadError) -> CPUStat? {
        try read(.cpuStat, CPUStat.parse(bytes:))
    }

    /// `io.stat`; `nil` without the io controller in v2.
    public func ioStat() throws(HealthReadError) -> IOStat? {
        try read(.ioStat, text: IOStat.parse)
    }

    /// `memory.current`; `nil` without the memory controller in v2.
    public func memoryCurrent() throws(HealthReadError) -> UInt64? {
        try read(.memoryCurrent, KernelCounter.decimal(bytes:))
    }

    /// `pids.current`, from v2 or else the v1 pids controller.
    public func pidsCurrent() throws(HealthReadError) -> UInt64? {
        if let current = try read(.pidsCurrent, KernelCounter.decimal(bytes:)) {
            return current
        }
        return try read(.pidsCurrentV1, KernelCounter.decimal(bytes:))
    }

    /// `memory.max`.
    public func memoryMax() throws(HealthReadError) -> CgroupLimit? {
        try read(.memoryMax, text: CgroupLimit.parse)
    }

    /// `pids.max`, from v2 or else the v1 pids controller.
    public func pidsMax() throws(HealthReadError) -> CgroupLimit? {
        if let limit = try read(.pidsMax, text: CgroupLimit.parse) {
            return limit
        }
        return try read(.pidsMaxV1, text: CgroupLimit.parse)
    }

    /// `cpu.pressure`, `memory.pressure` or `io.pressure`.
    public func pressure(_ resource: PressureResource) throws(HealthReadError) -> PressureStall? {
        try read(.pressure(resource), PressureStall.parse(bytes:))
    }

    // MARK: v1

    /// v1 `memory.oom_control`.
    public func memoryOOMControl() throws(HealthReadError) -> MemoryOOMControl? {
        try read(.memoryOOMControlV1, text: MemoryOOMControl.parse)
    }

    /// v1 `memory.usage_in_bytes`.
    public func memoryUsageV1() throws(HealthReadError) -> UInt64? {
        try read(.memoryUsageV1, KernelCounter.decimal(bytes:))
    }

    /// v1 `memory.limit_in_bytes`.
    public func memoryLimitV1() throws(HealthReadError) -> CgroupLimit? {
        try read(.memoryLimitV1, text: CgroupLimit.parseV1)
    }

    /// v1 `cpuacct.usage`: CPU time used, in nanoseconds.
    public func cpuacctUsage() throws(HealthReadError) -> UInt64? {
        try read(.cpuacctUsageV1, KernelCounter.decimal(bytes:))
    }

    /// v1 `cpu.stat` (throttling).
    public func cpuStatV1() throws(HealthReadError) -> CPUStat? {
        try read(.cpuStatV1, text: CPUStat.parseV1)
    }

    /// Reads a file whose parser takes text.
    private func read<Value>(
        _ file: CgroupFile,
        text parse: (String) throws(KernelTextError) -> Value
    ) throws(HealthReadError) -> Value? {
        try read(file) { bytes throws(KernelTextError) in try parse(String(decoding: bytes, as: UTF8.self)) }
    }

    /// Reads `file` from its kept descriptor (opened on first use) and parses its bytes.
    ///
    /// A kept file that vanished is opened afresh once: a fixture file replaced by a new one is then read from its
    /// new inode, and a cgroup that is really gone reads as gone.
    private func read<Value>(
        _ file: CgroupFile,
        _ parse: (UnsafeRawBufferPointer) throws(KernelTextError) -> Value
    ) throws(HealthReadError) -> Value? {
        let index = file.rawValue
        guard slots[index].inHierarchy else { return nil }
        let skipped = slots[index].absentSkips
        if skipped >= 0 {
            if skipped < Self.absentRetry {
                slots[index].absentSkips = skipped + 1
                return nil
            }
            slots[index].absentSkips = -1
        }
        if let kept = slots[index].file {
            var result: Result<Value, KernelTextError>?
            do {
                result = try kept.withContents(parse)
            } catch {
                slots[index].file = nil
                guard error.fileVanished else { throw .system(error) }
            }
            if let result {
                return try parsed(result, file)
            }
        }
        guard let directory = Self.directory(of: file, in: directories) else { return nil }
        let opened: KeptOpenFile
        do {
            opened = try KeptOpenFile(directory: directory, name: file.name, checksUnlinked: checksUnlinked)
        } catch {
            guard error.errno == ENOENT || error.errno == ENOTDIR else { throw .system(error) }
            // A missing file in a directory that is still there is a controller not enabled; a missing
            // directory is a removed cgroup, which the caller must hear about.
            guard DirectoryEntries.isDirectory(directory) else {
                forget(directory)
                throw .system(SystemError(call: "open", subject: directory, errno: ENOENT))
            }
            slots[index].absentSkips = 0
            return nil
        }
        let result: Result<Value, KernelTextError>
        do {
            result = try opened.withContents(parse)
        } catch {
            if error.fileVanished {
                forget(directory)
            }
            throw .system(error)
        }
        slots[index].file = opened
        return try parsed(result, file)
    }

    private func parsed<Value>(
        _ result: Result<Value, KernelTextError>,
        _ file: CgroupFile
    ) throws(HealthReadError) -> Value {
        switch result {
        case .success(let value):
            return value
        case .failure(let error):
            let directory = Self.directory(of: file, in: directories) ?? ""
            throw .malformed(path: directory + "/" + file.name, error)
        }
    }

    /// Closes every file in `directory` (a cgroup directory that is gone) and forgets which were missing.
    private func forget(_ directory: String) {
        for file in CgroupFile.allCases where Self.directory(of: file, in: directories) == directory {
            slots[file.rawValue].file = nil
            slots[file.rawValue].absentSkips = -1
        }
    }
}

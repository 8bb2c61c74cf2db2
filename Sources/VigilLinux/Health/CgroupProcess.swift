import VigilCore

/// What the kernel says about one process: its cgroups and its scheduler state.
///
/// These files are read once per call rather than kept open: a `/proc/PID` directory belongs to one process and
/// goes stale when it exits, so holding it open saves nothing.
public enum CgroupProcess {
    /// The cgroups of `pid`, from `/proc/PID/cgroup`.
    /// - Throws: `HealthReadError` (`fileVanished` when the process is gone).
    public static func cgroups(of pid: Int32, root: HostRoot = .host) throws(HealthReadError) -> ProcessCgroups {
        try read(root.resolve("/proc/\(pid)/cgroup"), ProcessCgroups.parse)
    }

    /// The state of `pid`, from `/proc/PID/stat`.
    /// - Throws: `HealthReadError` (`fileVanished` when the process is gone).
    public static func stat(of pid: Int32, root: HostRoot = .host) throws(HealthReadError) -> ProcessStat {
        try read(root.resolve("/proc/\(pid)/stat"), ProcessStat.parse)
    }

    /// The state of thread `tid` of process `owner`, from `/proc/OWNER/task/TID/stat`.
    /// - Throws: `HealthReadError` (`fileVanished` when the thread is gone).
    public static func stat(of tid: Int32, root: HostRoot = .host, owner: Int32) throws(HealthReadError) -> ProcessStat
    {
        try read(root.resolve("/proc/\(owner)/task/\(tid)/stat"), ProcessStat.parse)
    }

    private static func read<Value>(
        _ path: String,
        _ parser: (String) throws(KernelTextError) -> Value
    ) throws(HealthReadError) -> Value {
        let text: String
        do {
            text = try FileText.read(path)
        } catch {
            // A process that exits while /proc/PID/stat is being read makes read fail with ESRCH.
            throw .system(error)
        }
        do {
            return try parser(text)
        } catch {
            throw .malformed(path: path, error)
        }
    }
}

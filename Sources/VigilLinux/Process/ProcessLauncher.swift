import CLinux
import VigilCore

#if canImport(Glibc)
import Glibc
#endif

/// A process vigild started: its PID, a pidfd for it, and when it was started.
public struct SpawnedProcess: Sendable, Equatable {
    public var pid: Int32
    /// Owned by the caller, who must close it (a `PidfdWatcher` does).
    public var pidfd: Int32
    public var startedAt: MonotonicInstant
}

/// Starts programs for vigild: each in a process group of its own, with a pidfd taken atomically by `clone`
/// (so the PID can never be a recycled one), stdin on `/dev/null`, and only stdio inherited.
public enum ProcessLauncher {
    /// `statfs` `f_type` of a cgroup2 file system.
    static let cgroup2FileSystemMagic: Int64 = 0x6367_7270

    /// Spawns `spec`, in `spec.cgroupDirectory` when it names one.
    /// - Parameters:
    ///   - spec: what to run, fully resolved.
    ///   - stdout: descriptor for the program's standard output (e.g. a journal stream); `-1` inherits vigild's.
    ///   - stderr: likewise for standard error.
    /// - Returns: the new process; its pidfd is the caller's to close.
    /// - Throws: `SpawnError` naming the step (`execve`, `chdir`, `setresuid`, `join cgroup`…) and the path it was
    ///   about.
    public static func spawn(
        _ spec: LaunchSpec,
        stdout: Int32 = -1,
        stderr: Int32 = -1
    ) throws(SpawnError)
        -> SpawnedProcess
    {
        let devNull = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer {
            if devNull >= 0 {
                close(devNull)
            }
        }
        var cgroupFD: Int32 = -1
        var cgroupIsV2 = false
        if let directory = spec.cgroupDirectory {
            cgroupFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard cgroupFD >= 0 else {
                throw SpawnError(step: "open cgroup", subject: directory, errno: errno)
            }
            cgroupIsV2 = vigil_fs_type(directory) == cgroup2FileSystemMagic
        }
        defer {
            if cgroupFD >= 0 {
                close(cgroupFD)
            }
        }
        let argv = CStringArray(spec.arguments)
        let envp = CStringArray(spec.environment)
        defer {
            argv.free()
            envp.free()
        }
        var result = vigil_spawn_result()
        let groups = spec.credentials?.groups ?? []
        let status = spec.path.withCString { path in
            withOptionalCString(spec.workingDirectory) { cwd in
                groups.withUnsafeBufferPointer { groupBuffer in
                    var request = vigil_spawn_request()
                    request.path = path
                    request.argv = UnsafePointer(argv.pointer)
                    request.envp = UnsafePointer(envp.pointer)
                    request.cwd = cwd
                    if let credentials = spec.credentials {
                        request.set_ids = 1
                        request.uid = credentials.uid
                        request.gid = credentials.gid
                        request.groups = groupBuffer.baseAddress
                        request.ngroups = groupBuffer.count
                    }
                    request.stdin_fd = devNull
                    request.stdout_fd = stdout
                    request.stderr_fd = stderr
                    request.cgroup_fd = cgroupFD
                    request.cgroup_is_v2 = cgroupIsV2 ? 1 : 0
                    return vigil_spawn(&request, &result)
                }
            }
        }
        guard status == 0 else {
            throw SpawnError(code: result.failed_step, error: result.error, spec: spec)
        }
        return SpawnedProcess(
            pid: result.pid,
            pidfd: result.pidfd,
            startedAt: MonotonicInstant(nanoseconds: result.monotonic_nsec)
        )
    }

    /// Sends `signal` to every process in the group led by `pid`.
    /// - Returns: `false` when the group is already empty.
    /// - Throws: `SystemError` for anything but an empty group.
    @discardableResult
    public static func signalGroup(_ pid: Int32, _ signal: VigilCore.Signal) throws(SystemError) -> Bool {
        // kill(-0) is the caller's own process group and kill(-1) every process: never reach those by mistake.
        guard pid > 1 else { return false }
        do {
            try valueOrErrno("kill", "process group \(pid)") { kill(-pid, signal.number) }
            return true
        } catch  where error.errno == ESRCH {
            return false
        }
    }
}

private func withOptionalCString<R>(_ string: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let string else { return body(nil) }
    return string.withCString { body($0) }
}

/// A NULL-terminated `char *[]` for `execve`, freed explicitly once the spawn is done.
private struct CStringArray {
    let pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    let count: Int

    init(_ strings: [String]) {
        count = strings.count
        pointer = .allocate(capacity: strings.count + 1)
        for (index, string) in strings.enumerated() {
            pointer[index] = strdup(string)
        }
        pointer[strings.count] = nil
    }

    func free() {
        for index in 0..<count {
            Glibc.free(pointer[index])
        }
        pointer.deallocate()
    }
}

import CLinux
import Foundation
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

/// A small python3 program a test runs beside vigild (a watchdog stand-in, a register), started with vigil's own
/// launcher (its pidfd taken by `clone`, so the test kills exactly what it started) and ended by `stop()` or deinit.
public final class ScriptProcess: @unchecked Sendable {
    public let process: SpawnedProcess
    private let lock = NSLock()
    private var stopped = false

    /// Writes `script` to `directory/name.py` and runs it with `arguments`; its output goes to `directory/name.out`.
    /// - Throws: what writing the script or spawning python3 threw.
    public init(_ script: String, name: String, in directory: String, arguments: [String]) throws {
        let path = directory + "/" + name + ".py"
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        let out = open(directory + "/" + name + ".out", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        defer {
            if out >= 0 { close(out) }
        }
        process = try ProcessLauncher.spawn(
            LaunchSpec(
                path: "/usr/bin/python3",
                arguments: ["python3", path] + arguments,
                environment: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],
                workingDirectory: directory
            ),
            stdout: out,
            stderr: out
        )
    }

    deinit {
        stop()
    }

    /// Whether the program still runs.
    public var isRunning: Bool {
        lock.withLock { !stopped } && ProcessProbe.isRunning(process.pid)
    }

    /// Kills the program (SIGKILL through its pidfd) and reaps it; safe to call twice.
    public func stop() {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { return }
        stopped = true
        _ = vigil_pidfd_send_signal(process.pidfd, SIGKILL)
        var info = vigil_exit_info()
        _ = vigil_pidfd_reap(process.pidfd, 0, &info)
        close(process.pidfd)
    }
}

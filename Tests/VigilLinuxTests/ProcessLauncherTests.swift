import Dispatch
import Foundation
import Testing
import VigilCore
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

@Suite struct ProcessLauncherTests {
    private func spec(_ arguments: [String], cwd: String? = nil, credentials: Credentials? = nil) -> LaunchSpec {
        LaunchSpec(
            path: arguments[0],
            arguments: arguments,
            environment: ["PATH=/usr/bin:/bin", "VIGIL_TEST=yes"],
            workingDirectory: cwd,
            credentials: credentials
        )
    }

    /// Watches `process` and waits for the watcher's report.
    private func waitForExit(_ process: SpawnedProcess) async -> PidfdWatcher.Exit {
        let queue = DispatchQueue(label: "test.watch")
        let holder = QueueConfined<PidfdWatcher?>(nil, queue: queue)
        return await withCheckedContinuation { continuation in
            queue.async {
                holder.value = PidfdWatcher(process: process, queue: queue) { exit in
                    holder.value = nil
                    continuation.resume(returning: exit)
                }
            }
        }
    }

    /// Runs `arguments` with standard output on a pipe and returns what it printed.
    private func output(of launch: LaunchSpec) async throws -> (String, PidfdWatcher.Exit) {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let process = try ProcessLauncher.spawn(launch, stdout: fds[1])
        close(fds[1])
        let exit = await waitForExit(process)
        let handle = FileHandle(fileDescriptor: fds[0], closeOnDealloc: true)
        let text = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
        return (text, exit)
    }

    @Test func spawnedProcessLeadsItsOwnProcessGroupAndItsSigkillIsSeen() async throws {
        let process = try ProcessLauncher.spawn(spec(["/bin/sleep", "100"]))
        #expect(getpgid(process.pid) == process.pid)
        #expect(kill(process.pid, SIGKILL) == 0)
        let exit = await waitForExit(process)
        #expect(exit.pid == process.pid)
        #expect(exit.status == .killed(signal: .kill, coreDumped: false))
        #expect(exit.noticedAt >= process.startedAt)
        #expect(kill(process.pid, 0) == -1, "the child was reaped, not left a zombie")
    }

    @Test func exitCodeIsReported() async throws {
        let process = try ProcessLauncher.spawn(spec(["/bin/sh", "-c", "exit 3"]))
        let exit = await waitForExit(process)
        #expect(exit.status == .exited(code: 3))
    }

    @Test func missingExecutableFailsAtExecveWithItsPath() {
        #expect(throws: SpawnError(step: "execve", subject: "/nonexistent/vigil-x", errno: ENOENT)) {
            try ProcessLauncher.spawn(spec(["/nonexistent/vigil-x"]))
        }
    }

    @Test func missingWorkingDirectoryFailsAtChdir() {
        #expect(throws: SpawnError(step: "chdir", subject: "/nonexistent-dir", errno: ENOENT)) {
            try ProcessLauncher.spawn(spec(["/bin/true"], cwd: "/nonexistent-dir"))
        }
    }

    @Test func environmentAndWorkingDirectoryReachTheProgram() async throws {
        let (text, exit) = try await output(of: spec(["/bin/sh", "-c", "echo $VIGIL_TEST; pwd"], cwd: "/tmp"))
        #expect(text == "yes\n/tmp\n")
        #expect(exit.status == .exited(code: 0))
    }

    @Test func runsAsTheConfiguredUserAndGroups() async throws {
        let nobody = Credentials(uid: 65534, gid: 65534, groups: [65534])
        let (text, _) = try await output(of: spec(["/usr/bin/id"], credentials: nobody))
        #expect(text.hasPrefix("uid=65534("))
        #expect(text.contains("gid=65534("))
        #expect(text.contains("groups=65534("))
    }

    @Test func onlyStandardDescriptorsAreInherited() async throws {
        let leaked = open("/dev/null", O_RDONLY)  // deliberately without O_CLOEXEC
        defer { close(leaked) }
        let (text, _) = try await output(of: spec(["/bin/sh", "-c", "ls /proc/self/fd"]))
        let fds = text.split(separator: "\n").compactMap { Int($0) }
        #expect(!fds.contains(Int(leaked)), "fd \(leaked) leaked into the child: \(fds)")
        #expect(fds.filter { $0 > 3 }.isEmpty, "unexpected descriptors \(fds)")
    }

    @Test func signalsAreResetAndUnblockedInTheChild() async throws {
        signal(SIGUSR1, SIG_IGN)
        defer { signal(SIGUSR1, SIG_DFL) }
        let (text, _) = try await output(of: spec(["/bin/sh", "-c", "grep -E '^Sig(Blk|Ign)' /proc/self/status"]))
        #expect(text.contains("SigBlk:\t0000000000000000"))
        #expect(text.contains("SigIgn:\t0000000000000000"))
    }

    @Test func whatTheTargetLeftInItsProcessGroupIsKilledWhenItExits() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let pidFile = directory.appendingPathComponent("child.pid").path
        let process = try ProcessLauncher.spawn(
            spec(["/bin/sh", "-c", "sleep 100 & echo $! > \(pidFile); sleep 0.05; exit 1"])
        )
        let exit = await waitForExit(process)
        #expect(exit.status == .exited(code: 1))
        let leftover = try #require(
            Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
        )
        // The orphan is gone or a zombie waiting for its new parent; it is not running.
        let stat = (try? String(contentsOfFile: "/proc/\(leftover)/stat", encoding: .utf8)) ?? ""
        let state = stat.split(separator: ")").last?.split(separator: " ").first
        #expect(stat.isEmpty || state == "Z", "leftover \(leftover) still running: \(stat)")
    }
}

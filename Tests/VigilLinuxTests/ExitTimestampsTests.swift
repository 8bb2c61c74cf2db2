import CLinux
import Dispatch
import Testing
import VigilCore
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

@Suite struct ExitTimestampsTests {
    @Test func kernelReportsTheExitTimeOfAWatchedChildAfterTheKill() async throws {
        let queue = DispatchQueue(label: "test.exit-timestamps")
        let timestamps = try ExitTimestamps.open(queue: queue).get()
        defer { queue.sync { timestamps.cancel() } }
        let spec = LaunchSpec(path: "/bin/sleep", arguments: ["sleep", "100"], environment: [])
        let process = try ProcessLauncher.spawn(spec)
        queue.sync { timestamps.watch(process.pid) }
        let killedAt = MonotonicClock.now()
        #expect(kill(process.pid, SIGKILL) == 0)
        let holder = QueueConfined<PidfdWatcher?>(nil, queue: queue)
        let (exit, exitedAt) = await withCheckedContinuation { continuation in
            queue.async {
                holder.value = PidfdWatcher(process: process, queue: queue) { exit in
                    holder.value = nil
                    continuation.resume(returning: (exit, timestamps.take(process.pid)))
                }
            }
        }
        let exitTime = try #require(exitedAt, "the kernel reported the exit")
        #expect(exitTime >= killedAt)
        // Stamped at the very end of the exit, just after the pidfd woke: close to when vigild noticed.
        #expect(exitTime - exit.noticedAt < .milliseconds(100))
        #expect(queue.sync { timestamps.take(process.pid) } == nil, "taken once")
    }

    @Test func exitsOfProcessesNobodyWatchesAreNotKept() async throws {
        let queue = DispatchQueue(label: "test.exit-timestamps.unwatched")
        let timestamps = try ExitTimestamps.open(queue: queue).get()
        defer { queue.sync { timestamps.cancel() } }
        let process = try ProcessLauncher.spawn(LaunchSpec(path: "/bin/true", arguments: ["true"], environment: []))
        let holder = QueueConfined<PidfdWatcher?>(nil, queue: queue)
        let taken = await withCheckedContinuation { continuation in
            queue.async {
                holder.value = PidfdWatcher(process: process, queue: queue) { _ in
                    holder.value = nil
                    continuation.resume(returning: timestamps.take(process.pid))
                }
            }
        }
        #expect(taken == nil)
    }

    @Test func theKernelPassesOnlyTheExitsOfWatchedProcesses() async throws {
        let queue = DispatchQueue(label: "test.exit-timestamps.filter")
        let timestamps = try ExitTimestamps.open(queue: queue).get()
        defer { queue.sync { timestamps.cancel() } }
        #expect(queue.sync { timestamps.isFiltered } == false, "nothing watched yet")
        let watched = try ProcessLauncher.spawn(
            LaunchSpec(path: "/bin/sleep", arguments: ["sleep", "100"], environment: [])
        )
        queue.sync { timestamps.watch(watched.pid) }
        #expect(queue.sync { timestamps.isFiltered })
        // Twenty exits nobody watches (and whatever else the host does meanwhile) never reach the socket.
        for _ in 0..<20 {
            let other = try ProcessLauncher.spawn(LaunchSpec(path: "/bin/true", arguments: ["true"], environment: []))
            var info = vigil_exit_info()
            _ = vigil_pidfd_reap(other.pidfd, 0, &info)
            close(other.pidfd)
        }
        #expect(kill(watched.pid, SIGKILL) == 0)
        let holder = QueueConfined<PidfdWatcher?>(nil, queue: queue)
        let taken = await withCheckedContinuation { continuation in
            queue.async {
                holder.value = PidfdWatcher(process: watched, queue: queue) { _ in
                    holder.value = nil
                    continuation.resume(returning: timestamps.take(watched.pid))
                }
            }
        }
        #expect(taken != nil, "the watched exit still comes through")
        #expect(queue.sync { timestamps.received } == 1, "only the watched process's exit was delivered")
    }
}

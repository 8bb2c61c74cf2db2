import Dispatch
import Testing
import VigilCore
import VigilLinux
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

extension SystemIntegrationTests {
    /// The kernel's own notifications, on real cgroups and the host's pressure files.
    @Suite struct KernelNotificationTests {
        static let hog = "python3 -c \"b = b'x' * (256 << 20)\""

        /// Runs `arguments` to completion as a child of the test.
        static func run(_ arguments: [String]) throws -> VigilCore.ExitStatus {
            let process = try ProcessLauncher.spawn(
                LaunchSpec(path: arguments[0], arguments: arguments, environment: ["PATH=/usr/bin:/bin"])
            )
            defer { close(process.pidfd) }
            var status: Int32 = 0
            waitpid(process.pid, &status, 0)
            return (status & 0x7f) == 0
                ? .exited(code: (status >> 8) & 0xff)
                : .killed(signal: Signal(number: status & 0x7f), coreDumped: false)
        }

        @Test func theV1MemoryControllerSignalsAnOOMKillThroughItsEventfd() throws {
            try #require(geteuid() == 0, "creating cgroups needs root")
            let cgroup = try TestCgroup(controllers: ["memory"])
            #expect(cgroup.write("32M", to: "memory.limit_in_bytes", controller: "memory"))
            let queue = DispatchQueue(label: "test")
            let signalled = DispatchSemaphore(value: 0)
            let notifier = try queue.sync {
                try CgroupOOMNotifier(directory: cgroup.controllers["memory"]!, queue: queue) { @Sendable in
                    signalled.signal()
                }
            }
            defer { queue.sync { notifier.cancel() } }
            let status = try Self.run(cgroup.shell(Self.hog))
            #expect(status == .killed(signal: .kill, coreDumped: false))
            #expect(signalled.wait(timeout: .now() + 5) == .success)
        }

        @Test func inotifySeesACgroupFillAndEmpty() throws {
            try #require(geteuid() == 0, "creating cgroups needs root")
            let cgroup = try TestCgroup()
            let queue = DispatchQueue(label: "test")
            let changes = QueueConfined<[InotifyWatcher.Change]>([], queue: queue)
            let changed = DispatchSemaphore(value: 0)
            let watcher = try InotifyWatcher(queue: queue) { @Sendable batch in
                changes.value += batch.map(\.change)
                changed.signal()
            }
            defer { watcher.cancel() }
            let watch = try watcher.watch(cgroup.unified + "/cgroup.events")
            #expect(watch >= 0)
            #expect(try Self.run(cgroup.shell("true")) == .exited(code: 0))
            #expect(changed.wait(timeout: .now() + 5) == .success, "populated 1 then 0")
            #expect(queue.sync { changes.value.allSatisfy { $0 == .modified } })
            #expect(
                try CgroupReader(directories: CgroupDirectories(unified: cgroup.unified)).events()?.populated == false
            )
        }

        @Test func aPressureTriggerArmsOnTheHostAndRefusesNonsense() throws {
            // Windows are multiples of 2 s: what the kernel allows without CAP_SYS_RESOURCE, which this host lacks.
            let queue = DispatchQueue(label: "test")
            let triggers = try PressureTriggers(queue: queue) { @Sendable _ in }
            defer { queue.sync { triggers.cancel() } }
            let tag = try queue.sync {
                try triggers.arm(
                    PressureTriggers.Trigger(
                        path: "/proc/pressure/memory",
                        line: "some",
                        stall: .milliseconds(300),
                        window: .seconds(2)
                    )
                )
            }
            #expect(tag > 0)
            let error = queue.sync {
                Result {
                    try triggers.arm(
                        PressureTriggers.Trigger(
                            path: "/proc/pressure/memory",
                            line: "some",
                            stall: .seconds(3),
                            window: .seconds(2)
                        )
                    )
                }
            }
            #expect(throws: SystemError.self) { try error.get() }
            #expect(throws: SystemError.self) {
                try queue.sync {
                    try triggers.arm(
                        PressureTriggers.Trigger(
                            path: "/proc/pressure/nonexistent",
                            line: "some",
                            stall: .milliseconds(1),
                            window: .seconds(2)
                        )
                    )
                }
            }
        }

        @Test func aPressureTriggerFiresWhenACgroupStallsOnCPU() throws {
            try #require(geteuid() == 0, "creating cgroups needs root")
            let cgroup = try TestCgroup()
            defer { cgroup.remove() }
            let queue = DispatchQueue(label: "test")
            let fired = DispatchSemaphore(value: 0)
            let triggers = try PressureTriggers(queue: queue) { @Sendable _ in fired.signal() }
            defer { queue.sync { triggers.cancel() } }
            _ = try queue.sync {
                try triggers.arm(
                    PressureTriggers.Trigger(
                        path: cgroup.unified + "/cpu.pressure",
                        line: "some",
                        stall: .milliseconds(200),
                        window: .seconds(2)
                    )
                )
            }
            // Three busy loops on two CPUs: one of them always waits for a CPU. `remove` kills them.
            let loops = "sh -c 'for i in 1 2 3; do (while :; do :; done) & done; wait'"
            let spinner = try ProcessLauncher.spawn(
                LaunchSpec(path: "/bin/sh", arguments: cgroup.shell(loops), environment: ["PATH=/usr/bin:/bin"])
            )
            defer {
                cgroup.remove()
                var status: Int32 = 0
                waitpid(spinner.pid, &status, 0)
                close(spinner.pidfd)
            }
            #expect(fired.wait(timeout: .now() + 10) == .success, "the trigger fired")
        }
    }
}

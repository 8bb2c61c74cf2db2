import Testing
import VigilCore
import VigilLinux
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

@Suite struct SamplerTests {
    static let start = MonotonicInstant(nanoseconds: 5_000_000_000)

    static func metrics(_ names: String...) -> Set<HealthMetric> {
        Set(
            names.map { name in
                guard let open = name.firstIndex(of: "[") else { return HealthMetric(name: name) }
                return HealthMetric(
                    name: String(name[..<open]),
                    argument: String(name[name.index(after: open)...].dropLast())
                )
            }
        )
    }

    @Test func hostFiguresFromAFixtureTreeIncludingRatesAndCountersSinceStart() throws {
        let tree = try FixtureTree()
        defer { tree.remove() }
        try tree.write("/proc/meminfo", "MemTotal: 1000 kB\nMemAvailable: 40 kB\nSwapTotal: 100 kB\nSwapFree: 25 kB\n")
        try tree.write("/proc/loadavg", "3.50 2.25 1.10 1/200 999\n")
        try tree.write("/proc/stat", "cpu 100 0 100 700 100 0 0 0 0 0\n")
        try tree.write(
            "/proc/diskstats",
            "   8 0 sda 1 0 8 1 2 0 16 2 4 1000 3\n   8 1 sda1 1 0 8 1 2 0 16 2 4 1000 3\n"
        )
        try tree.makeDirectory("/sys/block/sda")
        try tree.write("/sys/devices/system/edac/mc/mc0/ce_count", "7\n")
        try tree.write("/sys/devices/system/edac/mc/mc0/ue_count", "0\n")
        try tree.write(
            "/proc/pressure/memory",
            "some avg10=12.50 avg60=1.00 avg300=0.00 total=10\nfull avg10=2.00 avg60=0 avg300=0 total=5\n"
        )
        let sampler = HostSampler(reader: HostReader(root: HostRoot(path: tree.root)))
        let wanted = Self.metrics(
            "memory.available",
            "swap.used",
            "load1",
            "cpu.busy",
            "disk.inflight",
            "disk.busy",
            "edac.ce",
            "memory.psi.full.avg10",
            "cpu.psi.some.avg10"
        )
        let first = sampler.sample(wanted, now: Self.start)
        #expect(first[HealthMetric(name: "memory.available")] == MetricReading(40 * 1024, total: 1000 * 1024))
        #expect(first[HealthMetric(name: "swap.used")] == MetricReading(75 * 1024, total: 100 * 1024))
        #expect(first[HealthMetric(name: "load1")] == MetricReading(3.5))
        #expect(first[HealthMetric(name: "disk.inflight")] == MetricReading(4), "partitions are not counted twice")
        #expect(first[HealthMetric(name: "edac.ce")] == MetricReading(0), "errors logged before vigild count as 0")
        #expect(first[HealthMetric(name: "memory.psi.full.avg10")] == MetricReading(2))
        #expect(first[HealthMetric(name: "cpu.busy")] == nil, "a rate needs two readings")
        #expect(first.missing[HealthMetric(name: "cpu.psi.some.avg10")]?.contains("no /proc/pressure/cpu") == true)

        try tree.write("/proc/stat", "cpu 150 0 150 750 150 0 0 0 0 0\n")
        try tree.write("/proc/diskstats", "   8 0 sda 1 0 8 1 2 0 16 2 4 1500 3\n")
        try tree.write("/sys/devices/system/edac/mc/mc0/ce_count", "9\n")
        let second = sampler.sample(wanted, now: Self.start + .seconds(1))
        #expect(second[HealthMetric(name: "cpu.busy")] == MetricReading(50))
        #expect(second[HealthMetric(name: "disk.busy")] == MetricReading(50))
        #expect(second[HealthMetric(name: "edac.ce")] == MetricReading(2))
    }

    @Test func aKernelWithoutPSIOrWithGarbledFilesGivesMissingReadingsNotACrash() throws {
        let tree = try FixtureTree()
        defer { tree.remove() }
        try tree.makeDirectory("/proc")
        try tree.write("/proc/loadavg", "garbage\n")
        try tree.write("/proc/meminfo", "MemTotal: 10")
        let sampler = HostSampler(reader: HostReader(root: HostRoot(path: tree.root)))
        let samples = sampler.sample(
            Self.metrics("memory.psi.some.avg10", "load1", "memory.available", "fs.free[/]"),
            now: Self.start
        )
        #expect(samples.readings.count == 1, "only fs.free (statvfs of the fixture's file system) reads")
        #expect(samples.missing[HealthMetric(name: "memory.psi.some.avg10")]?.contains("CONFIG_PSI") == true)
        #expect(samples.missing[HealthMetric(name: "load1")] != nil)
        #expect(samples.missing[HealthMetric(name: "memory.available")] != nil)
        #expect(sampler.pressure == nil)
    }

    @Test func thisHostsFiguresAreSane() throws {
        let sampler = HostSampler()
        let wanted = Self.metrics("memory.available", "load1", "cpu.busy", "fs.free[/]", "fs.readonly[/proc]")
        _ = sampler.sample(wanted, now: MonotonicClock.now())
        usleep(200_000)
        let samples = sampler.sample(wanted, now: MonotonicClock.now())
        let available = try #require(samples[HealthMetric(name: "memory.available")])
        #expect(available.value > 0 && available.value <= (available.total ?? 0))
        let busy = try #require(samples[HealthMetric(name: "cpu.busy")])
        #expect(busy.value >= 0 && busy.value <= 100)
        let free = try #require(samples[HealthMetric(name: "fs.free", argument: "/")])
        #expect(free.value > 0 && free.value <= (free.total ?? 0))
        #expect(samples[HealthMetric(name: "fs.readonly", argument: "/proc")] == MetricReading(0))
    }

    @Test func machineScopesAreFoundByTheirEscapedNames() {
        #expect(MachineScopeLocator.escape("web-1") == "web\\x2d1")
        #expect(MachineScopeLocator.escape("a.b_c:d") == "a.b_c:d")
        #expect(MachineScopeLocator.escape(".x y") == "\\x2ex\\x20y")
        #expect(MachineScopeLocator.matches("machine-web\\x2d1.scope", escaped: "web\\x2d1"))
        #expect(MachineScopeLocator.matches("machine-qemu\\x2d12\\x2dweb\\x2d1.scope", escaped: "web\\x2d1"))
        #expect(!MachineScopeLocator.matches("machine-qemu\\x2d12\\x2dweb\\x2d10.scope", escaped: "web\\x2d1"))
        #expect(!MachineScopeLocator.matches("machine-qemu\\x2dx\\x2dweb\\x2d1.scope", escaped: "web\\x2d1"))
    }
}

extension SystemIntegrationTests {
    @Suite struct TargetSamplerRealCgroupTests {
        /// The CPU time the kernel charged `pid` (utime + stime from /proc/PID/stat, in clock ticks); nil once gone.
        static func cpuTicks(of pid: pid_t) -> Int? {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            // After the command: state is field 3, utime field 14 and stime field 15 of the whole line.
            guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return nil }
            return user + system
        }

        @Test func readsARealCgroupsMemoryAgainstItsV1LimitAndItsCPUUse() throws {
            try #require(geteuid() == 0, "creating cgroups needs root")
            let cgroup = try TestCgroup(controllers: ["memory", "pids"])
            #expect(cgroup.write("64M", to: "memory.limit_in_bytes", controller: "memory"))
            let locator = CgroupLocator(mountInfo: try HostReader().mountInfo())
            let sampler = TargetSampler(directories: locator.locate(cgroup.path))
            let spinner = try ProcessLauncher.spawn(
                LaunchSpec(
                    path: "/bin/sh",
                    arguments: cgroup.shell("sh -c 'while :; do :; done'"),
                    environment: ["PATH=/usr/bin:/bin"]
                )
            )
            defer {
                cgroup.remove()
                var status: Int32 = 0
                waitpid(spinner.pid, &status, 0)
                close(spinner.pidfd)
            }
            let wanted: Set<HealthMetric> = [
                HealthMetric(name: "memory.current"), HealthMetric(name: "pids.current"),
                HealthMetric(name: "cpu.usage"), HealthMetric(name: "cpu.psi.some.avg10"),
                HealthMetric(name: "main.rss"), HealthMetric(name: "main.uninterruptible"),
            ]
            let ticksBefore = Self.cpuTicks(of: spinner.pid)
            _ = sampler.sample(wanted, mainPID: spinner.pid, now: MonotonicClock.now())
            usleep(500_000)
            let samples = sampler.sample(wanted, mainPID: spinner.pid, now: MonotonicClock.now())
            let ticksAfter = Self.cpuTicks(of: spinner.pid)
            let memory = try #require(samples[HealthMetric(name: "memory.current")])
            #expect(memory.total == Double(64 * 1_048_576))
            #expect(memory.value > 0 && memory.value < 64 * 1_048_576)
            #expect((samples[HealthMetric(name: "pids.current")]?.value ?? 0) >= 1)
            let cpu = try #require(samples[HealthMetric(name: "cpu.usage")])
            // The busy loop's share depends on what else runs on the machine; what the cgroup says it used must be
            // what the kernel charged the spinner itself (utime + stime, in ticks of 10 ms, over a window that holds
            // the sampler's), not a fixed share.
            let ticks = try #require(ticksAfter.flatMap { after in ticksBefore.map { after - $0 } })
            let charged = Double(ticks) / Double(sysconf(Int32(_SC_CLK_TCK))) / 0.5 * 100
            #expect(cpu.value > 0, "a busy loop uses CPU, read \(cpu.value)")
            #expect(
                cpu.value <= charged + 10,
                "the cgroup's \(cpu.value)% is more than the spinner was charged (\(charged)%)"
            )
            #expect(samples[HealthMetric(name: "cpu.psi.some.avg10")] != nil)
            #expect((samples[HealthMetric(name: "main.rss")]?.value ?? 0) > 0)
            #expect(samples[HealthMetric(name: "main.uninterruptible")] == MetricReading(0))
            // Gone: every figure is missing with a reason, nothing throws or crashes.
            cgroup.remove()
            let gone = sampler.sample(wanted, mainPID: spinner.pid, now: MonotonicClock.now())
            #expect(gone[HealthMetric(name: "memory.current")] == nil)
            #expect(gone.missing[HealthMetric(name: "memory.current")] != nil)
        }
    }
}

import Testing
import VigilCore
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

@Suite struct HostReaderFixtureTests {
    @Test func readsProcFilesUnderTheRoot() throws {
        let tree = try FixtureTree()
        defer { tree.remove() }
        try tree.write("/proc/meminfo", "MemTotal: 2048 kB\nMemAvailable: 1024 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n")
        try tree.write("/proc/loadavg", "0.50 0.25 0.10 1/200 999\n")
        try tree.write("/proc/stat", "cpu 10 0 5 100 1 0 0 0 0 0\ncpu0 10 0 5 100 1 0 0 0 0 0\n")
        try tree.write("/proc/diskstats", "   8 0 sda 1 0 8 1 2 0 16 2 0 3 3\n")
        try tree.write("/proc/self/mountinfo", "41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n")
        let reader = HostReader(root: HostRoot(path: tree.root))
        #expect(try reader.memInfo().available == 1024 * 1024)
        #expect(try reader.loadAverage().one == 0.5)
        #expect(try reader.procStat().perCPU[0]?.idle == 100)
        #expect(try reader.diskStats().device(named: "sda")?.ioMilliseconds == 3)
        #expect(try reader.mountInfo().cgroupMounts.unified?.mountPoint == "/sys/fs/cgroup/unified")
    }

    @Test func aHostWithoutProcPressureReportsPSIUnsupported() throws {
        let tree = try FixtureTree()
        defer { tree.remove() }
        try tree.makeDirectory("/proc")
        guard case .unsupported(let reason) = try HostReader(root: HostRoot(path: tree.root)).pressure() else {
            Issue.record("PSI reported as supported without /proc/pressure")
            return
        }
        #expect(reason.contains("/proc/pressure"))
    }

    @Test func pressureFilesUnderTheRootAreParsed() throws {
        let tree = try FixtureTree()
        defer { tree.remove() }
        try tree.write("/proc/pressure/cpu", "some avg10=1.00 avg60=0.50 avg300=0.10 total=42\n")
        try tree.write(
            "/proc/pressure/memory",
            "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=9\n"
        )
        try tree.write("/proc/pressure/io", "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n")
        let support = try HostReader(root: HostRoot(path: tree.root)).pressure()
        guard case .supported(let pressure) = support else {
            Issue.record("expected PSI, got \(support)")
            return
        }
        #expect(pressure.cpu?.some.totalMicroseconds == 42)
        #expect(pressure.cpu?.full == nil)
        #expect(pressure.memory?.full?.totalMicroseconds == 9)
    }

    @Test func aGarbledFileIsAMalformedErrorNamingThePath() throws {
        let tree = try FixtureTree()
        defer { tree.remove() }
        try tree.write("/proc/loadavg", "0.5 0.2\n")
        let error = try #require(throws: HealthReadError.self) {
            try HostReader(root: HostRoot(path: tree.root)).loadAverage()
        }
        #expect(error.description.contains(tree.root + "/proc/loadavg"))
        #expect(!error.fileVanished)
    }

    @Test func edacControllersAndDIMMsAreReadInNumericOrder() throws {
        let tree = try FixtureTree()
        defer { tree.remove() }
        let mc = "/sys/devices/system/edac/mc"
        try tree.write("\(mc)/mc0/ce_count", "3\n")
        try tree.write("\(mc)/mc0/ue_count", "0\n")
        try tree.write("\(mc)/mc0/dimm0/dimm_ce_count", "2\n")
        try tree.write("\(mc)/mc0/dimm0/dimm_ue_count", "0\n")
        try tree.write("\(mc)/mc0/dimm0/dimm_label", "CPU_SrcID#0_Ha#0_Chan#0_DIMM#0\n")
        try tree.write("\(mc)/mc0/dimm10/dimm_ce_count", "1\n")
        try tree.write("\(mc)/mc0/dimm10/dimm_ue_count", "0\n")
        try tree.write("\(mc)/mc0/dimm2/dimm_ce_count", "0\n")
        try tree.write("\(mc)/mc0/dimm2/dimm_ue_count", "1\n")
        try tree.write("\(mc)/mc1/ce_count", "0\n")
        try tree.write("\(mc)/mc1/ue_count", "5\n")
        try tree.write("\(mc)/power/control", "auto\n")
        let controllers = try HostReader(root: HostRoot(path: tree.root)).edacControllers()
        #expect(controllers.map(\.name) == ["mc0", "mc1"])
        #expect(controllers[0].correctableErrors == 3)
        #expect(controllers[0].dimms.map(\.name) == ["dimm0", "dimm2", "dimm10"])
        #expect(controllers[0].dimms[0].label == "CPU_SrcID#0_Ha#0_Chan#0_DIMM#0")
        #expect(controllers[0].dimms[1].uncorrectableErrors == 1)
        #expect(controllers[1].uncorrectableErrors == 5)
        #expect(controllers[1].dimms.isEmpty)
    }

    @Test func aHostWithoutEDACHasNoControllers() throws {
        let tree = try FixtureTree()
        defer { tree.remove() }
        #expect(try HostReader(root: HostRoot(path: tree.root)).edacControllers().isEmpty)
    }

    @Test func blockDeviceErrorCountersAreReadAsHexAndDevicesWithoutOneAreLeftOut() throws {
        let tree = try FixtureTree()
        defer { tree.remove() }
        try tree.write("/sys/block/sda/device/ioerr_cnt", "0x1f\n")
        try tree.write("/sys/block/sdb/device/ioerr_cnt", "0x0\n")
        try tree.makeDirectory("/sys/block/loop0")
        let counts = try HostReader(root: HostRoot(path: tree.root)).blockDeviceErrors()
        #expect(
            counts == [
                BlockDeviceErrorCount(device: "sda", ioErrors: 31), BlockDeviceErrorCount(device: "sdb", ioErrors: 0),
            ]
        )
    }

    @Test func thermalThrottleCountersOfEachCPUAreRead() throws {
        let tree = try FixtureTree()
        defer { tree.remove() }
        let cpu = "/sys/devices/system/cpu"
        try tree.write("\(cpu)/cpu0/thermal_throttle/core_throttle_count", "12\n")
        try tree.write("\(cpu)/cpu0/thermal_throttle/package_throttle_count", "4\n")
        try tree.write("\(cpu)/cpu1/thermal_throttle/core_throttle_count", "0\n")
        try tree.makeDirectory("\(cpu)/cpufreq")
        try tree.makeDirectory("\(cpu)/cpu2")
        let counts = try HostReader(root: HostRoot(path: tree.root)).thermalThrottleCounts()
        #expect(
            counts == [
                ThermalThrottleCount(cpu: 0, core: 12, package: 4), ThermalThrottleCount(cpu: 1, core: 0, package: nil),
            ]
        )
    }

    @Test func aCounterFileReplacedBetweenPollsIsReopenedAndARemovedOneIsLeftOut() throws {
        let tree = try FixtureTree()
        defer { tree.remove() }
        try tree.write("/sys/block/sda/device/ioerr_cnt", "0x1\n")
        let reader = HostReader(root: HostRoot(path: tree.root))
        #expect(try reader.blockDeviceErrors().first?.ioErrors == 1)
        // An atomic replace makes a new inode: the kept file notices the old one was unlinked and reopens.
        let directory = tree.root + "/sys/block/sda/device"
        try tree.write("/sys/block/sda/device/ioerr_cnt.new", "0x2\n")
        #expect(rename(directory + "/ioerr_cnt.new", directory + "/ioerr_cnt") == 0)
        #expect(try reader.blockDeviceErrors().first?.ioErrors == 2)
        try tree.delete("/sys/block/sda/device/ioerr_cnt")
        #expect(try reader.blockDeviceErrors().isEmpty)
    }
}

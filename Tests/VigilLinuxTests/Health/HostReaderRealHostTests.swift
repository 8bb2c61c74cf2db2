import Foundation
import Testing
import VigilCore
import VigilLinux

#if canImport(Glibc)

#endif

@Suite struct HostReaderRealHostTests {
    @Test func memoryAndLoadOfThisHostAreSane() throws {
        let reader = HostReader(root: .host)
        let memory = try reader.memInfo()
        #expect(memory.total > 0)
        let available = try #require(memory.available)
        #expect(available <= memory.total)
        let load = try reader.loadAverage()
        #expect(load.one >= 0 && load.five >= 0 && load.fifteen >= 0)
    }

    @Test func cpuTicksIncreaseBetweenTwoReadsOfTheKeptStatFile() throws {
        let reader = HostReader(root: .host)
        let first = try reader.procStat()
        #expect(!first.perCPU.isEmpty)
        var time = timespec(tv_sec: 0, tv_nsec: 100_000_000)
        nanosleep(&time, nil)
        let second = try reader.procStat()
        let usage = try #require(CPUTimes.usage(from: first.total, to: second.total))
        #expect(usage.busy >= 0 && usage.busy <= 1)
        #expect(second.total.idle + second.total.user >= first.total.idle + first.total.user)
    }

    @Test func mountInfoOfThisHostFindsTheCgroupHierarchies() throws {
        let cgroups = try HostReader(root: .host).mountInfo().cgroupMounts
        let unified = try #require(cgroups.unified, "cgroup2 is mounted")
        // Whatever the layout (this machine kind is hybrid: cgroup2 under /sys/fs/cgroup/unified, v1 beside it), what
        // was found must be the real thing: the kernel's own files are there.
        #expect(access(unified.mountPoint + "/cgroup.controllers", F_OK) == 0, "\(unified.mountPoint)")
        if let memory = cgroups.controllers["memory"] {
            #expect(access(memory.mountPoint + "/memory.usage_in_bytes", F_OK) == 0, "\(memory.mountPoint)")
        } else {
            // Without a v1 memory hierarchy, memory must be a cgroup2 controller.
            let controllers = try String(contentsOfFile: unified.mountPoint + "/cgroup.controllers", encoding: .utf8)
            #expect(controllers.split(separator: " ").contains("memory") || controllers.isEmpty)
        }
    }

    @Test func pressureIsReportedBecauseThisKernelHasProcPressure() throws {
        let support = try HostReader(root: .host).pressure()
        guard case .supported(let pressure) = support else {
            Issue.record("this host has /proc/pressure, got \(support)")
            return
        }
        #expect(pressure.cpu != nil && pressure.memory != nil && pressure.io != nil)
        #expect(pressure.memory?.full != nil)
    }

    @Test func diskStatsAndFreeSpaceOfTheRootFileSystemAreRead() throws {
        let reader = HostReader(root: .host)
        #expect(try !reader.diskStats().devices.isEmpty)
        let space = try reader.freeSpace(of: "/")
        #expect(space.totalBytes > 0)
        #expect(space.availableBytes <= space.freeBytes && space.freeBytes <= space.totalBytes)
        let missing = try #require(throws: HealthReadError.self) { try reader.freeSpace(of: "/nonexistent/vigil") }
        #expect(missing.fileVanished)
    }

    @Test func hardwareCountersOfThisHostAreReadWithoutErrors() throws {
        let reader = HostReader(root: .host)
        // This VM has no EDAC driver; whatever exists must parse, and nothing may throw.
        let controllers = try reader.edacControllers()
        #expect(controllers.allSatisfy { $0.name.hasPrefix("mc") })
        let throttles = try reader.thermalThrottleCounts()
        #expect(throttles.allSatisfy { $0.cpu >= 0 })
        let errors = try reader.blockDeviceErrors()
        #expect(errors.allSatisfy { !$0.device.isEmpty })
    }

    @Test func stateAndCgroupsOfThisProcessAreReadAndAGoneProcessIsAVanishedError() throws {
        let stat = try CgroupProcess.stat(of: getpid())
        #expect(stat.pid == getpid())
        // The main thread, whose state the file shows, may be waiting for the test thread.
        #expect(stat.state == .running || stat.state == .sleeping)
        let cgroups = try CgroupProcess.cgroups(of: getpid())
        #expect(cgroups.unified != nil || !cgroups.controllers.isEmpty)
        let gone = try #require(throws: HealthReadError.self) { try CgroupProcess.stat(of: Int32.max) }
        #expect(gone.fileVanished)
    }
}

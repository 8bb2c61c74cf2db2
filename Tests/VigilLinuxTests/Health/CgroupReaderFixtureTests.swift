import Testing
import VigilCore
import VigilLinux

@Suite struct CgroupReaderFixtureTests {
    static let mountInfo = """
        35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        36 31 0:33 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
        41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
        """

    /// A v2 cgroup `/system.slice/web.service` with the memory and pids controllers, and its v1 memory twin.
    static func makeTree() throws -> FixtureTree {
        let tree = try FixtureTree()
        let v2 = "/sys/fs/cgroup/unified/system.slice/web.service"
        try tree.write("\(v2)/cgroup.events", "populated 1\nfrozen 0\n")
        try tree.write("\(v2)/memory.events", "low 0\nhigh 4\nmax 1\noom 1\noom_kill 1\noom_group_kill 0\n")
        try tree.write("\(v2)/memory.max", "536870912\n")
        try tree.write("\(v2)/pids.max", "max\n")
        try tree.write("\(v2)/cpu.stat", "usage_usec 10\nuser_usec 6\nsystem_usec 4\n")
        try tree.write("\(v2)/io.stat", "8:0 rbytes=4096 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n")
        try tree.write("\(v2)/memory.pressure", "some avg10=0.00 avg60=0.00 avg300=0.00 total=5\n")
        let v1 = "/sys/fs/cgroup/memory/system.slice/web.service"
        try tree.write("\(v1)/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n")
        try tree.write("\(v1)/memory.usage_in_bytes", "1048576\n")
        try tree.write("\(v1)/memory.limit_in_bytes", "9223372036854771712\n")
        return tree
    }

    @Test func locatorFindsTheV2DirectoryAndOnlyTheV1ControllersWhereTheCgroupExists() throws {
        let tree = try Self.makeTree()
        defer { tree.remove() }
        let locator = CgroupLocator(mountInfo: try MountInfo.parse(Self.mountInfo), root: HostRoot(path: tree.root))
        let directories = locator.locate("/system.slice/web.service")
        #expect(directories.unified == tree.root + "/sys/fs/cgroup/unified/system.slice/web.service")
        #expect(directories.controllers == ["memory": tree.root + "/sys/fs/cgroup/memory/system.slice/web.service"])
        #expect(locator.locate("system.slice/web.service") == directories)
        #expect(locator.locate("/system.slice/missing.service").isEmpty)
        #expect(locator.locate("/system.slice/../system.slice/web.service").isEmpty)
    }

    @Test func locatorFollowsAProcessIntoDifferentPathsPerHierarchy() throws {
        let tree = try Self.makeTree()
        defer { tree.remove() }
        try tree.makeDirectory("/sys/fs/cgroup/cpu,cpuacct/batch")
        let locator = CgroupLocator(mountInfo: try MountInfo.parse(Self.mountInfo), root: HostRoot(path: tree.root))
        let process = try ProcessCgroups.parse(
            "3:cpu,cpuacct:/batch\n2:memory:/system.slice/web.service\n0::/system.slice/web.service\n"
        )
        let directories = locator.locate(process)
        #expect(directories.unified == tree.root + "/sys/fs/cgroup/unified/system.slice/web.service")
        #expect(directories.controllers["cpuacct"] == tree.root + "/sys/fs/cgroup/cpu,cpuacct/batch")
        #expect(directories.controllers["memory"] == tree.root + "/sys/fs/cgroup/memory/system.slice/web.service")
    }

    @Test func locatorStripsTheRootOfABindMountedSubtree() throws {
        let tree = try FixtureTree()
        defer { tree.remove() }
        try tree.makeDirectory("/sys/fs/cgroup/app")
        let mountInfo = try MountInfo.parse("50 40 0:38 /docker/abc /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n")
        let locator = CgroupLocator(mountInfo: mountInfo, root: HostRoot(path: tree.root))
        #expect(locator.locate("/docker/abc/app").unified == tree.root + "/sys/fs/cgroup/app")
        #expect(locator.locate("/other/app").unified == nil)
    }

    @Test func readerReadsTheV2AndV1FilesThatExistAndNilForTheRest() throws {
        let tree = try Self.makeTree()
        defer { tree.remove() }
        let locator = CgroupLocator(mountInfo: try MountInfo.parse(Self.mountInfo), root: HostRoot(path: tree.root))
        let reader = CgroupReader(directories: locator.locate("/system.slice/web.service"))
        #expect(try reader.events() == CgroupEvents(populated: true, frozen: false))
        #expect(try reader.memoryEvents()?.oomKill == 1)
        #expect(try reader.memoryMax() == .limited(536_870_912))
        #expect(try reader.pidsMax() == .unlimited)
        #expect(try reader.cpuStat()?.usageMicroseconds == 10)
        #expect(try reader.ioStat()?.devices.first?.readBytes == 4096)
        #expect(try reader.pressure(.memory)?.some.totalMicroseconds == 5)
        #expect(try reader.pressure(.io) == nil)
        #expect(try reader.memoryOOMControl() == MemoryOOMControl(oomKillDisabled: false, underOOM: false, oomKills: 2))
        #expect(try reader.memoryUsageV1() == 1_048_576)
        #expect(try reader.memoryLimitV1() == .unlimited)
        #expect(try reader.cpuacctUsage() == nil)
        #expect(try reader.cpuStatV1() == nil)
    }

    @Test func aCgroupRemovedBetweenPollsIsAVanishedError() throws {
        let tree = try Self.makeTree()
        defer { tree.remove() }
        let locator = CgroupLocator(mountInfo: try MountInfo.parse(Self.mountInfo), root: HostRoot(path: tree.root))
        let reader = CgroupReader(directories: locator.locate("/system.slice/web.service"))
        #expect(try reader.events()?.populated == true)
        try tree.delete("/sys/fs/cgroup/unified/system.slice/web.service")
        let error = try #require(throws: HealthReadError.self) { try reader.events() }
        #expect(error.fileVanished)
        let never = try #require(throws: HealthReadError.self) { try reader.memoryMax() }
        #expect(never.fileVanished)
    }
}

import Testing
import VigilCore

@Suite struct MountInfoTests {
    /// The hybrid layout of the machine these tests were written on (cgroup2 beside v1 controllers), plus a mount
    /// point with an escaped space and a read-only bind mount.
    static let hybrid = """
        22 1 253:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
        23 22 0:5 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw
        31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
        33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
        35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
        40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
        41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate
        50 22 253:1 /data /mnt/my\\040disk\\011x ro,nosuid master:3 shared:7 - ext4 /dev/vdb\\040b rw,errors=remount-ro
        """

    @Test func parsesEveryFieldAndDecodesOctalEscapes() throws {
        let info = try MountInfo.parse(Self.hybrid)
        #expect(info.mounts.count == 10)
        let data = try #require(info.mounts.last)
        #expect(data.mountID == 50 && data.parentID == 22)
        #expect(data.major == 253 && data.minor == 1)
        #expect(data.root == "/data")
        #expect(data.mountPoint == "/mnt/my disk\tx")
        #expect(data.mountOptions == ["ro", "nosuid"])
        #expect(data.optionalFields == ["master:3", "shared:7"])
        #expect(data.fileSystemType == "ext4")
        #expect(data.source == "/dev/vdb b")
        #expect(data.superOptions == ["rw", "errors=remount-ro"])
    }

    @Test func readOnlyMountsAreThoseWithTheROMountOption() throws {
        let info = try MountInfo.parse(Self.hybrid)
        #expect(info.readOnlyMounts.map(\.mountPoint) == ["/mnt/my disk\tx"])
    }

    @Test func findsCgroup2AndEachV1ControllerOfAHybridHost() throws {
        let cgroups = try MountInfo.parse(Self.hybrid).cgroupMounts
        #expect(cgroups.unified?.mountPoint == "/sys/fs/cgroup/unified")
        #expect(cgroups.controllers["memory"]?.mountPoint == "/sys/fs/cgroup/memory")
        #expect(cgroups.controllers["cpuacct"]?.mountPoint == "/sys/fs/cgroup/cpuacct")
        #expect(cgroups.controllers["name=systemd"]?.mountPoint == "/sys/fs/cgroup/systemd")
        #expect(cgroups.controllers["xattr"] == nil)
        #expect(cgroups.controllers.keys.sorted() == ["cpu", "cpuacct", "memory", "name=systemd", "pids"])
    }

    @Test func coMountedControllersShareOneMountAndAPureV2HostHasNoControllers() throws {
        let comounted = try MountInfo.parse(
            "30 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
        ).cgroupMounts
        #expect(comounted.controllers["cpu"]?.mountPoint == "/sys/fs/cgroup/cpu,cpuacct")
        #expect(comounted.controllers["cpuacct"] == comounted.controllers["cpu"])
        #expect(comounted.unified == nil)
        let pure = try MountInfo.parse(
            "35 24 0:30 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n"
        ).cgroupMounts
        #expect(pure.unified?.mountPoint == "/sys/fs/cgroup")
        #expect(pure.controllers.isEmpty)
    }

    @Test(arguments: [
        "22 1 253:0 / / rw,relatime shared:1 ext4 /dev/vda rw\n",
        "22 1 253:0 / / rw - ext4\n",
        "x 1 253:0 / / rw - ext4 /dev/vda rw\n",
        "22 1 253 / / rw - ext4 /dev/vda rw\n",
        "22 1 253:0 /",
    ])
    func truncatedOrGarbledLineIsAnErrorNamingTheLine(text: String) throws {
        let error = try #require(throws: KernelTextError.self) { try MountInfo.parse(text) }
        #expect(error.file == .mountInfo)
        #expect(error.line == 1)
    }
}

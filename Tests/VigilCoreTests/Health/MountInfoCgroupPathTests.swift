import Testing
import VigilCore

/// `cgroup = "…"` as operators write it: the cgroup path, or the directory they see on disk.
@Suite struct MountInfoCgroupPathTests {
    static let pureV2 = """
        22 1 253:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
        30 22 0:26 / /sys rw,nosuid - sysfs sysfs rw
        31 30 0:27 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate
        """

    /// A container that sees only its own subtree of the host's hierarchies.
    static let container = """
        22 1 0:50 / / rw - overlay overlay rw
        31 22 0:28 / /sys/fs/cgroup ro - tmpfs tmpfs ro,mode=755
        35 31 0:32 /docker/abc /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
        """

    @Test func aDirectoryUnderAV1HierarchyIsTheCgroupItIs() throws {
        let hybrid = try MountInfo.parse(MountInfoTests.hybrid)
        #expect(
            hybrid.classifyCgroupPath("/sys/fs/cgroup/memory/db")
                == .mountPath(cgroup: "/db", mountPoint: "/sys/fs/cgroup/memory")
        )
        #expect(
            hybrid.classifyCgroupPath("/sys/fs/cgroup/memory/system.slice/db.service")
                == .mountPath(cgroup: "/system.slice/db.service", mountPoint: "/sys/fs/cgroup/memory")
        )
    }

    @Test func aDirectoryUnderCgroup2IsTheCgroupItIsOnHybridAndPureV2Hosts() throws {
        let hybrid = try MountInfo.parse(MountInfoTests.hybrid)
        #expect(
            hybrid.classifyCgroupPath("/sys/fs/cgroup/unified/db")
                == .mountPath(cgroup: "/db", mountPoint: "/sys/fs/cgroup/unified")
        )
        let v2 = try MountInfo.parse(Self.pureV2)
        #expect(v2.classifyCgroupPath("/sys/fs/cgroup/db") == .mountPath(cgroup: "/db", mountPoint: "/sys/fs/cgroup"))
    }

    @Test func aMountWithASubtreeRootAddsThatRootToTheCgroup() throws {
        let info = try MountInfo.parse(Self.container)
        #expect(
            info.classifyCgroupPath("/sys/fs/cgroup/memory/web")
                == .mountPath(cgroup: "/docker/abc/web", mountPoint: "/sys/fs/cgroup/memory")
        )
    }

    @Test func aPathUnderTheTmpfsThatHoldsTheHierarchiesIsNotACgroup() throws {
        let hybrid = try MountInfo.parse(MountInfoTests.hybrid)
        guard
            case .notACgroup(let mountPoint, let type, let hierarchies) = hybrid.classifyCgroupPath("/sys/fs/cgroup/db")
        else {
            Issue.record("/sys/fs/cgroup/db was taken for a cgroup")
            return
        }
        #expect(mountPoint == "/sys/fs/cgroup" && type == "tmpfs")
        #expect(hierarchies.contains("/sys/fs/cgroup/memory") && hierarchies.contains("/sys/fs/cgroup/unified"))
    }

    @Test func theMountPointOfAHierarchyIsItsRootNotATarget() throws {
        let hybrid = try MountInfo.parse(MountInfoTests.hybrid)
        #expect(
            hybrid.classifyCgroupPath("/sys/fs/cgroup/memory") == .hierarchyRoot(mountPoint: "/sys/fs/cgroup/memory")
        )
    }

    @Test func cgroupPathsAndPathsUnderUnrelatedMountsAreCgroupNamesAsWritten() throws {
        let hybrid = try MountInfo.parse(MountInfoTests.hybrid)
        #expect(hybrid.classifyCgroupPath("/system.slice/db.service") == .cgroup("/system.slice/db.service"))
        #expect(hybrid.classifyCgroupPath("/proc-like/x") == .cgroup("/proc-like/x"))
        // /mnt/my disk\tx is a mount, but it holds no cgroup hierarchy: a cgroup may be named that way.
        #expect(hybrid.classifyCgroupPath("/mnt/my disk\tx/a") == .cgroup("/mnt/my disk\tx/a"))
    }
}

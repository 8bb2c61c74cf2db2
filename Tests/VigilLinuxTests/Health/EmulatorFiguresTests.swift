import Testing
import VigilCore
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

/// A libvirt domain's figures read from a fixture tree: its emulator found in `/proc` by its UUID, the cgroup libvirt
/// made for it (or why there is none), and the guest's CPU from the emulator's virtual CPU threads.
@Suite struct EmulatorFiguresTests {
    static let uuid = "5f1c9c3e-7a7e-4c1b-9d0e-2b0c1a2b3c4d"

    /// Two QEMUs of a domain named `db` (a session daemon's and the system one's, told apart by their UUIDs), a
    /// sleeper, and the system one's cgroup under a root libvirtd without systemd (v1 memory, cgroup2).
    static func makeTree() throws -> FixtureTree {
        let tree = try FixtureTree()
        func qemu(_ pid: Int, uuid: String, cgroup: String) throws {
            let line = ["qemu-system-x86_64", "-name", "guest=db,debug-threads=on", "-uuid", uuid, "-m", "128"]
            try tree.write("/proc/\(pid)/cmdline", line.joined(separator: "\0") + "\0")
            try tree.write("/proc/\(pid)/cgroup", "4:memory:\(cgroup)\n0::\(cgroup)\n")
            try tree.write(
                "/proc/\(pid)/stat",
                "\(pid) (qemu-system-x86) S 1 \(pid) \(pid) 0 -1 0 0 0 0 0 50 20 0 0 20 0 4 0 100 0 3000\n"
            )
        }
        try qemu(400, uuid: uuid, cgroup: "/machine/qemu-2-db.libvirt-qemu/emulator")
        try qemu(500, uuid: "00000000-1111-2222-3333-444444444444", cgroup: "/user.slice/libvirtd")
        try tree.write("/proc/600/cmdline", "/bin/sleep\0" + "100\0")
        try tree.write("/proc/600/task/600/stat", "600 (sleep) S 1 600 600 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 100 0 200\n")
        for (tid, command, user, system) in [
            (400, "qemu-system-x86", 50, 20), (401, "CPU 0/TCG", 300, 10),
            (402, "CPU 1/TCG", 100, 0), (403, "IO mon_iothread", 7, 7),
        ] {
            try tree.write(
                "/proc/400/task/\(tid)/stat",
                "\(tid) (\(command)) S 1 400 400 0 -1 0 0 0 0 0 \(user) \(system) 0 0 20 0 4 0 100 0 3000\n"
            )
        }
        try tree.write("/sys/fs/cgroup/memory/machine/qemu-2-db.libvirt-qemu/memory.usage_in_bytes", "150994944\n")
        try tree.write("/sys/fs/cgroup/unified/machine/qemu-2-db.libvirt-qemu/cpu.stat", "usage_usec 1000\n")
        return tree
    }

    static let mountInfo = """
        35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
        """

    @Test func theDomainsEmulatorIsFoundByItsUUIDAmongQemusOfTheSameName() throws {
        let tree = try Self.makeTree()
        defer { tree.remove() }
        let root = HostRoot(path: tree.root)
        #expect(EmulatorProcess.find(domain: "db", uuid: Self.uuid, root: root) == 400)
        let other = "00000000-1111-2222-3333-444444444444"
        #expect(EmulatorProcess.find(domain: "db", uuid: other, root: root) == 500)
        // Without the UUID two QEMUs have the name: neither is taken for the domain's.
        #expect(EmulatorProcess.find(domain: "db", uuid: nil, root: root) == nil)
        #expect(EmulatorProcess.find(domain: "web", uuid: nil, root: root) == nil)
    }

    @Test func theDomainsCgroupFiguresComeFromTheCgroupLibvirtMadeAndASessionDomainSaysItHasNone() throws {
        let tree = try Self.makeTree()
        defer { tree.remove() }
        let root = HostRoot(path: tree.root)
        let locator = CgroupLocator(mountInfo: try MountInfo.parse(Self.mountInfo), root: root)
        let directories = try EmulatorProcess.domainCgroup(of: 400, locator: locator, root: root).get()
        #expect(directories.unified == tree.root + "/sys/fs/cgroup/unified/machine/qemu-2-db.libvirt-qemu")
        let sampler = TargetSampler(directories: directories, root: root)
        let memory = sampler.sample([HealthMetric(name: "memory.current")], mainPID: 400, now: .init(nanoseconds: 0))
        #expect(memory[HealthMetric(name: "memory.current")]?.value == 150_994_944)

        guard case .failure(let error) = EmulatorProcess.domainCgroup(of: 500, locator: locator, root: root) else {
            Issue.record("a QEMU in its session daemon's cgroup has no cgroup of the domain's")
            return
        }
        #expect(error.description.contains("libvirt made no cgroup for the domain"), "\(error)")
        let none = TargetSampler(directories: CgroupDirectories(), root: root, cgroupAbsence: error.description)
        let missing = none.sample([HealthMetric(name: "memory.current")], mainPID: 500, now: .init(nanoseconds: 0))
        #expect(missing.missing[HealthMetric(name: "memory.current")]?.contains("libvirt made no cgroup") == true)
    }

    @Test func theGuestsCPUIsItsVirtualCPUThreadsTimeBetweenTwoRoundsAndTheEmulatorsRSSItsOwn() throws {
        let tree = try Self.makeTree()
        defer { tree.remove() }
        let sampler = TargetSampler(directories: CgroupDirectories(), root: HostRoot(path: tree.root))
        let metrics: Set<HealthMetric> = [HealthMetric(name: "guest.cpu"), HealthMetric(name: "main.rss")]
        let first = sampler.sample(metrics, mainPID: 400, now: .init(nanoseconds: 0))
        #expect(first[HealthMetric(name: "guest.cpu")] == nil, "a rate needs two rounds")
        #expect(first[HealthMetric(name: "main.rss")]?.value == 3000 * Double(sysconf(Int32(_SC_PAGESIZE))))
        // 2 s later the two vCPU threads have used 150 more ticks (1.5 s of CPU): 75 % of one CPU. The emulator's
        // main and I/O threads' time is not the guest's.
        try tree.write(
            "/proc/400/task/401/stat",
            "401 (CPU 0/TCG) R 1 400 400 0 -1 0 0 0 0 0 400 10 0 0 20 0 4 0 100 0 3000\n"
        )
        try tree.write(
            "/proc/400/task/402/stat",
            "402 (CPU 1/TCG) R 1 400 400 0 -1 0 0 0 0 0 150 0 0 0 20 0 4 0 100 0 3000\n"
        )
        try tree.write(
            "/proc/400/task/403/stat",
            "403 (IO mon_iothread) S 1 400 400 0 -1 0 0 0 0 0 500 7 0 0 20 0 4 0 100 0 3000\n"
        )
        let second = sampler.sample(metrics, mainPID: 400, now: .init(nanoseconds: 2_000_000_000))
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        #expect(second[HealthMetric(name: "guest.cpu")]?.value == 150 / ticks / 2 * 100)

        let sleeper = sampler.sample([HealthMetric(name: "guest.cpu")], mainPID: 600, now: .init(nanoseconds: 0))
        #expect(sleeper.missing[HealthMetric(name: "guest.cpu")]?.contains("no virtual CPU threads") == true)
    }
}

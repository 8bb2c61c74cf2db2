import Testing
import VigilCore
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

extension SystemIntegrationTests {
    /// Real cgroups on this host (root, hybrid layout): a v2 cgroup and a v1 memory cgroup of the same name.
    @Suite struct RealCgroupTests {
        static func writeText(_ text: String, to path: String) -> Bool {
            let fd = open(path, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { return false }
            defer { close(fd) }
            return text.withCString { write(fd, $0, strlen($0)) } == text.utf8.count
        }

        @Test func aNewCgroupIsEmptyUnlimitedAndBecomesPopulatedWhenAChildMovesIn() throws {
            try #require(geteuid() == 0, "creating cgroups needs root")
            let locator = CgroupLocator(mountInfo: try HostReader(root: .host).mountInfo())
            let unified = try #require(locator.mounts.unified, "cgroup2 is mounted")
            let memory = try #require(locator.mounts.controllers["memory"], "the v1 memory controller is mounted")
            let name = "vigil-test-\(UInt64.random(in: 0...UInt64.max))"
            let v2 = unified.mountPoint + "/" + name
            let v1 = memory.mountPoint + "/" + name
            var child: SpawnedProcess?
            defer {
                if let child {
                    kill(child.pid, SIGKILL)
                    var status: Int32 = 0
                    waitpid(child.pid, &status, 0)
                    close(child.pidfd)
                }
                rmdir(v2)
                rmdir(v1)
            }
            #expect(mkdir(v2, 0o755) == 0)
            #expect(mkdir(v1, 0o755) == 0)

            let directories = locator.locate("/" + name)
            #expect(directories.unified == v2)
            #expect(directories.controllers["memory"] == v1)
            let reader = CgroupReader(directories: directories)
            #expect(try reader.events()?.populated == false)
            #expect(try reader.cpuStat()?.usageMicroseconds == 0)
            // On this host every controller is bound to v1, so v2 has no memory files; v1 carries them.
            #expect(try reader.memoryEvents() == nil)
            #expect(
                try reader.memoryOOMControl() == MemoryOOMControl(oomKillDisabled: false, underOOM: false, oomKills: 0)
            )
            #expect(try reader.memoryUsageV1() == 0)
            #expect(try reader.memoryLimitV1() == .unlimited)

            let spawned = try ProcessLauncher.spawn(
                LaunchSpec(path: "/bin/sleep", arguments: ["sleep", "60"], environment: [])
            )
            child = spawned
            #expect(Self.writeText("\(spawned.pid)\n", to: v2 + "/cgroup.procs"))
            #expect(try reader.events()?.populated == true)
            #expect(try CgroupProcess.cgroups(of: spawned.pid).unified == "/" + name)
            // Alive, whatever it is doing at this instant: just spawned, it may still be in its exec (D, or
            // waking) on a loaded host, not yet asleep in `sleep`.
            let state = try CgroupProcess.stat(of: spawned.pid).state
            #expect(![.zombie, .dead, .stopped, .tracingStop].contains(state), "\(state)")
        }

        @Test func readingAKeptFileOfARemovedCgroupIsAVanishedError() throws {
            try #require(geteuid() == 0, "creating cgroups needs root")
            let locator = CgroupLocator(mountInfo: try HostReader(root: .host).mountInfo())
            let unified = try #require(locator.mounts.unified)
            let v2 = unified.mountPoint + "/vigil-test-\(UInt64.random(in: 0...UInt64.max))"
            defer { rmdir(v2) }
            #expect(mkdir(v2, 0o755) == 0)
            let file = try KeptOpenFile(path: v2 + "/cgroup.events")
            #expect(try file.read().contains("populated 0"))
            #expect(rmdir(v2) == 0)
            let error = try #require(throws: SystemError.self) { try file.read() }
            #expect(error.fileVanished)
            let reader = CgroupReader(directories: CgroupDirectories(unified: v2))
            #expect(throws: HealthReadError.self) { try reader.events() }
        }
    }
}

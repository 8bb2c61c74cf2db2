import Foundation
import Testing
import VigilCore
import VigilLinux
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

extension SystemIntegrationTests {
    /// Spawning into a cgroup, and the cgroups of process targets, on this host's real hierarchies (cgroup2 at
    /// `/sys/fs/cgroup/unified` without controllers, v1 controllers beside it).
    @Suite struct TargetCgroupsTests {
        /// Runs `arguments` in `cgroup` and returns what it printed.
        static func output(_ arguments: [String], in cgroup: String?) throws -> String {
            var fds: [Int32] = [0, 0]
            #expect(pipe(&fds) == 0)
            defer { close(fds[0]) }
            let launch = LaunchSpec(path: arguments[0], arguments: arguments, environment: [], cgroupDirectory: cgroup)
            let process: SpawnedProcess
            do {
                process = try ProcessLauncher.spawn(launch, stdout: fds[1])
            } catch {
                close(fds[1])
                throw error
            }
            close(fds[1])
            var text = ""
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = read(fds[0], &buffer, buffer.count)
                guard count > 0 else { break }
                text += String(decoding: buffer[0..<count], as: UTF8.self)
            }
            var info = siginfo_t()
            _ = waitid(P_PID, id_t(process.pid), &info, WEXITED)
            close(process.pidfd)
            return text
        }

        @Test func aChildStartsInItsCgroup2BeforeItRunsAnything() throws {
            try #require(geteuid() == 0, "making cgroups needs root")
            let cgroup = try TestCgroup()
            // /proc/self/cgroup read by the program itself: it was in the cgroup when it ran.
            let text = try Self.output(["/bin/cat", "/proc/self/cgroup"], in: cgroup.unified)
            #expect(try ProcessCgroups.parse(text).unified == cgroup.path)
        }

        @Test func aChildJoinsAV1CgroupByItselfBeforeItRunsAnything() throws {
            try #require(geteuid() == 0, "making cgroups needs root")
            let cgroup = try TestCgroup(controllers: ["pids"])
            let directory = try #require(cgroup.controllers["pids"])
            let text = try Self.output(["/bin/cat", "/proc/self/cgroup"], in: directory)
            #expect(try ProcessCgroups.parse(text).controllers["pids"] == cgroup.path)
        }

        @Test func aCgroupThatCannotBeJoinedFailsTheSpawnNamingIt() throws {
            let plain = try VigildProcess.makeDirectory()
            defer { try? FileManager.default.removeItem(atPath: plain) }
            let notCgroup = try #require(throws: SpawnError.self) { try Self.output(["/bin/true"], in: plain) }
            #expect(notCgroup.step == "join cgroup")
            #expect(notCgroup.subject == plain)
            let missing = try #require(throws: SpawnError.self) {
                try Self.output(["/bin/true"], in: plain + "/missing")
            }
            #expect(missing.step == "open cgroup")
            #expect(missing.description.contains(plain + "/missing"))
        }

        @Test func targetCgroupsAreMadeUnderTheStateDirectorysSubtreeAndRemovedWhenEmpty() throws {
            try #require(geteuid() == 0, "making cgroups needs root")
            let state = "/tmp/vigil-test-\(UInt64.random(in: 0...UInt64.max))/state"
            defer { TestCgroup.removeTargetCgroups(stateDirectory: state) }
            let locator = CgroupLocator(mountInfo: try HostReader(root: .host).mountInfo())
            let cgroups = try TargetCgroups.prepare(locator: locator, stateDirectory: state, environment: [:])
            #expect(cgroups.layout.daemonLeaf == nil, "vigild outside systemd stays where it is")
            #expect(cgroups.layout.targetsParent.hasPrefix("/vigil/tmp-vigil\\x2dtest\\x2d"))
            #expect(cgroups.v1Hierarchy == nil)
            let parent = try #require(TestCgroup.targetCgroupsDirectory(stateDirectory: state))
            #expect(FileManager.default.fileExists(atPath: parent))

            let directory = try cgroups.create("db.primary")
            #expect(directory == parent + "/_db.primary")
            #expect(cgroups.exists("db.primary"))
            let text = try Self.output(["/bin/cat", "/proc/self/cgroup"], in: directory)
            #expect(try ProcessCgroups.parse(text).unified == cgroups.path(of: "db.primary"))
            #expect(cgroups.processes(of: "db.primary").isEmpty, "the child has exited")
            #expect(cgroups.remove("db.primary"))
            #expect(!cgroups.exists("db.primary"))
            cgroups.removeParentIfEmpty()
            #expect(!FileManager.default.fileExists(atPath: parent))
        }

        @Test func withoutCgroup2TheTargetsUseAV1HierarchyAndAreKilledPIDByPID() throws {
            try #require(geteuid() == 0, "making cgroups needs root")
            let mounts = CgroupLocator(mountInfo: try HostReader(root: .host).mountInfo()).mounts
            let pids = try #require(mounts.controllers["pids"], "the v1 pids hierarchy is mounted")
            // This host as a v1-only one would look: no cgroup2, and no name=systemd hierarchy either.
            let v1Only = CgroupLocator(mounts: CgroupMounts(controllers: ["pids": pids]))
            let state = "/tmp/vigil-test-\(UInt64.random(in: 0...UInt64.max))/state"
            let cgroups = try TargetCgroups.prepare(locator: v1Only, stateDirectory: state, environment: [:])
            let parent = pids.mountPoint + cgroups.layout.targetsParent
            defer {
                TestCgroup.removeTree(parent)
                _ = rmdir(pids.mountPoint + "/vigil")
            }
            #expect(cgroups.v1Hierarchy == "pids")
            let directory = try cgroups.create("worker")
            #expect(directory == parent + "/worker")
            let process = try ProcessLauncher.spawn(
                LaunchSpec(
                    path: "/bin/sleep",
                    arguments: ["sleep", "100"],
                    environment: [],
                    cgroupDirectory: directory
                )
            )
            defer { close(process.pidfd) }
            #expect(try CgroupProcess.cgroups(of: process.pid).controllers["pids"] == cgroups.path(of: "worker"))
            #expect(cgroups.processes(of: "worker") == [process.pid])
            #expect(CgroupControl.signal(.kill, cgroups.directories(of: "worker")) == 1, "no cgroup.kill in v1")
            var info = siginfo_t()
            _ = waitid(P_PID, id_t(process.pid), &info, WEXITED)
            #expect(cgroups.processes(of: "worker").isEmpty)
            #expect(cgroups.remove("worker"))
            cgroups.removeParentIfEmpty()
            #expect(!FileManager.default.fileExists(atPath: parent))
        }
    }
}

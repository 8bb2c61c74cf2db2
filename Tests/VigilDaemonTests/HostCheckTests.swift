import Foundation
import Testing
import VigilCore
import VigilLinux
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// `vigild --check-config` against this host: values that parse but cannot work here are errors, those that may work
/// later are warnings (`file:line: key: warning: message`, exit 0).
@Suite struct HostCheckTests {
    private func check(_ text: String) throws -> (file: String, status: Int32, out: String, err: String) {
        let directory = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/vigil.toml"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try ProcessProbe.run(VigildProcess.binary, ["--check-config", file])
        return (file, result.status, result.out, result.err)
    }

    private static var mounts: MountInfo {
        get throws { try HostReader(root: .host).mountInfo() }
    }

    @Test func aCgroupPathUnderTheMountThatHoldsTheHierarchiesIsRefusedWithTheFormToWrite() throws {
        let mounts = try Self.mounts
        // A hybrid host (this one) mounts a tmpfs at /sys/fs/cgroup with the hierarchies below it.
        guard case .notACgroup(let holder, _, _) = mounts.classifyCgroupPath("/sys/fs/cgroup/db") else {
            try #require(Bool(false), "/sys/fs/cgroup is a cgroup hierarchy on this host, not a tmpfs holding them")
            return
        }
        let result = try check(
            """
            [[target]]
            name = "db"
            kind = "cgroup"
            cgroup = "/sys/fs/cgroup/db"
            """
        )
        #expect(result.status == 1)
        let expected =
            "\(result.file):4: target[db].cgroup: \"/sys/fs/cgroup/db\" is under \(holder) (tmpfs), which is not a "
            + "cgroup hierarchy: write the cgroup as /proc/PID/cgroup shows it, cgroup = \"/db\""
        #expect(result.err.hasPrefix(expected), "\(result.err)")
        let memory = try #require(mounts.cgroupMounts.controllers["memory"]?.mountPoint)
        #expect(result.err.contains("e.g. cgroup = \"\(memory)/db\""), "\(result.err)")
    }

    @Test func aHierarchysMountPointIsRefusedAsTheRootCgroup() throws {
        let memory = try #require(try Self.mounts.cgroupMounts.controllers["memory"]?.mountPoint)
        let result = try check("[[target]]\nname = \"all\"\nkind = \"cgroup\"\ncgroup = \"\(memory)\"\n")
        #expect(result.status == 1)
        #expect(result.err.contains("\(result.file):4: target[all].cgroup: \"\(memory)\" is the root of the cgroup "))
    }

    @Test func aCgroupThatExistsNowhereIsAWarningAndTheFileStillChecksOK() throws {
        let name = "/vigil-absent-\(UInt64.random(in: 0...UInt64.max))"
        let result = try check(
            """
            [[target]]
            name = "later"
            kind = "cgroup"
            cgroup = "\(name)"
            """
        )
        #expect(result.status == 0)
        #expect(result.out == "\(result.file): OK, 1 target: later\n")
        let expected =
            "\(result.file):4: target[later].cgroup: warning: cgroup \"\(name)\" does not exist in any cgroup "
            + "hierarchy on this host ("
        #expect(result.err.hasPrefix(expected), "\(result.err)")
        #expect(result.err.hasSuffix("): the target waits until it appears\n"), "\(result.err)")
    }

    @Test func theMountPathOfAnExistingV1CgroupIsAcceptedWithoutAWarning() throws {
        try #require(geteuid() == 0, "creating cgroups needs root")
        let cgroup = try TestCgroup(controllers: ["memory"])
        let directory = try #require(cgroup.controllers["memory"])
        let result = try check("[[target]]\nname = \"db\"\nkind = \"cgroup\"\ncgroup = \"\(directory)\"\n")
        #expect(result.status == 0)
        #expect(result.err.isEmpty, "\(result.err)")
    }

    @Test func aWatchOnlyMachineThatIsNotRunningIsAWarning() throws {
        let result = try check("[[target]]\nname = \"guest\"\nkind = \"vm\"\nmachine = \"vigil-no-such-guest\"\n")
        #expect(result.status == 0)
        let expected =
            "\(result.file):4: target[guest].machine: warning: machine \"vigil-no-such-guest\" has no scope under "
            + "/machine.slice now: the target waits until it runs\n"
        #expect(result.err == expected)
    }

    @Test func aUnitWithoutAUnitFileAndAPidFileInAMissingDirectoryAreWarnings() throws {
        let result = try check(
            """
            [[target]]
            name = "svc"
            kind = "service"
            unit = "vigil-no-such-unit.service"

            [[target]]
            name = "daemon"
            pid_file = "/nonexistent-vigil-dir/d.pid"
            actuator = { name = "exec", start = ["/bin/true"], stop = ["/bin/true"] }
            """
        )
        #expect(result.status == 0, "\(result.err)")
        let lines = result.err.split(separator: "\n").map(String.init)
        #expect(
            lines.contains {
                $0.hasPrefix(
                    "\(result.file):4: target[svc].unit: warning: no unit file for \"vigil-no-such-unit.service\" in "
                        + "/etc/systemd/system"
                )
            },
            "\(lines)"
        )
        #expect(
            lines.contains {
                $0.hasPrefix(
                    "\(result.file):8: target[daemon].pid_file: warning: the directory \"/nonexistent-vigil-dir\" "
                        + "does not exist"
                )
            },
            "\(lines)"
        )
        #expect(lines.count == 2)
    }

    @Test func anInstanceOfAnInstalledTemplateUnitHasNoWarning() throws {
        // getty@.service ships with systemd, which the tests install.
        let result = try check("[[target]]\nname = \"tty\"\nkind = \"service\"\nunit = \"getty@tty9.service\"\n")
        #expect(result.status == 0)
        #expect(result.err.isEmpty, "\(result.err)")
    }

    @Test func aUDPHeartbeatAddressThatIsNotOnThisHostIsAWarningAndALocalOneIsNot() throws {
        let target = "[[target]]\nname = \"api\"\nexec = [\"/bin/sleep\", \"1\"]\n"
        // 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of this host.
        let remote = try check("[daemon]\nheartbeat_listen = [\"udp://192.0.2.1:9000\"]\n\n" + target)
        #expect(remote.status == 0)
        let expected =
            "\(remote.file):2: daemon.heartbeat_listen: warning: 192.0.2.1 is not an address of this host now (bind: "
        #expect(remote.err.hasPrefix(expected), "\(remote.err)")
        #expect(remote.err.hasSuffix("): vigild cannot receive heartbeats there until it is\n"), "\(remote.err)")
        let local = try check("[daemon]\nheartbeat_listen = [\"udp://127.0.0.1:9000\"]\n\n" + target)
        #expect(local.status == 0)
        #expect(local.err.isEmpty, "\(local.err)")
    }

    @Test func aDomainTargetWithoutVirshInPATHIsAnError() throws {
        let directory = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/vigil.toml"
        try "[[target]]\nname = \"db1\"\nkind = \"vm\"\ndomain = \"db1\"\n".write(
            toFile: file,
            atomically: true,
            encoding: .utf8
        )
        let result = try ProcessProbe.run(
            "/usr/bin/env",
            ["PATH=\(directory)", VigildProcess.binary, "--check-config", file]
        )
        #expect(result.status == 1)
        let expected =
            "\(file):4: target[db1].domain: virsh not found in PATH (\(directory)): a domain target is started, "
            + "stopped and watched through virsh; install libvirt-clients\n"
        #expect(result.err == expected)
        // With the host's PATH (libvirt-clients is installed for the tests) the same file is valid.
        #expect(try ProcessProbe.run(VigildProcess.binary, ["--check-config", file]).status == 0)
    }

    @Test func vigildLogsTheWarningsOfTheFileItLoadsAtStartAndOnReload() async throws {
        let missing = "/vigil-absent-\(UInt64.random(in: 0...UInt64.max))"
        let watched = "[[target]]\nname = \"later\"\nkind = \"cgroup\"\ncgroup = \"\(missing)\"\n"
        let vigild = try VigildProcess(config: watched)
        try await vigild.waitForEvent(.daemonReady)
        let warning = "target[later].cgroup: warning: cgroup \"\(missing)\" does not exist"
        #expect(vigild.lines.contains { $0.raw.contains(warning) }, "\(vigild.lines)")
        try (watched + "\n[[target]]\nname = \"guest\"\nkind = \"vm\"\nmachine = \"vigil-no-such-guest\"\n")
            .write(toFile: vigild.configPath, atomically: true, encoding: .utf8)
        vigild.signal(SIGHUP)
        try await vigild.waitForEvent(.reloadSucceeded)
        #expect(
            vigild.lines.contains {
                $0.raw.contains("target[guest].machine: warning: machine \"vigil-no-such-guest\"")
            },
            "\(vigild.lines)"
        )
    }

    @Test func theUnitOfTheSystemdActuatorWithoutAUnitFileIsAWarning() throws {
        let result = try check(
            """
            [[target]]
            name = "web"
            pid_file = "/run/vigil-web.pid"
            actuator = { name = "systemd", unit = "vigil-no-such-unit.service" }
            """
        )
        #expect(result.status == 0, "\(result.err)")
        let expected =
            "\(result.file):4: target[web].actuator.unit: warning: no unit file for \"vigil-no-such-unit.service\" in "
            + "/etc/systemd/system"
        #expect(result.err.hasPrefix(expected), "\(result.err)")
    }

    @Test func aMetricsAddressThisHostDoesNotHaveAndATextfileInAMissingDirectoryAreWarnings() throws {
        let result = try check(
            """
            [daemon]
            metrics_listen = "192.0.2.1:9701"
            metrics_textfile = "/nonexistent-vigil-dir/vigil.prom"
            """
        )
        #expect(result.status == 0, "\(result.err)")
        let lines = result.err.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(lines)")
        #expect(
            lines.first?.hasPrefix(
                "\(result.file):2: daemon.metrics_listen: warning: 192.0.2.1 is not an address of this host now (bind: "
            ) == true,
            "\(lines)"
        )
        #expect(lines.first?.hasSuffix("): vigild cannot serve metrics there until it is") == true, "\(lines)")
        #expect(
            lines.last
                == "\(result.file):3: daemon.metrics_textfile: warning: the directory \"/nonexistent-vigil-dir\" does "
                + "not exist: the metrics textfile cannot be written until it does"
        )
    }
}

import Testing
import VigilCore

@Suite struct TargetCgroupLayoutTests {
    @Test func aSystemdServiceMovesIntoADaemonLeafAndPutsTargetsBesideIt() {
        let layout = TargetCgroupLayout.decide(
            ownCgroup: "/system.slice/vigild.service",
            isServiceMainProcess: true,
            hierarchyRoot: "/",
            stateDirectory: "/var/lib/vigil"
        )
        #expect(layout.daemonLeaf == "/system.slice/vigild.service/daemon")
        #expect(layout.targetsParent == "/system.slice/vigild.service/targets")
        #expect(layout.cgroup(of: "web") == "/system.slice/vigild.service/targets/web")
    }

    @Test func aServiceAlreadyInItsLeafKeepsTheSameLayout() {
        let layout = TargetCgroupLayout.decide(
            ownCgroup: "/system.slice/vigild.service/daemon",
            isServiceMainProcess: true,
            hierarchyRoot: "/",
            stateDirectory: "/var/lib/vigil"
        )
        #expect(layout.daemonLeaf == "/system.slice/vigild.service/daemon")
        #expect(layout.targetsParent == "/system.slice/vigild.service/targets")
    }

    @Test func outsideSystemdVigildStaysAndItsTargetsGoUnderTheRootNamedByTheStateDirectory() {
        // A shell's session scope is systemd's, not vigild's to divide; nor is the test runner's root.
        for own in ["/user.slice/user-0.slice/session-1.scope", "/"] {
            let layout = TargetCgroupLayout.decide(
                ownCgroup: own,
                isServiceMainProcess: false,
                hierarchyRoot: "/",
                stateDirectory: "/var/lib/vigil"
            )
            #expect(layout == TargetCgroupLayout(targetsParent: "/vigil/var-lib-vigil"))
        }
        // A vigild that systemd started in the root cgroup (none is delegated there) is treated the same.
        let root = TargetCgroupLayout.decide(
            ownCgroup: "/",
            isServiceMainProcess: true,
            hierarchyRoot: "/",
            stateDirectory: "/var/lib/vigil"
        )
        #expect(root.daemonLeaf == nil)
    }

    @Test func inAContainerTheTargetsStayInsideTheContainersSubtree() {
        let layout = TargetCgroupLayout.decide(
            ownCgroup: "/docker/abc",
            isServiceMainProcess: false,
            hierarchyRoot: "/docker/abc",
            stateDirectory: "/var/lib/vigil"
        )
        #expect(layout.cgroup(of: "db") == "/docker/abc/vigil/var-lib-vigil/db")
    }

    @Test func twoStateDirectoriesNeverShareASubtree() {
        let names = ["/var/lib/vigil", "/var/lib/vigil-2", "/var/lib/vigil/2", "/tmp/x y", "/srv/.hidden", "/"].map {
            TargetCgroupLayout.instanceName(stateDirectory: $0)
        }
        #expect(
            names == ["var-lib-vigil", "var-lib-vigil\\x2d2", "var-lib-vigil-2", "tmp-x\\x20y", "_srv-.hidden", "-"]
        )
        #expect(Set(names).count == names.count)
        let long = "/" + String(repeating: "a", count: 300)
        #expect(TargetCgroupLayout.instanceName(stateDirectory: long).hasPrefix("state-"))
    }

    @Test func targetNamesThatCouldClashWithKernelFilesAreEscapedOneToOne() {
        #expect(TargetCgroupLayout.escape("web") == "web")
        #expect(TargetCgroupLayout.escape("web-1@a") == "web-1@a")
        #expect(TargetCgroupLayout.escape("cgroup.procs") == "_cgroup.procs")
        #expect(TargetCgroupLayout.escape("memory.max") == "_memory.max")
        #expect(TargetCgroupLayout.escape("tasks") == "_tasks")
        #expect(TargetCgroupLayout.escape("_tasks") == "__tasks")
        #expect(TargetCgroupLayout.escape(".") == "_.")
        #expect(TargetCgroupLayout.escape("..") == "_..")
    }
}

import Foundation
import Testing
import VigilCore
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Hot standby of systemd units, against a real systemd (booted in nspawn) over its own bus: each unit learns its
/// role from the runtime drop-in vigild writes before it starts it, a promotion is `KillUnit` of the
/// `promote_signal` to the standby's main process, verified by its `status` command, and the fenced primary unit
/// comes back as a standby.
extension ServiceTargetTests {
    @Test func hotStandbyUnitsStartInTheRoleTheirDropInGivesAndArePromotedBySignallingTheirMainProcess() async throws {
        try #require(geteuid() == 0, "systemd-nspawn needs root")
        let (portA, portB) = (try RoleService.freePort(), try RoleService.freePort())
        // The role service runs inside the container from the units' directory (bound from the host).
        func unit(_ port: UInt16) -> String {
            "[Unit]\nDescription=role service\n[Service]\n"
                + "ExecStart=/usr/bin/python3 /etc/systemd/system/role-service.py \(port)\n"
        }
        let container = try await SystemdContainer(
            units: ["a.service": unit(portA), "b.service": unit(portB), "role-service.py": RoleService.script],
            runtimeUnits: true
        )
        defer { container.stop() }
        try #require(try await container.waitForBus(timeout: .seconds(90)), "the container's system bus did not appear")
        guard case .bus(let address) = container.busAddress else {
            Issue.record("expected a bus address")
            return
        }
        let directory = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let log = directory + "/status.log"
        func member(_ name: String, _ port: UInt16, _ extra: String = "") -> String {
            """
            [[target]]
            name = "\(name)"
            kind = "service"
            unit = "\(name).service"
            restart = { backoff = "0..1s", start_grace = "100ms" }
            start_timeout = "60s"
            promote_signal = "SIGUSR1"
            status = \(RoleService.statusCommand(port: port, log: log))
            \(extra)

            """
        }
        let vigild = try VigildProcess(
            config: """
                [daemon]
                systemd_bus = "\(address)"
                systemd_dropins = "\(container.runtimeUnitDirectory)"

                """
                    + member("a", portA, "standbys = [\"b\"]\nstandby_mode = \"hot\"\nverify_window = \"20s\"")
                    + member("b", portB)
        )
        defer { vigild.stop() }
        try await vigild.waitForEvent(.targetStarted, target: "a", timeout: .seconds(60))
        let standby = try await vigild.waitForEvent(.targetStarted, target: "b", timeout: .seconds(60))
        #expect(try await RoleService.waitFor("primary", at: portA), "a started as the primary")
        #expect(try await RoleService.waitFor("standby", at: portB), "b started as a standby, from its drop-in")
        let dropIn = { (name: String) in
            (try? String(
                contentsOfFile: UnitRoleDropIn.path(unit: "\(name).service", directory: container.runtimeUnitDirectory),
                encoding: .utf8
            )) ?? ""
        }
        #expect(dropIn("b").contains("Environment=VIGIL_ROLE=standby VIGIL_TARGET=b VIGIL_SERVICE=a"), "\(dropIn("b"))")
        #expect(dropIn("a").contains("Environment=VIGIL_ROLE=primary"), "\(dropIn("a"))")
        try await vigild.waitForEvent(.daemonReady)
        try await vigild.waitFor("b eligible", timeout: .seconds(30)) { _ in
            (try? HotStandbyTests.status(of: "b", in: vigild))?.standbyEligible == true ? true : nil
        }

        let moved = try ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .failover, target: "a"))
        #expect(moved.ok, "\(moved)")
        let completed = try await vigild.waitForEvent(.failoverCompleted, target: "a", timeout: .seconds(60))
        #expect(completed.message.contains("from a to b"), "\(completed)")
        #expect(RoleService.role(at: portB) == "primary", "promoted in place, verified by its status command")
        #expect(vigild.events(.targetStarted, target: "b").count == 1, "the same unit instance")
        #expect(try HotStandbyTests.status(of: "b", in: vigild)?.pid == standby.pid, "the same main process")
        #expect(HotStandbyTests.lines(of: log).contains("b primary status"))

        // The fenced primary unit comes back as a standby, and says so.
        let confirmed = try await vigild.waitFor("a's rejoin confirmed", timeout: .seconds(60)) { _ in
            vigild.events(.roleChanged, target: "a").first { $0.fields["VIGIL_RESULT"] != nil }
        }
        #expect(confirmed.fields["VIGIL_RESULT"] == "reports itself a standby", "\(confirmed)")
        #expect(RoleService.role(at: portA) == "standby")
        #expect(RoleService.role(at: portB) == "primary")
        #expect(dropIn("a").contains("Environment=VIGIL_ROLE=standby"), "\(dropIn("a"))")
        try await vigild.waitFor("b's drop-in says primary") { _ in
            dropIn("b").contains("Environment=VIGIL_ROLE=primary") ? true : nil
        }
    }
}

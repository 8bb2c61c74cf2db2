import Foundation
import Testing
import VigilCore
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The `status` command as a promotion's verification (and a rejoin's), and a reload that changes a group's standby
/// mode, with real processes of the role-answering service.
extension HotStandbyTests {
    @Test func aPromotionHoldsOnceTheStatusCommandSaysPrimaryAndTheRejoinedPrimaryIsCheckedToBeAStandby() async throws {
        let directory = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let program = try RoleService.install(in: directory)
        let log = directory + "/status.log"
        let (portA, portB) = (try RoleService.freePort(), try RoleService.freePort())
        // Promoted by a signal whose effect shows only later: the python service switches role when it next looks.
        let vigild = try VigildProcess(
            config: RoleService.target(
                "a",
                program: program,
                port: portA,
                extra: """
                    standbys = ["b"]
                    standby_mode = "hot"
                    verify_window = "20s"
                    promote_signal = "SIGUSR1"
                    status = \(RoleService.statusCommand(port: portA, log: log))
                    """
            )
                + RoleService.target(
                    "b",
                    program: program,
                    port: portB,
                    extra: "promote_signal = \"SIGUSR1\"\nstatus = \(RoleService.statusCommand(port: portB, log: log))"
                )
        )
        #expect(try await RoleService.waitFor("standby", at: portB))
        try await vigild.waitForEvent(.daemonReady)
        try await vigild.waitFor("b eligible") { _ in
            (try? Self.status(of: "b", in: vigild))?.standbyEligible == true ? true : nil
        }
        #expect(Self.lines(of: log).isEmpty, "the status command is asked only while an answer is awaited")

        let moved = try ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .failover, target: "a"))
        #expect(moved.ok, "\(moved)")
        let completed = try await vigild.waitForEvent(.failoverCompleted, target: "a", timeout: .seconds(30))
        #expect(completed.message.contains("from a to b"), "\(completed)")
        #expect(RoleService.role(at: portB) == "primary", "completed only once the status command said so")
        #expect(Self.lines(of: log).contains("b primary status"), "\(Self.lines(of: log))")

        // The fenced primary rejoins as a standby, and its status command confirms it.
        let confirmed = try await vigild.waitFor("the rejoin confirmed", timeout: .seconds(60)) { _ in
            vigild.events(.roleChanged, target: "a").first { $0.fields["VIGIL_RESULT"] != nil }
        }
        #expect(confirmed.fields["VIGIL_RESULT"] == "reports itself a standby", "\(confirmed)")
        #expect(Self.lines(of: log).contains("a standby status"), "\(Self.lines(of: log))")
        #expect(RoleService.role(at: portA) == "standby")
        #expect(RoleService.role(at: portB) == "primary")
        // Nothing is awaited any more: the command is not asked again.
        let asked = Self.lines(of: log).count
        try await Task.sleep(for: .seconds(1))
        #expect(Self.lines(of: log).count == asked)
    }

    @Test func aPromotedStandbyWhoseStatusCommandNeverSaysPrimaryFailsItsPromotion() async throws {
        let directory = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let program = try RoleService.install(in: directory)
        let log = directory + "/status.log"
        let (portA, portB) = (try RoleService.freePort(), try RoleService.freePort())
        // SIGWINCH is ignored by the service: it stays a standby, and its status command keeps saying so.
        let vigild = try VigildProcess(
            config: RoleService.target(
                "a",
                program: program,
                port: portA,
                extra: """
                    standbys = ["b"]
                    standby_mode = "hot"
                    verify_window = "2s"
                    promote_signal = "SIGUSR1"
                    """
            )
                + RoleService.target(
                    "b",
                    program: program,
                    port: portB,
                    extra: "promote_signal = \"SIGWINCH\"\nstatus = \(RoleService.statusCommand(port: portB, log: log))"
                )
        )
        #expect(try await RoleService.waitFor("standby", at: portB))
        try await vigild.waitFor("b eligible") { _ in
            (try? Self.status(of: "b", in: vigild))?.standbyEligible == true ? true : nil
        }
        let moved = try ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .failover, target: "a"))
        #expect(moved.ok, "\(moved)")
        let aborted = try await vigild.waitForEvent(.failoverAborted, target: "a", timeout: .seconds(30))
        #expect(aborted.message.contains("did not report role=primary within 2s"), "\(aborted)")
        #expect(aborted.message.contains("status command /bin/bash"), "\(aborted)")
        #expect(Self.lines(of: log).count >= 2, "asked again while no answer said primary: \(Self.lines(of: log))")
        #expect(vigild.events(.failoverCompleted).isEmpty)
        #expect(RoleService.role(at: portB) == "standby")
        #expect(RoleService.role(at: portA) == nil, "the primary stays fenced")
    }

    @Test func aFormerPrimaryThatRejoinsClaimingToBePrimaryIsStopped() async throws {
        let directory = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let program = try RoleService.install(in: directory)
        let (portA, portB) = (try RoleService.freePort(), try RoleService.freePort())
        // a ignores the role it is given: it always starts as a primary (a broken or misconfigured program).
        let vigild = try VigildProcess(
            config: """
                [[target]]
                name = "a"
                exec = ["/usr/bin/env", "VIGIL_ROLE=primary", "/usr/bin/python3", "\(program)", "\(portA)"]
                restart = { start_grace = "100ms", backoff = "100ms..200ms" }
                standbys = ["b"]
                standby_mode = "hot"
                verify_window = "20s"
                promote_signal = "SIGUSR1"
                status = \(RoleService.statusCommand(port: portA))

                """
                    + RoleService.target(
                        "b",
                        program: program,
                        port: portB,
                        extra: "promote_signal = \"SIGUSR1\"\nstatus = \(RoleService.statusCommand(port: portB))"
                    )
        )
        #expect(try await RoleService.waitFor("standby", at: portB))
        try await vigild.waitFor("b eligible") { _ in
            (try? Self.status(of: "b", in: vigild))?.standbyEligible == true ? true : nil
        }
        let moved = try ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .failover, target: "a"))
        #expect(moved.ok, "\(moved)")
        try await vigild.waitForEvent(.failoverCompleted, target: "a", timeout: .seconds(30))
        let stopped = try await vigild.waitFor("a stopped as a second primary", timeout: .seconds(60)) { _ in
            vigild.events(.roleChanged, target: "a").first { $0.fields["VIGIL_RESULT"] != nil }
        }
        #expect(stopped.fields["VIGIL_RESULT"]?.contains("reports itself primary while b is: stopped") == true)
        try await vigild.waitFor("a down") { _ in RoleService.role(at: portA) == nil ? true : nil }
        #expect(try Self.status(of: "a", in: vigild)?.pid == nil, "left down for an operator")
        #expect(RoleService.role(at: portB) == "primary")
    }

    @Test func aReloadThatMakesAGroupHotStartsItsStandbyAndOneThatMakesItColdStopsIt() async throws {
        let directory = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let program = try RoleService.install(in: directory)
        let (portA, portB) = (try RoleService.freePort(), try RoleService.freePort())
        func config(_ mode: String) -> String {
            RoleService.target(
                "a",
                program: program,
                port: portA,
                extra: "standbys = [\"b\"]\nstandby_mode = \"\(mode)\"\npromote_signal = \"SIGUSR1\""
            ) + RoleService.target("b", program: program, port: portB, extra: "promote_signal = \"SIGUSR1\"")
        }
        let vigild = try VigildProcess(config: config("cold"))
        #expect(try await RoleService.waitFor("primary", at: portA))
        try await vigild.waitForEvent(.daemonReady)
        #expect(RoleService.role(at: portB) == nil, "a cold standby does not run")

        // The file as the harness wrote it (with its own runtime and state directories), another mode.
        let written = try String(contentsOfFile: vigild.configPath, encoding: .utf8)
        func rewrite(_ mode: String) throws {
            try written.replacingOccurrences(of: "standby_mode = \"cold\"", with: "standby_mode = \"\(mode)\"")
                .write(toFile: vigild.configPath, atomically: true, encoding: .utf8)
        }
        try rewrite("hot")
        vigild.signal(SIGHUP)
        try await vigild.waitForEvent(.reloadSucceeded)
        #expect(try await RoleService.waitFor("standby", at: portB), "started by the reload, as a standby")
        try await vigild.waitFor("b eligible") { _ in
            (try? Self.status(of: "b", in: vigild))?.standbyEligible == true ? true : nil
        }
        #expect(RoleService.role(at: portA) == "primary", "the primary is left alone")

        try rewrite("cold")
        vigild.signal(SIGHUP)
        try await vigild.waitForEvent(.reloadSucceeded, count: 2)
        try await vigild.waitFor("b stopped") { _ in RoleService.role(at: portB) == nil ? true : nil }
        #expect(RoleService.role(at: portA) == "primary")
        #expect(vigild.events(.targetStarted, target: "a").count == 1)
    }
}

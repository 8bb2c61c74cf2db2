import Foundation
import Testing
import VigilCore
import VigilLinux
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Hot standby with real processes: standbys that run as standbys, are promoted by a role change, and former
/// primaries that come back as standbys.
@Suite struct HotStandbyTests {
    static func status(of name: String, in vigild: VigildProcess) throws -> TargetStatus? {
        try ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .status)).status?.targets.first {
            $0.name == name
        }
    }

    static func lines(of path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    @Test func aHotStandbyRunsAsStandbyIsPromotedByItsPromoteCommandAndTheOldPrimaryRejoinsAsStandby() async throws {
        let directory = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let program = try RoleService.install(in: directory)
        let log = directory + "/promote.log"
        let promote = "[\"/bin/sh\", \"-c\", \"echo $VIGIL_TARGET $VIGIL_ROLE >> \(log); kill -USR1 $VIGIL_PID\"]"
        let demote = "[\"/bin/sh\", \"-c\", \"echo demote $VIGIL_TARGET $VIGIL_ROLE $VIGIL_PRIMARY >> \(log)\"]"
        let (portA, portB) = (try RoleService.freePort(), try RoleService.freePort())
        let vigild = try VigildProcess(
            config: RoleService.target(
                "a",
                program: program,
                port: portA,
                extra: """
                    standbys = ["b"]
                    standby_mode = "hot"
                    promote = \(promote)
                    demote = \(demote)
                    """
            ) + RoleService.target("b", program: program, port: portB, extra: "promote = \(promote)")
        )
        let primary = try #require(try await vigild.waitForEvent(.targetStarted, target: "a").pid)
        let standby = try #require(try await vigild.waitForEvent(.targetStarted, target: "b").pid)
        #expect(try await RoleService.waitFor("primary", at: portA))
        #expect(try await RoleService.waitFor("standby", at: portB), "the standby runs, in the standby role")
        try await Task.sleep(for: .milliseconds(300))
        let before = try #require(try Self.status(of: "b", in: vigild))
        #expect(before.role == .standby && before.standbyEligible == true, "\(before)")
        let table = try ProcessProbe.run(
            VigildProcess.siblingExecutable("vigilctl"),
            ["status", "--socket", vigild.controlSocket]
        )
        #expect(table.out.contains("running (standby) (eligible)"), "\(table.out)")

        let moved = try ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .failover, target: "a"))
        #expect(moved.ok, "\(moved)")
        let completed = try await vigild.waitForEvent(.failoverCompleted, target: "a")
        #expect(completed.message.contains("from a to b"), "\(completed)")
        #expect(try await RoleService.waitFor("primary", at: portB, timeout: .seconds(5)), "promoted in place")
        #expect(ProcessProbe.isRunning(standby), "the same instance, not a new one")
        #expect(vigild.events(.targetStarted, target: "b").count == 1)
        #expect(!ProcessProbe.isRunning(primary), "the primary was fenced")
        #expect(Self.lines(of: log).first == "b primary")
        let promoted = try #require(vigild.events(.roleChanged, target: "b").first)
        #expect(promoted.fields["VIGIL_OPERATION"] == "promote", "\(promoted)")

        // The fenced primary comes back, as a standby: never a second primary.
        let rejoined = try #require(try await vigild.waitForEvent(.targetStarted, target: "a", count: 2).pid)
        #expect(rejoined != primary)
        #expect(try await RoleService.waitFor("standby", at: portA))
        try await vigild.waitFor("demote") { _ in Self.lines(of: log).contains("demote a standby b") ? true : nil }
        #expect(RoleService.role(at: portB) == "primary")
        let after = try #require(try Self.status(of: "a", in: vigild))
        #expect(after.role == .standby, "\(after)")
        #expect(try Self.status(of: "b", in: vigild)?.role == .active)
        #expect(Self.lines(of: log).filter { $0.hasPrefix("b ") }.count == 1, "promoted once")
    }

    @Test func aHotStandbyThatCrashesWhileStandingByIsRestartedAndIneligibleMeanwhile() async throws {
        let directory = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let program = try RoleService.install(in: directory)
        let (portA, portB) = (try RoleService.freePort(), try RoleService.freePort())
        // While the gate exists, b's every start fails at once: it stays down however slowly the test runs.
        let gate = directory + "/gate"
        let vigild = try VigildProcess(
            config: RoleService.target(
                "a",
                program: program,
                port: portA,
                extra: """
                    standbys = ["b"]
                    standby_mode = "hot"
                    promote_signal = "SIGUSR1"
                    """
            )
                + """
                [[target]]
                name = "b"
                exec = ["/bin/sh", "-c", "[ -e \(gate) ] && exit 1; exec /usr/bin/python3 \(program) \(portB)"]
                restart = { start_grace = "2s", backoff = "200ms..200ms", burst = 1000, within = "1m" }
                promote_signal = "SIGUSR1"
                """
        )
        try await vigild.waitForEvent(.targetStarted, target: "a")
        let standby = try #require(try await vigild.waitForEvent(.targetStarted, target: "b").pid)
        #expect(try await RoleService.waitFor("standby", at: portB))
        try await vigild.waitFor("b eligible") { _ in
            (try? Self.status(of: "b", in: vigild))?.standbyEligible == true ? true : nil
        }
        #expect(FileManager.default.createFile(atPath: gate, contents: nil))
        kill(standby, SIGKILL)
        try await vigild.waitFor("b's exit, then a failed restart") { _ in
            let exited = vigild.events(.targetExited, target: "b").contains { $0.pid == standby }
            return exited && vigild.events(.targetExited, target: "b").count >= 2 ? true : nil
        }
        let down = try #require(try Self.status(of: "b", in: vigild))
        #expect(down.standbyEligible == false, "\(down)")
        #expect(down.ineligibility?.contains("not running") == true, "\(down)")
        // A failover now has nobody to promote: the primary is left alone.
        let refused = try ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .failover, target: "a"))
        #expect(!refused.ok && (refused.error ?? "").contains("no standby can take over"), "\(refused)")
        #expect(RoleService.role(at: portA) == "primary")

        // Its own restart policy brings it back once it can start, as a standby, and eligible again.
        try FileManager.default.removeItem(atPath: gate)
        #expect(try await RoleService.waitFor("standby", at: portB))
        try await vigild.waitFor("b eligible again") { _ in
            (try? Self.status(of: "b", in: vigild))??.standbyEligible == true ? true : nil
        }
    }
}

extension HotStandbyTests {
    @Test func vigildKilledWhilePromotingAHotStandbyPromotesItExactlyOnceAfterItRestarts() async throws {
        let directory = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let leftovers = StateFileTests.Leftovers()
        let program = try RoleService.install(in: directory)
        let log = directory + "/promote.log"
        // A promotion that waits for the test's go: vigild is killed while the command runs, which goes on (in its
        // own process group) and promotes the standby once the test lets it.
        let go = directory + "/go"
        defer { _ = FileManager.default.createFile(atPath: go, contents: nil) }
        let promote =
            "[\"/bin/sh\", \"-c\", \"echo $VIGIL_TARGET >> \(log); while [ ! -e \(go) ]; do sleep 0.05; done; "
            + "kill -USR1 $VIGIL_PID\"]"
        let (portA, portB) = (try RoleService.freePort(), try RoleService.freePort())
        let config =
            """
            [daemon]
            state_dir = "\(directory)/state"

            """
            + RoleService.target(
                "a",
                program: program,
                port: portA,
                extra: """
                    standbys = ["b"]
                    standby_mode = "hot"
                    recovery = ["failover"]
                    promote = \(promote)
                    """
            ) + RoleService.target("b", program: program, port: portB, extra: "promote = \(promote)")
        let first = try VigildProcess(config: config)
        let primary = try #require(try await first.waitForEvent(.targetStarted, target: "a").pid)
        let standby = try #require(try await first.waitForEvent(.targetStarted, target: "b").pid)
        leftovers.append(primary)
        leftovers.append(standby)
        #expect(try await RoleService.waitFor("standby", at: portB))
        try await first.waitForEvent(.daemonReady)
        try await Task.sleep(for: .milliseconds(300))
        kill(primary, SIGKILL)
        try await first.waitFor("the promotion under way") { _ in Self.lines(of: log).isEmpty ? nil : true }
        first.signal(SIGKILL)
        #expect(try await ProcessProbe.waitUntilGone(first.pid))
        #expect(first.events(.failoverCompleted).isEmpty, "killed in the middle of the promotion")
        let saved = StateStore(directory: directory + "/state").load().state?.targets["a"]?.failover
        #expect(saved?.promotionIssued == true && saved?.isUnderWay == true, "\(String(describing: saved))")

        let second = try VigildProcess(config: config)
        let adopted = try await second.waitForEvent(.targetAdopted, target: "b")
        #expect(adopted.pid == standby)
        try await second.waitForEvent(.failoverCompleted, target: "a", timeout: .seconds(20))
        #expect(second.events(.roleChanged, target: "b").isEmpty, "the promotion was not issued again")
        #expect(FileManager.default.createFile(atPath: go, contents: nil))
        #expect(try await RoleService.waitFor("primary", at: portB), "the first promotion took effect")
        let rejoined = try #require(try await second.waitForEvent(.targetStarted, target: "a").pid)
        leftovers.append(rejoined)
        #expect(try await RoleService.waitFor("standby", at: portA))
        try await Task.sleep(for: .milliseconds(500))
        #expect(Self.lines(of: log) == ["b"], "promoted exactly once")
        #expect(ProcessProbe.isRunning(standby))
        #expect(try Self.status(of: "b", in: second)?.role == .active)
    }

    @Test func neverTwoPrimariesAnswerAcrossFailoversOfHotStandbysPromotedBySignal() async throws {
        let directory = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let program = try RoleService.install(in: directory)
        let ports = [try RoleService.freePort(), try RoleService.freePort()]
        let member = "promote_signal = \"SIGUSR1\"\nnotify_socket = true"
        let vigild = try VigildProcess(
            config: RoleService.target(
                "a",
                program: program,
                port: ports[0],
                extra: """
                    standbys = ["b"]
                    standby_mode = "hot"
                    recovery = ["failover"]
                    verify_window = "5s"
                    verify_healthy_for = "200ms"
                    recovery_reset_after = "300ms"
                    \(member)
                    """
            ) + RoleService.target("b", program: program, port: ports[1], extra: member)
        )
        try await vigild.waitForEvent(.targetStarted, target: "b")
        #expect(try await RoleService.waitFor("primary", at: ports[0]))
        #expect(try await RoleService.waitFor("standby", at: ports[1]))
        try await vigild.waitForEvent(.daemonReady)
        let sampler = RoleSampler(ports: ports)
        sampler.start()
        defer { sampler.stop() }
        let failovers = 4
        var outages: [Duration] = []
        for round in 1...failovers {
            let serving = round % 2 == 1 ? "a" : "b"
            let next = round % 2 == 1 ? "b" : "a"
            // The serving instance is healthy again, and the ladder starts again at its first step.
            try await vigild.waitFor("round \(round) ready") { _ in
                let standby = try? Self.status(of: next, in: vigild)
                let active = try? Self.status(of: serving, in: vigild)
                return standby?.standbyEligible == true && active?.role == .active
                    && vigild.events(.recoveryReset, target: "a").count >= round - 1 ? true : nil
            }
            let pid = try #require(try Self.status(of: serving, in: vigild)?.pid)
            let killed = ContinuousClock.now
            kill(pid, SIGKILL)
            try await vigild.waitForEvent(.failoverCompleted, target: "a", count: round, timeout: .seconds(20))
            let nextPort = ports[next == "a" ? 0 : 1]
            #expect(try await RoleService.waitFor("primary", at: nextPort))
            try await vigild.waitFor("the client served again") { _ in sampler.firstPrimary(after: killed) }
            outages.append(try #require(sampler.firstPrimary(after: killed)) - killed)
            let promoted = try #require(try Self.status(of: next, in: vigild))
            #expect(promoted.notifyStatus?.contains("role=primary") == true, "verified by its notify status")
            // The killed one comes back as a standby.
            #expect(try await RoleService.waitFor("standby", at: ports[serving == "a" ? 0 : 1]))
        }
        sampler.stop()
        #expect(sampler.violations.isEmpty, "two primaries at once: \(sampler.violations)")
        #expect(sampler.samples > 100, "the client sampled throughout (\(sampler.samples) samples)")
        #expect(vigild.events(.failoverCompleted, target: "a").count == failovers)
        let shown = outages.map { "\(Double($0.components.attoseconds / 1_000_000_000_000_000) / 1000)" }
        print("hot standby, promoted by signal: client outage per failover (s): \(shown.joined(separator: ", "))")
    }
}

extension HotStandbyTests {
    @Test func aPromotedStandbyThatNeverReportsItselfPrimaryFailsItsPromotionAndNobodyElseServes() async throws {
        let directory = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let program = try RoleService.install(in: directory)
        let (portA, portB) = (try RoleService.freePort(), try RoleService.freePort())
        // SIGWINCH is ignored by the service: it stays a standby and never says role=primary.
        let vigild = try VigildProcess(
            config: RoleService.target(
                "a",
                program: program,
                port: portA,
                extra: """
                    standbys = ["b"]
                    standby_mode = "hot"
                    verify_window = "1s"
                    promote_signal = "SIGUSR1"
                    notify_socket = true
                    """
            )
                + RoleService.target(
                    "b",
                    program: program,
                    port: portB,
                    extra: "promote_signal = \"SIGWINCH\"\nnotify_socket = true"
                )
        )
        // It failed in clean-clone runs when the test process's cooperative pool was blocked past the wait's deadline
        // (RoleService.waitFor); should it fail again, say what vigild saw of b.
        #expect(
            try await RoleService.waitFor("standby", at: portB),
            "b never answered standby on \(portB); vigild: \(vigild.lines.suffix(40).map(\.raw).joined(separator: "\n"))"
        )
        try await vigild.waitForEvent(.daemonReady)
        try await vigild.waitFor("b eligible") { _ in
            (try? Self.status(of: "b", in: vigild))?.standbyEligible == true ? true : nil
        }
        let moved = try ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .failover, target: "a"))
        #expect(moved.ok, "\(moved)")
        let aborted = try await vigild.waitForEvent(.failoverAborted, target: "a")
        #expect(aborted.message.contains("did not report role=primary"), "\(aborted)")
        #expect(vigild.events(.failoverCompleted).isEmpty)
        #expect(RoleService.role(at: portB) == "standby")
        #expect(RoleService.role(at: portA) == nil, "the primary stays fenced")
    }
}

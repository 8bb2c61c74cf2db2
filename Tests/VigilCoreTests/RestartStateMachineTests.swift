import Testing
import VigilCore

@Suite struct RestartStateMachineTests {
    private func machine(
        _ restart: RestartConfig = RestartConfig(),
        stopTimeout: Duration = .seconds(5)
    )
        -> RestartStateMachine
    {
        let target = TargetConfig(name: "web", exec: ["/bin/true"], stopTimeout: stopTimeout, restart: restart)
        return RestartStateMachine(target: target, seed: 42)
    }

    private func at(_ milliseconds: Int64) -> MonotonicInstant {
        MonotonicInstant(nanoseconds: milliseconds * 1_000_000)
    }

    private func events(_ actions: [SupervisionAction]) -> [Event] {
        actions.compactMap {
            if case .emit(let event) = $0 { return event }
            return nil
        }
    }

    private func timer(_ actions: [SupervisionAction]) -> MonotonicInstant? {
        actions.compactMap {
            if case .armTimer(let at) = $0 { return at }
            return nil
        }.last
    }

    @Test func startSpawnsAndCountsAsStartedOnlyAfterStartGrace() {
        var m = machine(RestartConfig(startGrace: .seconds(1)))
        #expect(m.start(now: at(0)) == [.disarmTimer, .spawn])
        let actions = m.spawned(pid: 100, now: at(1))
        #expect(events(actions).map(\.kind) == [.targetStarted])
        #expect(events(actions).first?.fields["PID"] == "100")
        #expect(timer(actions) == at(1001))
        #expect(!m.hasVerdict)
        #expect(m.timerFired(now: at(500)) == [.armTimer(at: at(1001))])
        #expect(m.state == .starting(pid: 100, since: at(1)))
        _ = m.timerFired(now: at(1001))
        #expect(m.state == .running(pid: 100, since: at(1)))
        #expect(m.hasVerdict)
    }

    @Test func anAdoptedInstanceIsAnnouncedAsAdoptedNotStartedAndSupervisedTheSameWay() {
        var m = machine(RestartConfig(backoffMin: .zero, startGrace: .seconds(1)))
        _ = m.start(now: at(0))
        let adopted = m.spawned(pid: 4242, now: at(1), adopted: true)
        #expect(events(adopted).map(\.kind) == [.targetAdopted])
        #expect(events(adopted).first?.fields["PID"] == "4242")
        #expect(events(adopted).first?.message.contains("adopted (pid 4242)") == true)
        #expect(timer(adopted) == at(1001))
        #expect(m.state == .starting(pid: 4242, since: at(1)))
        #expect(m.restarts == 0, "an adoption is not a restart")
        // It dies: restarted under the policy, and the new instance is a start.
        let exit = m.exited(pid: 4242, status: .exited(code: 1), now: at(2000))
        #expect(exit.last == .spawn)
        #expect(events(m.spawned(pid: 4243, now: at(2001))).map(\.kind) == [.targetStarted])
        #expect(m.restarts == 1)
    }

    @Test func crashWithZeroMinimumBackoffRestartsAtOnceWithoutATimer() {
        var m = machine(RestartConfig(backoffMin: .zero, backoffMax: .seconds(10)))
        _ = m.start(now: at(0))
        _ = m.spawned(pid: 100, now: at(0))
        let actions = m.exited(
            pid: 100,
            status: .killed(signal: .kill, coreDumped: false),
            now: at(5000),
            detectedAfter: .microseconds(150)
        )
        #expect(events(actions).map(\.kind) == [.targetExited, .restartScheduled])
        #expect(actions.last == .spawn)
        let exit = events(actions)[0]
        #expect(exit.fields["SIGNAL"] == "SIGKILL")
        #expect(exit.fields["DETECT_USEC"] == "150")
        #expect(exit.fields["UPTIME_USEC"] == "5000000")
        #expect(events(actions)[1].fields["BACKOFF_USEC"] == "0")
        #expect(m.state == .spawning)
        #expect(m.restarts == 1)
    }

    @Test func backoffGrowsExponentiallyWithinItsBoundsAndJitters() {
        let backoff = Backoff(min: .milliseconds(100), max: .seconds(2))
        #expect(backoff.delay(attempt: 1, unit: 0) == .milliseconds(100))
        #expect(backoff.delay(attempt: 2, unit: 0.5) == .milliseconds(200))
        #expect(backoff.delay(attempt: 3, unit: 0.5) == .milliseconds(400))
        #expect(backoff.delay(attempt: 3, unit: 0) == .milliseconds(320))
        #expect(backoff.delay(attempt: 3, unit: 0.999_999) > .milliseconds(479))
        #expect(backoff.delay(attempt: 10, unit: 0.999) == .seconds(2))
        #expect(backoff.delay(attempt: 60, unit: 0) == .milliseconds(1600))
        #expect(Backoff(min: .zero, max: .seconds(1)).delay(attempt: 1, unit: 0.9) == .zero)
    }

    @Test func backoffTimerSpawnsOnlyWhenDue() {
        var m = machine(RestartConfig(backoffMin: .seconds(1), backoffMax: .seconds(8)))
        _ = m.start(now: at(0))
        _ = m.spawned(pid: 7, now: at(0))
        let actions = m.exited(pid: 7, status: .exited(code: 1), now: at(100))
        guard case .backingOff(let until) = m.state else {
            Issue.record("expected backoff, got \(m.state)")
            return
        }
        #expect(timer(actions) == until)
        #expect(until >= at(1100) && until <= at(1300))
        #expect(m.timerFired(now: at(1000)) == [.armTimer(at: until)])
        #expect(m.timerFired(now: until) == [.spawn])
    }

    @Test func moreThanBurstRestartsWithinWindowGivesUpWithItsOwnEvent() {
        var m = machine(RestartConfig(backoffMin: .zero, backoffMax: .zero, burst: 3, within: .seconds(10)))
        _ = m.start(now: at(0))
        var now: Int64 = 0
        for pid in Int32(1)...3 {
            _ = m.spawned(pid: pid, now: at(now))
            now += 100
            let actions = m.exited(pid: pid, status: .exited(code: 2), now: at(now))
            #expect(actions.last == .spawn)
        }
        _ = m.spawned(pid: 4, now: at(now))
        let actions = m.exited(pid: 4, status: .exited(code: 2), now: at(now + 100))
        #expect(events(actions).map(\.kind) == [.targetExited, .targetGaveUp])
        #expect(events(actions).last?.fields["RESTARTS"] == "3")
        #expect(m.state == .failed(since: at(now + 100)))
        #expect(!actions.contains(.spawn))
        #expect(m.timerFired(now: at(60_000)) == [])
    }

    @Test func aPolicyUpdateKeepsTheInstanceAndCountsAndAppliesFromTheNextFailure() {
        var m = machine(RestartConfig(backoffMin: .seconds(5), backoffMax: .seconds(5), burst: 3, within: .seconds(60)))
        _ = m.start(now: at(0))
        _ = m.spawned(pid: 1, now: at(0))
        _ = m.exited(pid: 1, status: .exited(code: 1), now: at(100))
        _ = m.timerFired(now: at(5_100))
        _ = m.spawned(pid: 2, now: at(5_100))
        #expect(m.attempt == 1 && m.restarts == 1)
        // A reload: no backoff, a burst of 1, a longer stop timeout. The running instance and the counts stay.
        var tuned = TargetConfig(name: "web", exec: ["/bin/true"], stopTimeout: .seconds(9))
        tuned.restart = RestartConfig(backoffMin: .zero, backoffMax: .zero, burst: 1, within: .seconds(60))
        m.updatePolicy(from: tuned)
        #expect(m.state == .starting(pid: 2, since: at(5_100)))
        #expect(m.attempt == 1 && m.restarts == 1 && m.recentRestarts == [at(100)])
        #expect(m.restart.burst == 1 && m.stopTimeout == .seconds(9))
        // The next failure meets the new burst: one restart already in the window, so it gives up.
        let exit = m.exited(pid: 2, status: .exited(code: 1), now: at(6_000))
        #expect(events(exit).map(\.kind) == [.targetExited, .targetGaveUp])
    }

    @Test func aPolicyUpdateGivesTheNextRestartTheNewBackoff() {
        var m = machine(RestartConfig(backoffMin: .seconds(30), backoffMax: .seconds(30)))
        _ = m.start(now: at(0))
        _ = m.spawned(pid: 1, now: at(0))
        var tuned = TargetConfig(name: "web", exec: ["/bin/true"])
        tuned.restart = RestartConfig(backoffMin: .zero, backoffMax: .zero)
        m.updatePolicy(from: tuned)
        let actions = m.exited(pid: 1, status: .exited(code: 1), now: at(100))
        #expect(actions.last == .spawn, "restarted at once under the new backoff")
        #expect(events(actions).last?.fields["BACKOFF_USEC"] == "0")
    }

    @Test func restartsOutsideTheWindowDoNotCountTowardsTheBurst() {
        var m = machine(RestartConfig(backoffMin: .zero, backoffMax: .zero, burst: 2, within: .seconds(10)))
        _ = m.start(now: at(0))
        var now: Int64 = 0
        for pid in Int32(1)...6 {
            _ = m.spawned(pid: pid, now: at(now))
            now += 6_000
            let actions = m.exited(pid: pid, status: .exited(code: 1), now: at(now))
            #expect(actions.last == .spawn, "restart \(pid) should go ahead: only one other within 10 s")
        }
        #expect(m.restarts == 6)
    }

    @Test func failedTargetStartsAgainWhenTheOperatorActs() {
        var m = machine(RestartConfig(backoffMin: .zero, backoffMax: .zero, burst: 1, within: .seconds(10)))
        _ = m.start(now: at(0))
        _ = m.spawned(pid: 1, now: at(0))
        _ = m.exited(pid: 1, status: .exited(code: 1), now: at(10))
        _ = m.spawned(pid: 2, now: at(10))
        _ = m.exited(pid: 2, status: .exited(code: 1), now: at(20))
        #expect(m.state == .failed(since: at(20)))
        #expect(m.start(now: at(30)) == [.disarmTimer, .spawn])
        #expect(m.recentRestarts.isEmpty)
    }

    @Test func stableRunResetsTheBackoffStep() {
        var m = machine(
            RestartConfig(backoffMin: .seconds(1), backoffMax: .seconds(60), burst: 100, stableAfter: .seconds(30))
        )
        _ = m.start(now: at(0))
        var now: Int64 = 0
        for pid in Int32(1)...4 {
            _ = m.spawned(pid: pid, now: at(now))
            now += 10
            _ = m.exited(pid: pid, status: .exited(code: 1), now: at(now))
            guard case .backingOff(let until) = m.state else {
                Issue.record("expected backoff after exit \(pid), got \(m.state)")
                return
            }
            now = until.nanoseconds / 1_000_000
            _ = m.timerFired(now: until)
        }
        #expect(m.attempt == 4)
        _ = m.spawned(pid: 5, now: at(now))
        _ = m.exited(pid: 5, status: .exited(code: 1), now: at(now + 31_000))
        #expect(m.attempt == 1)
    }

    @Test func onFailureModeLeavesACleanExitAlone() {
        var m = machine(RestartConfig(mode: .onFailure))
        _ = m.start(now: at(0))
        _ = m.spawned(pid: 1, now: at(0))
        let actions = m.exited(pid: 1, status: .exited(code: 0), now: at(10))
        #expect(!actions.contains(.spawn))
        #expect(m.state == .finished(status: .exited(code: 0)))
        #expect(m.hasVerdict)
    }

    @Test func neverModeDoesNotRestartEvenACrash() {
        var m = machine(RestartConfig(mode: .never))
        _ = m.start(now: at(0))
        _ = m.spawned(pid: 1, now: at(0))
        _ = m.exited(pid: 1, status: .killed(signal: .kill, coreDumped: false), now: at(10))
        #expect(m.state == .finished(status: .killed(signal: .kill, coreDumped: false)))
    }

    @Test func stopSendsStopSignalThenKillsAfterTimeout() {
        var m = machine(stopTimeout: .seconds(5))
        _ = m.start(now: at(0))
        _ = m.spawned(pid: 9, now: at(0))
        let actions = m.stop(now: at(100), reason: "shutdown")
        #expect(actions.contains(.signal(.term)))
        #expect(timer(actions) == at(5100))
        #expect(events(actions).map(\.kind) == [.targetStopping])
        #expect(m.timerFired(now: at(5099)) == [.armTimer(at: at(5100))])
        let escalation = m.timerFired(now: at(5100))
        #expect(escalation.contains(.signal(.kill)))
        #expect(events(escalation).map(\.kind) == [.stopEscalated])
        #expect(m.timerFired(now: at(9000)) == [])
        let exit = m.exited(pid: 9, status: .killed(signal: .kill, coreDumped: false), now: at(5101))
        #expect(events(exit).first?.fields["EXPECTED"] == "1")
        #expect(!exit.contains(.spawn))
        #expect(m.state == .idle)
        #expect(m.isDown)
    }

    @Test func stopDuringBackoffCancelsTheRestart() {
        var m = machine(RestartConfig(backoffMin: .seconds(1)))
        _ = m.start(now: at(0))
        _ = m.spawned(pid: 1, now: at(0))
        _ = m.exited(pid: 1, status: .exited(code: 1), now: at(10))
        #expect(m.stop(now: at(20), reason: "shutdown") == [.disarmTimer])
        #expect(m.timerFired(now: at(5_000)) == [])
        #expect(m.isDown)
    }

    @Test func spawnFailureIsRetriedWithBackoffAndCountsTowardsTheBurst() {
        var m = machine(RestartConfig(backoffMin: .zero, backoffMax: .zero, burst: 1, within: .seconds(10)))
        _ = m.start(now: at(0))
        let first = m.spawnFailed(reason: "execve: Permission denied", now: at(1))
        #expect(events(first).map(\.kind) == [.targetSpawnFailed, .restartScheduled])
        #expect(first.last == .spawn)
        let second = m.spawnFailed(reason: "execve: Permission denied", now: at(2))
        #expect(events(second).map(\.kind) == [.targetSpawnFailed, .targetGaveUp])
        #expect(m.state == .failed(since: at(2)))
    }

    @Test func exitOfAnUnknownPidIsIgnored() {
        var m = machine()
        _ = m.start(now: at(0))
        _ = m.spawned(pid: 1, now: at(0))
        #expect(m.exited(pid: 2, status: .exited(code: 1), now: at(5)) == [])
        #expect(m.state == .starting(pid: 1, since: at(0)))
    }

    @Test func exitStatusDescribesCodeSignalAndCore() {
        #expect(ExitStatus.exited(code: 3).description == "status 3")
        #expect(ExitStatus.killed(signal: .kill, coreDumped: false).description == "signal SIGKILL")
        let segv = ExitStatus.killed(signal: Signal(number: 11), coreDumped: true)
        #expect(segv.description == "signal SIGSEGV (core dumped)")
        #expect(segv.fields == ["SIGNAL": "SIGSEGV", "CORE_DUMPED": "1"])
    }

    @Test func convictedTargetIsKilledAndRestartedUnderTheBurstLimit() {
        var m = machine(RestartConfig(backoffMin: .zero, backoffMax: .zero, burst: 1, within: .seconds(60)))
        _ = m.start(now: at(0))
        _ = m.spawned(pid: 10, now: at(0))
        _ = m.timerFired(now: at(1000))
        let fault = m.fault(now: at(5000), evidence: Evidence(.heartbeat, "heartbeat: phi 9.1 after 1.2s of silence"))
        #expect(fault.contains(.signal(.kill)))
        #expect(events(fault).map(\.kind) == [.targetFaulted])
        #expect(events(fault).first?.fields["FAULT"] == "heartbeat: phi 9.1 after 1.2s of silence")
        #expect(m.state.word == "recovering")
        #expect(m.fault(now: at(5001), evidence: Evidence(.heartbeat, "again")) == [], "one kill per conviction")
        let exit = m.exited(pid: 10, status: .killed(signal: .kill, coreDumped: false), now: at(5002))
        #expect(events(exit).map(\.kind) == [.targetExited, .restartScheduled])
        #expect(events(exit).first?.fields["FAULT"] != nil)
        #expect(exit.last == .spawn)
        _ = m.spawned(pid: 11, now: at(5002))
        _ = m.fault(now: at(6000), evidence: Evidence(.heartbeat, "heartbeat"))
        let second = m.exited(pid: 11, status: .killed(signal: .kill, coreDumped: false), now: at(6001))
        #expect(events(second).map(\.kind) == [.targetExited, .targetGaveUp])
    }

    @Test func faultOfATargetThatIsNotRunningDoesNothing() {
        var m = machine()
        #expect(m.fault(now: at(0), evidence: Evidence(.heartbeat, "x")) == [])
        _ = m.start(now: at(0))
        #expect(m.fault(now: at(0), evidence: Evidence(.heartbeat, "x")) == [], "still spawning")
    }

    @Test func onFailureModeRestartsAConvictedTargetEvenIfTheKillLooksClean() {
        var m = machine(RestartConfig(mode: .onFailure, backoffMin: .zero))
        _ = m.start(now: at(0))
        _ = m.spawned(pid: 3, now: at(0))
        _ = m.fault(now: at(10), evidence: Evidence(.heartbeat, "hung"))
        let exit = m.exited(pid: 3, status: .exited(code: 0), now: at(11))
        #expect(exit.last == .spawn)
    }

    @Test func maintenanceKeepsWatchingButNeitherRestartsNorKillsAndLeavingItStartsTheTarget() {
        var m = machine(RestartConfig(backoffMin: .zero))
        _ = m.start(now: at(0))
        _ = m.spawned(pid: 5, now: at(0))
        #expect(m.setMaintenance(true, now: at(1)) == [])
        #expect(m.fault(now: at(2), evidence: Evidence(.heartbeat, "heartbeat")) == [], "no kill in maintenance")
        let exit = m.exited(pid: 5, status: .exited(code: 1), now: at(3))
        #expect(events(exit).map(\.kind) == [.targetExited], "the exit is still recorded")
        #expect(events(exit).first?.fields["MAINTENANCE"] == "1")
        #expect(!exit.contains(.spawn))
        #expect(m.state == .idle)
        #expect(m.setMaintenance(false, now: at(10)) == [.disarmTimer, .spawn])
    }

    @Test func leavingMaintenanceDoesNotStartATargetThatStayedUp() {
        var m = machine()
        _ = m.start(now: at(0))
        _ = m.spawned(pid: 5, now: at(0))
        _ = m.setMaintenance(true, now: at(1))
        #expect(m.setMaintenance(false, now: at(2)) == [])
    }

    @Test func aWatchOnlyTargetWithNothingToAdoptWaitsWithoutCountingARestartOrGivingUp() {
        var m = machine(RestartConfig(burst: 1))
        _ = m.start(now: at(0))
        let actions = m.waitForProcesses(reason: "cgroup /db has no processes", now: at(3))
        #expect(m.state == .waiting(since: at(3), reason: "cgroup /db has no processes"))
        #expect(m.state.word == "waiting")
        #expect(events(actions).map(\.kind) == [.targetWaiting])
        #expect(events(actions).first?.fields["REASON"] == "cgroup /db has no processes")
        #expect(!actions.contains(.spawn) && timer(actions) == nil)
        #expect(m.restarts == 0 && m.attempt == 0)
        // Waiting is a verdict (READY=1 is not held up) and has no process to wait for at shutdown.
        #expect(m.hasVerdict && m.isDown)
        // Time passing changes nothing: there is no timer and no give-up while waiting.
        #expect(m.timerFired(now: at(600_000)).isEmpty)
        #expect(m.state == .waiting(since: at(3), reason: "cgroup /db has no processes"))
    }

    @Test func aWaitingTargetAdoptsProcessesThatAppearAndCrashesAreCountedFromThen() {
        var m = machine(RestartConfig(backoffMin: .zero, backoffMax: .seconds(1), startGrace: .seconds(1)))
        _ = m.start(now: at(0))
        _ = m.waitForProcesses(reason: "cgroup /db does not exist", now: at(0))
        let adopted = m.spawned(pid: 700, now: at(5000))
        #expect(events(adopted).map(\.kind) == [.targetStarted])
        #expect(m.state == .starting(pid: 700, since: at(5000)))
        _ = m.timerFired(now: at(6000))
        #expect(m.state == .running(pid: 700, since: at(5000)))
        let exit = m.exited(pid: 700, status: .lost(cause: "cgroup emptied"), now: at(7000))
        #expect(events(exit).map(\.kind) == [.targetExited, .restartScheduled])
        #expect(m.state == .spawning)
        // The next look finds the cgroup empty again: back to waiting, not a failed start.
        _ = m.waitForProcesses(reason: "cgroup /db has no processes", now: at(7001))
        #expect(m.state.word == "waiting")
    }

    @Test func stoppingAWaitingTargetMakesItStoppedAndOnlyASpawningTargetCanStartWaiting() {
        var m = machine()
        #expect(m.waitForProcesses(reason: "x", now: at(0)).isEmpty)
        #expect(m.state == .idle)
        _ = m.start(now: at(0))
        _ = m.waitForProcesses(reason: "x", now: at(0))
        #expect(m.stop(now: at(1), reason: "shutdown") == [.disarmTimer])
        #expect(m.state == .idle)
    }
}

import Testing
import VigilCore

@Suite struct RecoveryLadderTests {
    static func config(
        _ ladder: [RecoveryStep] = [.restart, .restart, .failover],
        healthyFor: Duration? = nil
    ) -> RecoveryConfig {
        var config = RecoveryConfig(level: .medium, standbys: ["web-b"])
        config.ladder = ladder
        config.verifyWindow = .seconds(10)
        config.healthyFor = healthyFor
        config.actionTimeout = .seconds(5)
        config.resetAfter = .seconds(60)
        // Unpaced: restart steps run at once and without limit, except in the tests of pacing below.
        config.restart = RestartConfig(backoffMin: .zero, backoffMax: .zero, burst: 1000)
        return config
    }

    /// The ladder's restart steps paced by `restart`.
    static func paced(_ ladder: [RecoveryStep], _ restart: RestartConfig) -> RecoveryConfig {
        var config = Self.config(ladder)
        config.restart = restart
        return config
    }

    private func ladder(_ config: RecoveryConfig = Self.config()) -> RecoveryLadder {
        RecoveryLadder(target: "web", config: config)
    }

    static func at(_ milliseconds: Int64) -> MonotonicInstant {
        MonotonicInstant(nanoseconds: milliseconds * 1_000_000)
    }

    private func at(_ milliseconds: Int64) -> MonotonicInstant {
        Self.at(milliseconds)
    }

    static func events(_ actions: [RecoveryAction]) -> [Event] {
        actions.compactMap {
            if case .emit(let event) = $0 { return event }
            return nil
        }
    }

    static func performed(_ actions: [RecoveryAction]) -> [(step: RecoveryStep, sequence: Int)] {
        actions.compactMap {
            if case .perform(let step, let sequence, _) = $0 { return (step, sequence) }
            return nil
        }
    }

    private func timer(_ actions: [RecoveryAction]) -> MonotonicInstant? {
        actions.compactMap {
            if case .armTimer(let at) = $0 { return at }
            return nil
        }.last
    }

    @Test func aFailureRunsTheFirstStepAndAHealthyWindowVerifiesIt() throws {
        var l = ladder()
        let start = l.verdict(.failed(Evidence(.exit, "process exited with status 1")), now: at(0))
        #expect(Self.events(start).map(\.kind) == [.recoveryStep])
        #expect(Self.events(start)[0].fields["STEP"] == "restart")
        let step = try #require(Self.performed(start).first)
        #expect(step.step == .restart)
        #expect(timer(start) == at(5000))
        let succeeded = l.outcome(.succeeded, sequence: step.sequence, now: at(100))
        #expect(succeeded.contains(.resetDetectors))
        #expect(l.phase == .verifying(step: 0, since: at(100), until: at(10_100)))
        #expect(timer(succeeded) == at(10_100))
        _ = l.verdict(.healthy, now: at(1100))
        #expect(l.timerFired(now: at(5000)) == [.armTimer(at: at(10_100))])
        let held = l.timerFired(now: at(10_100))
        #expect(Self.events(held).map(\.kind) == [.recoveryVerified])
        #expect(l.phase == .watching)
        #expect(l.position == 1)
        #expect(l.attempts.map(\.result) == [.held])
    }

    @Test func healthyForVerifiesAsSoonAsTheTargetHasBeenHealthyThatLong() throws {
        var l = ladder(Self.config(healthyFor: .seconds(2)))
        let sequence = try #require(Self.performed(l.verdict(.failed(Evidence(.exit, "down")), now: at(0))).first)
            .sequence
        _ = l.outcome(.succeeded, sequence: sequence, now: at(100))
        let healthy = l.verdict(.healthy, now: at(500))
        #expect(timer(healthy) == at(2500))
        #expect(Self.events(l.timerFired(now: at(2500))).map(\.kind) == [.recoveryVerified])
        #expect(l.phase == .watching)
    }

    @Test func aFailureInsideTheWindowMovesToTheNextStepAtOnce() throws {
        var l = ladder()
        let first = try #require(Self.performed(l.verdict(.failed(Evidence(.exit, "down")), now: at(0))).first)
        _ = l.outcome(.succeeded, sequence: first.sequence, now: at(100))
        _ = l.verdict(.healthy, now: at(600))
        let relapse = l.verdict(.failed(Evidence(.exit, "heartbeat convicted (phi 16.2)")), now: at(2100))
        #expect(Self.events(relapse).map(\.kind) == [.recoveryStepFailed, .recoveryStep])
        #expect(Self.events(relapse)[0].message.contains("failed again 2s into its 10s verification window"))
        let second = try #require(Self.performed(relapse).first)
        #expect(second.step == .restart && second.sequence == first.sequence + 1)
        #expect(l.phase == .acting(step: 1, sequence: second.sequence, deadline: at(7100)))
    }

    @Test func anActuatorTimeoutOrFailureMovesToTheNextStepAndIgnoresTheLateOutcome() throws {
        var l = ladder()
        let first = try #require(Self.performed(l.verdict(.failed(Evidence(.exit, "down")), now: at(0))).first)
        let timedOut = l.timerFired(now: at(5000))
        #expect(timedOut.first == .cancel(sequence: first.sequence))
        #expect(Self.events(timedOut)[0].fields["REASON"] == "no outcome within 5s")
        let second = try #require(Self.performed(timedOut).first)
        // The cancelled operation's outcome comes late: it must not count for the step now under way.
        #expect(l.outcome(.succeeded, sequence: first.sequence, now: at(5100)).isEmpty)
        let failed = l.outcome(.failed(reason: "unit entered failed state"), sequence: second.sequence, now: at(6000))
        #expect(Self.performed(failed).first?.step == .failover)
        #expect(l.attempts[1].result == .actuatorFailed(reason: "unit entered failed state"))
    }

    @Test func anExhaustedLadderLeavesTheTargetFailedWithEveryStepAndWhy() throws {
        var l = ladder()
        let first = try #require(Self.performed(l.verdict(.failed(Evidence(.exit, "exited")), now: at(0))).first)
        let second = try #require(
            Self.performed(l.outcome(.failed(reason: "exec failed"), sequence: first.sequence, now: at(10))).first
        )
        _ = l.outcome(.succeeded, sequence: second.sequence, now: at(20))
        let failover = try #require(Self.performed(l.timerFired(now: at(10_020))).first)
        #expect(failover.step == .failover)
        let last = l.outcome(.timedOut, sequence: failover.sequence, now: at(12_000))
        #expect(l.phase == .failed(since: at(12_000)))
        let exhausted = try #require(Self.events(last).last)
        #expect(exhausted.kind == .recoveryExhausted)
        #expect(exhausted.severity == .critical)
        #expect(exhausted.fields["STEPS_TRIED"] == "3")
        #expect(
            exhausted.fields["TRIED"]
                == "restart: the actuator failed: exec failed; restart: not seen healthy within its 10s verification "
                + "window; failover: no outcome within 5s"
        )
        // Failed stays failed until an operator resets it.
        #expect(Self.performed(l.verdict(.failed(Evidence(.exit, "still down")), now: at(13_000))).isEmpty)
        let reset = l.reset(now: at(14_000))
        #expect(Self.performed(reset).first?.step == .restart)
    }

    @Test func fenceIsTerminalAndLeavesTheTargetDown() throws {
        var l = ladder(Self.config([.restart, .fence]))
        let first = try #require(Self.performed(l.verdict(.failed(Evidence(.exit, "down")), now: at(0))).first)
        let fence = try #require(
            Self.performed(l.outcome(.failed(reason: "no"), sequence: first.sequence, now: at(1))).first
        )
        #expect(fence.step == .fence)
        let fenced = l.outcome(.succeeded, sequence: fence.sequence, now: at(2))
        #expect(Self.events(fenced).map(\.kind) == [.targetFenced])
        #expect(l.phase == .fenced(since: at(2)))
        #expect(timer(fenced) == nil)
    }

    @Test func maintenanceFollowsVerdictsButRunsNoStep() throws {
        var l = ladder()
        _ = l.setMaintenance(true, now: at(0))
        let failed = l.verdict(.failed(Evidence(.exit, "exited")), now: at(100))
        #expect(Self.performed(failed).isEmpty)
        #expect(Self.events(failed).map(\.kind) == [.recoverySuppressed])
        #expect(Self.events(l.verdict(.failed(Evidence(.exit, "exited")), now: at(200))).isEmpty)
        #expect(l.verdict == .failed(Evidence(.exit, "exited")))
        // Leaving maintenance with the target still failed starts the ladder.
        let left = l.setMaintenance(false, now: at(300))
        #expect(Self.performed(left).first?.step == .restart)
    }

    @Test func maintenanceCancelsAStepUnderWayAndRetriesItAfterwards() throws {
        var l = ladder()
        let first = try #require(Self.performed(l.verdict(.failed(Evidence(.exit, "exited")), now: at(0))).first)
        let entered = l.setMaintenance(true, now: at(10))
        #expect(entered.first == .cancel(sequence: first.sequence))
        #expect(l.phase == .watching && l.position == 0)
        #expect(l.outcome(.succeeded, sequence: first.sequence, now: at(20)).isEmpty)
        #expect(Self.performed(l.setMaintenance(false, now: at(30))).first?.step == .restart)
    }

    @Test func aVerifiedStepThatRelapsesEscalatesButStabilityResetsTheLadder() throws {
        var l = ladder()
        let first = try #require(Self.performed(l.verdict(.failed(Evidence(.exit, "exited")), now: at(0))).first)
        _ = l.outcome(.succeeded, sequence: first.sequence, now: at(0))
        _ = l.verdict(.healthy, now: at(1000))
        _ = l.timerFired(now: at(10_000))
        #expect(l.position == 1)
        let relapse = l.verdict(.failed(Evidence(.exit, "exited again")), now: at(20_000))
        #expect(Self.performed(relapse).first.map { $0.step == .restart && $0.sequence == 2 } == true)
        #expect(l.attempts[0].result == .relapsed(evidence: "exited again", after: .seconds(10)))
        let second = try #require(Self.performed(relapse).first)
        _ = l.outcome(.succeeded, sequence: second.sequence, now: at(20_000))
        let healthy = l.verdict(.healthy, now: at(21_000))
        #expect(timer(healthy) == at(30_000))
        let verified = l.timerFired(now: at(30_000))
        #expect(l.position == 2)
        // Healthy since 21s: the reset is due 60s later.
        #expect(timer(verified) == at(81_000))
        let reset = l.timerFired(now: at(81_000))
        #expect(Self.events(reset).map(\.kind) == [.recoveryReset])
        #expect(l.position == 0 && l.attempts.isEmpty)
        #expect(Self.performed(l.verdict(.failed(Evidence(.exit, "x")), now: at(90_000))).first?.step == .restart)
    }

    @Test func anEmptyLadderLeavesAFailedTargetFailedAtOnce() {
        var l = ladder(Self.config([]))
        let actions = l.verdict(.failed(Evidence(.exit, "exited")), now: at(0))
        #expect(Self.events(actions).first?.message.contains("no recovery steps are configured") == true)
        #expect(l.phase == .failed(since: at(0)))
    }

    @Test func aRestoredLadderRunsAgainTheStepThatWasUnderWayAndKeepsFailedTargetsFailed() throws {
        var l = ladder()
        let first = try #require(Self.performed(l.verdict(.failed(Evidence(.exit, "exited")), now: at(0))).first)
        _ = l.outcome(.failed(reason: "no"), sequence: first.sequence, now: at(1))
        let snapshot = l.snapshot
        #expect(snapshot.phase == "acting" && snapshot.step == 1)
        let (restored, actions) = RecoveryLadder.restored(
            target: "web",
            config: Self.config(),
            from: snapshot,
            now: at(500_000)
        )
        let again = try #require(Self.performed(actions).first)
        #expect(again.step == .restart && again.sequence == snapshot.sequence + 1)
        #expect(restored.phase == .acting(step: 1, sequence: again.sequence, deadline: at(505_000)))
        #expect(restored.attempts.map(\.result) == [.actuatorFailed(reason: "no"), .interrupted, nil])

        var failed = RecoveryLadder(target: "web", config: Self.config([]))
        _ = failed.verdict(.failed(Evidence(.exit, "x")), now: at(0))
        let back = RecoveryLadder.restored(target: "web", config: Self.config([]), from: failed.snapshot, now: at(9))
        #expect(back.ladder.phase == .failed(since: at(9)))
        // A ladder changed across the restart starts clean.
        let changed = RecoveryLadder.restored(target: "web", config: Self.config([.revert]), from: snapshot, now: at(9))
        #expect(changed.ladder.phase == .watching && changed.ladder.attempts.isEmpty)
    }

    // MARK: Restart pacing (`restart.backoff`, `restart.burst`, `restart.within`, which a level presets)

    /// Runs the step under way: its outcome succeeds at `now`, and the target fails again inside the window at `now + 1 s`.
    private func failInWindow(_ l: inout RecoveryLadder, sequence: Int, now: Int64) -> [RecoveryAction] {
        _ = l.outcome(.succeeded, sequence: sequence, now: at(now))
        return l.verdict(.failed(Evidence(.exit, "again")), now: at(now + 1000))
    }

    @Test func aRestartStepWaitsTheTargetsBackoffGrowingWithEachRestartStepOfTheRun() throws {
        let restart = RestartConfig(backoffMin: .seconds(1), backoffMax: .seconds(3), burst: 10)
        var l = ladder(Self.paced([.restart, .restart, .restart], restart))
        let first = l.verdict(.failed(Evidence(.exit, "down")), now: at(0))
        #expect(Self.events(first).map(\.kind) == [.recoveryStep])
        #expect(Self.events(first)[0].fields["BACKOFF_USEC"] == "1000000")
        #expect(Self.events(first)[0].message.hasSuffix("restart in 1s"))
        #expect(Self.performed(first).isEmpty, "nothing is restarted before the backoff")
        #expect(timer(first) == at(1000))
        #expect(l.phase.word == "backing-off")
        #expect(Self.performed(l.timerFired(now: at(999))).isEmpty)
        let due = l.timerFired(now: at(1000))
        let one = try #require(Self.performed(due).first)
        #expect(one.step == .restart)
        #expect(timer(due) == at(6000), "then the actuator's time limit")

        let second = failInWindow(&l, sequence: one.sequence, now: 1500)
        #expect(Self.events(second).last?.fields["BACKOFF_USEC"] == "2000000", "doubled for the second restart")
        #expect(timer(second) == at(4500))
        let two = try #require(Self.performed(l.timerFired(now: at(4500))).first)
        let third = failInWindow(&l, sequence: two.sequence, now: 5000)
        #expect(Self.events(third).last?.fields["BACKOFF_USEC"] == "3000000", "at most the backoff's maximum")
    }

    @Test func aFailedVerdictOrMaintenanceWhileBackingOff() throws {
        var l = ladder(
            Self.paced([.restart, .restart], RestartConfig(backoffMin: .seconds(1), backoffMax: .seconds(1)))
        )
        _ = l.verdict(.failed(Evidence(.exit, "down")), now: at(0))
        #expect(l.verdict(.failed(Evidence(.exit, "still down")), now: at(500)) == [.armTimer(at: at(1000))])
        _ = l.setMaintenance(true, now: at(600))
        #expect(l.phase == .watching)
        #expect(l.attempts.map(\.result) == [.interrupted])
        #expect(Self.performed(l.timerFired(now: at(1000))).isEmpty, "maintenance: the waiting restart is dropped")
    }

    @Test func moreRestartStepsThanTheBurstWithinTheWindowEscalateToTheNextRung() throws {
        let restart = RestartConfig(backoffMin: .zero, backoffMax: .zero, burst: 2, within: .seconds(60))
        var l = ladder(Self.paced([.restart, .restart, .restart, .failover], restart))
        let one = try #require(Self.performed(l.verdict(.failed(Evidence(.exit, "down")), now: at(0))).first)
        let two = try #require(Self.performed(failInWindow(&l, sequence: one.sequence, now: 100)).first)
        #expect(two.step == .restart)
        let escalated = failInWindow(&l, sequence: two.sequence, now: 1200)
        #expect(Self.events(escalated).map(\.kind) == [.recoveryStepFailed, .recoveryStepFailed, .recoveryStep])
        let limited = Self.events(escalated)[1]
        #expect(limited.fields["STEP_INDEX"] == "3")
        #expect(limited.fields["REASON"] == "not taken: 2 restarts within 1m already (the restart burst limit)")
        #expect(Self.performed(escalated).map(\.step) == [.failover])
        #expect(l.attempts.last?.step == .failover)
        #expect(l.attempts[2].result == .rateLimited(restarts: 2, within: .seconds(60)))
    }

    @Test func restartStepsOutsideTheWindowDoNotCountTowardsTheBurst() throws {
        let restart = RestartConfig(backoffMin: .zero, backoffMax: .zero, burst: 1, within: .seconds(10))
        var l = ladder(Self.paced([.restart, .restart, .restart], restart))
        let one = try #require(Self.performed(l.verdict(.failed(Evidence(.exit, "down")), now: at(0))).first)
        _ = l.outcome(.succeeded, sequence: one.sequence, now: at(100))
        _ = l.verdict(.healthy, now: at(200))
        #expect(Self.events(l.timerFired(now: at(10_100))).map(\.kind) == [.recoveryVerified])
        // 20 s later: the first restart is out of the 10 s window, so the relapse is restarted.
        let relapse = l.verdict(.failed(Evidence(.exit, "down again")), now: at(20_000))
        let two = try #require(Self.performed(relapse).first)
        #expect(two.step == .restart)
        // Failing again at once: a third restart would be the second within 10 s; no rung is left.
        let exhausted = failInWindow(&l, sequence: two.sequence, now: 20_100)
        #expect(Self.events(exhausted).map(\.kind).last == .recoveryExhausted)
        #expect(Self.performed(exhausted).isEmpty)
        #expect(l.phase == .failed(since: at(21_100)))
        // An operator's reset clears the limit.
        let reset = l.reset(now: at(22_000))
        #expect(Self.performed(reset).map(\.step) == [.restart])
    }

    @Test func aLevelsRestartPresetsPaceItsLadder() throws {
        #expect(RecoveryConfig(level: .low).restart.backoffMin == .seconds(1))
        #expect(RecoveryConfig(level: .low).restart.burst == 10)
        var low = RecoveryLadder(target: "web", config: RecoveryConfig(level: .low))
        let waited = low.verdict(.failed(Evidence(.exit, "down")), now: at(0))
        #expect(Self.performed(waited).isEmpty && timer(waited) == at(1000), "low: the first restart waits 1 s")
        var high = RecoveryLadder(target: "web", config: RecoveryConfig(level: .high))
        #expect(Self.performed(high.verdict(.failed(Evidence(.exit, "down")), now: at(0))).map(\.step) == [.restart])
        // From a configuration file: the level's presets, or the target's own restart table, reach the ladder.
        let config = try ConfigParser.parse(
            """
            [[target]]
            name = "web"
            exec = ["/bin/true"]
            level = "low"

            [[target]]
            name = "db"
            exec = ["/bin/true"]
            level = "low"
            restart = { backoff = "2s..4s" }
            """,
            file: "vigil.toml"
        )
        let web = try #require(config.target(named: "web"))
        #expect(web.recovery?.restart == web.restart)
        #expect(web.recovery?.restart.backoffMin == .seconds(1) && web.recovery?.restart.burst == 10)
        let db = try #require(config.target(named: "db"))
        #expect(db.recovery?.restart.backoffMin == .seconds(2) && db.recovery?.restart.burst == 10)
    }
}

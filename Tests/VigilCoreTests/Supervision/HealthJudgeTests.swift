import Testing
import VigilCore

/// `Health.judge`: the one place a target's verdict is derived, with the evidence of the detector that decided.
@Suite struct HealthJudgeTests {
    private func at(_ milliseconds: Int64) -> MonotonicInstant {
        MonotonicInstant(nanoseconds: 1_000_000_000 + milliseconds * 1_000_000)
    }

    private func machine(recovered: Bool = false) -> RestartStateMachine {
        let target = TargetConfig(
            name: "web",
            exec: ["/bin/true"],
            restart: RestartConfig(backoffMin: .milliseconds(100), backoffMax: .milliseconds(100), startGrace: .zero)
        )
        var machine = RestartStateMachine(target: target, seed: 7)
        machine.recoversExternally = recovered
        _ = machine.start(now: at(0))
        _ = machine.spawned(pid: 10, now: at(0))
        _ = machine.timerFired(now: at(1))
        return machine
    }

    private func check(_ severity: HealthCheck.Severity) -> CheckDetector {
        var detector = CheckDetector(
            check: HealthCheck(
                metric: HealthMetric(name: "main.rss"),
                comparison: .greater,
                bound: .value(1),
                holdFor: .zero,
                severity: severity
            )
        )
        _ = detector.observe(MetricReading(5), now: at(1))
        return detector
    }

    @Test func aRunningTargetNothingHoldsAgainstIsHealthy() {
        #expect(Health.judge(machine: machine(), heartbeat: nil, checks: [], now: at(2)) == .healthy)
    }

    @Test func lateHeartbeatsMakeItSuspectAndAConvictionFailedWithTheJudgesFigures() throws {
        let config = HeartbeatConfig(interval: .milliseconds(100), detector: .fixed, suspect: 2, convict: 3)
        var judge = HeartbeatJudge(config: config, start: at(0))
        _ = judge.heartbeat(at: at(0))
        _ = judge.evaluate(at: at(250))
        let suspect = Health.judge(machine: machine(), heartbeat: judge, checks: [], now: at(250))
        guard case .suspect(let evidence) = suspect else {
            Issue.record("expected suspect, got \(String(describing: suspect))")
            return
        }
        #expect(evidence.detector == .heartbeat)
        #expect(evidence.figures["SILENCE_USEC"] == "250000")
        _ = judge.evaluate(at: at(400))
        let failed = try #require(Health.judge(machine: machine(), heartbeat: judge, checks: [], now: at(400)))
        #expect(failed.word == .failed && failed.evidence?.summary.hasPrefix("heartbeat: fixed level") == true)
    }

    @Test func aRaisedCheckIsSuspectAsAWarningAndFailedAsAFault() {
        let warn = Health.judge(machine: machine(), heartbeat: nil, checks: [check(.warn)], now: at(2))
        #expect(warn?.word == .suspect && warn?.evidence?.check == "main.rss > 1 for 0s", "\(String(describing: warn))")
        let fault = Health.judge(machine: machine(), heartbeat: nil, checks: [check(.fault)], now: at(2))
        #expect(fault?.word == .failed && fault?.evidence?.detector == .check)
    }

    @Test func aFaultKeepsItsEvidenceThroughTheKillAndTheExitThatFollows() {
        var m = machine(recovered: true)
        let evidence = Evidence(.watchdog, "the target triggered its watchdog")
        _ = m.fault(now: at(5), evidence: evidence)
        #expect(Health.judge(machine: m, heartbeat: nil, checks: [], now: at(5)) == .failed(evidence))
        _ = m.exited(pid: 10, status: .killed(signal: .kill, coreDumped: false), now: at(6))
        #expect(Health.judge(machine: m, heartbeat: nil, checks: [], now: at(6)) == .failed(evidence))
    }

    @Test func anExitIsFailedWithTheExitAsEvidenceAndABackoffSaysWhenTheNextStartIs() {
        var ladder = machine(recovered: true)
        _ = ladder.exited(pid: 10, status: .exited(code: 3), now: at(5))
        let exit = Health.judge(machine: ladder, heartbeat: nil, checks: [], now: at(5))
        #expect(exit == .failed(Evidence(.exit, "exited with status 3", figures: ExitStatus.exited(code: 3).fields)))
        var policy = machine()
        _ = policy.exited(pid: 10, status: .exited(code: 3), now: at(5))
        let backoff = Health.judge(machine: policy, heartbeat: nil, checks: [], now: at(5))
        #expect(backoff?.evidence?.detector == .restartPolicy, "\(String(describing: backoff))")
    }

    @Test func aStoppedTargetHasNoVerdict() {
        var m = machine()
        _ = m.stop(now: at(5), reason: "asked")
        #expect(Health.judge(machine: m, heartbeat: nil, checks: [], now: at(5)) == nil)
    }
}

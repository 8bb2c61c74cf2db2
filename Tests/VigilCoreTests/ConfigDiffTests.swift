import Testing
import VigilCore

@Suite struct ConfigDiffTests {
    @Test func sortsTargetsIntoAddedRemovedChangedChangedInPlaceAndUnchanged() {
        let a = TargetConfig(name: "a", exec: ["/bin/sleep", "1"])
        let b = TargetConfig(name: "b", exec: ["/bin/sleep", "2"])
        let c = TargetConfig(name: "c", exec: ["/bin/sleep", "3"])
        let e = TargetConfig(name: "e", exec: ["/bin/sleep", "5"])
        var bChanged = b
        bChanged.exec = ["/bin/sleep", "20"]
        var eTuned = e
        eTuned.restart.burst = 9
        let d = TargetConfig(name: "d", exec: ["/bin/sleep", "4"])
        let diff = ConfigDiff(
            old: VigilConfig(targets: [a, b, c, e]),
            new: VigilConfig(targets: [d, a, bChanged, eTuned])
        )
        #expect(diff.added == ["d"])
        #expect(diff.removed == ["c"])
        #expect(diff.changed == ["b"])
        #expect(diff.changedInPlace == ["e"])
        #expect(diff.unchanged == ["a"])
        #expect(diff.summary == "1 added, 1 removed, 1 changed, 1 changed in place, 1 unchanged")
    }

    static let heartbeat = HeartbeatConfig(interval: .seconds(1), detector: .fixed, suspect: 3, convict: 5)
    static let check = HealthCheck(
        metric: HealthMetric(name: "main.rss"),
        comparison: .greater,
        bound: .value(1e9),
        holdFor: .seconds(60)
    )

    /// A target with every policy setting and every setting of what runs.
    static func full() -> TargetConfig {
        TargetConfig(
            name: "web",
            exec: ["/usr/bin/web", "--port", "80"],
            env: ["MODE": "prod"],
            cwd: "/srv",
            user: "www",
            restart: RestartConfig(backoffMin: .seconds(1), backoffMax: .seconds(30), burst: 5),
            heartbeat: heartbeat,
            notifySocket: true,
            checks: [check]
        )
    }

    @Test(arguments: [
        "backoff", "burst", "within", "mode", "start_grace", "check for", "checks", "suspect", "convict",
        "detector", "heartbeat interval", "recovery", "stop_timeout", "start_timeout",
    ])
    func policyChangesApplyInPlace(change: String) {
        let old = Self.full()
        var new = old
        switch change {
        case "backoff": new.restart.backoffMax = .seconds(5)
        case "burst": new.restart.burst = 50
        case "within": new.restart.within = .seconds(10)
        case "mode": new.restart.mode = .onFailure
        case "start_grace": new.restart.startGrace = .seconds(3)
        case "check for": new.checks[0].holdFor = .seconds(120)
        case "checks": new.checks = []
        case "suspect": new.heartbeat?.suspect = 4
        case "convict": new.heartbeat?.convict = 9
        case "detector": new.heartbeat?.detector = .phi
        case "heartbeat interval": new.heartbeat?.interval = .seconds(2)
        case "recovery": new.recovery = RecoveryConfig(level: .high)
        case "stop_timeout": new.stopTimeout = .seconds(3)
        default: new.startTimeout = .seconds(3)
        }
        #expect(new != old)
        let diff = ConfigDiff(old: VigilConfig(targets: [old]), new: VigilConfig(targets: [new]))
        #expect(diff.changedInPlace == ["web"], "\(change)")
        #expect(diff.changed.isEmpty, "\(change)")
    }

    @Test(arguments: [
        "exec", "env", "cwd", "user", "group", "kind", "cgroup", "unit", "actuator", "pid_file", "notify_socket",
        "stop_signal", "heartbeat removed", "heartbeat added", "key_file",
    ])
    func changesToWhatRunsRestartTheTarget(change: String) {
        var old = Self.full()
        var new = old
        switch change {
        case "exec": new.exec = ["/usr/bin/web", "--port", "81"]
        case "env": new.env["MODE"] = "test"
        case "cwd": new.cwd = "/tmp"
        case "user": new.user = "nobody"
        case "group": new.group = "nogroup"
        case "kind": new.kind = .cgroup
        case "cgroup": new.cgroup = "/system.slice/web.service"
        case "unit": new.unit = "web.service"
        case "actuator": new.actuator = ActuatorChoice(name: "exec")
        case "pid_file": new.pidFile = "/run/web.pid"
        case "notify_socket": new.notifySocket = false
        case "stop_signal": new.stopSignal = .int
        case "heartbeat removed": new.heartbeat = nil
        case "heartbeat added":
            old.heartbeat = nil
            new.heartbeat = Self.heartbeat
        default: new.heartbeat?.keyFile = "/etc/vigil/web.key"
        }
        #expect(new != old)
        let diff = ConfigDiff(old: VigilConfig(targets: [old]), new: VigilConfig(targets: [new]))
        #expect(diff.changed == ["web"], "\(change)")
        #expect(diff.changedInPlace.isEmpty, "\(change)")
    }

    @Test func aPolicyChangeSaysWhichPiecesToRebuild() {
        let old = Self.full()
        var thresholds = old
        thresholds.heartbeat?.suspect = 4
        thresholds.heartbeat?.convict = 8
        let onlyThresholds = PolicyChange(old: old, new: thresholds)
        #expect(onlyThresholds.heartbeat == .thresholds)
        #expect(!onlyThresholds.checks)

        var detector = old
        detector.heartbeat?.window = 10
        detector.checks[0].holdFor = .seconds(5)
        let detectorAndChecks = PolicyChange(old: old, new: detector)
        #expect(detectorAndChecks.heartbeat == .detector)
        #expect(detectorAndChecks.checks)

        var backoff = old
        backoff.restart.backoffMin = .zero
        #expect(PolicyChange(old: old, new: backoff) == PolicyChange(old: old, new: old))
        #expect(PolicyChange(old: old, new: backoff).heartbeat == .unchanged)
    }

    @Test func theRunningHeartbeatIntervalIsKeptUnlessTheConfiguredOneChanged() {
        let old = Self.full()
        // The program set WATCHDOG_USEC=4s over its notify socket: the interval in force is 2s.
        var running = Self.heartbeat
        running.interval = .seconds(2)
        var thresholds = old
        thresholds.heartbeat?.convict = 8
        let kept = PolicyChange(old: old, new: thresholds).heartbeatConfig(running: running)
        #expect(kept?.interval == .seconds(2))
        #expect(kept?.convict == 8)
        var interval = old
        interval.heartbeat?.interval = .milliseconds(500)
        #expect(PolicyChange(old: old, new: interval).heartbeatConfig(running: running)?.interval == .milliseconds(500))
    }

    @Test func environmentChangeCountsAsAChange() {
        let a = TargetConfig(name: "a", exec: ["/bin/true"], env: ["X": "1"])
        var a2 = a
        a2.env["X"] = "2"
        #expect(ConfigDiff(old: VigilConfig(targets: [a]), new: VigilConfig(targets: [a2])).changed == ["a"])
    }

    @Test func statusLineCountsTargetsByState() {
        let states: [SupervisionState] = [
            .running(pid: 1, since: .zero), .running(pid: 2, since: .zero), .failed(since: .zero),
        ]
        #expect(StatusSummary.line(states: states) == "3 targets: 2 running, 1 failed")
        #expect(StatusSummary.line(states: []) == "0 targets")
        #expect(StatusSummary.line(states: [.backingOff(until: .zero)]) == "1 target: 1 backoff")
    }
}

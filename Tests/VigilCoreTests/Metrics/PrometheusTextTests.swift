import Testing
import VigilCore

@Suite struct PrometheusTextTests {
    /// One target with a short histogram, so the whole exposition fits in the test.
    static var small: MetricsSnapshot {
        var detection = Histogram(upperBounds: [0.001, 0.01])
        // Powers of two, so that the sum is exact.
        detection.observe(0.000_976_562_5)
        detection.observe(0.003_906_25)
        var lateness = Histogram(upperBounds: [0.001])
        lateness.observe(0.0025)
        return MetricsSnapshot(
            version: "1.2.3",
            startTimeSeconds: 1_700_000_000.5,
            targets: [
                MetricsSnapshot.Target(
                    name: "web",
                    state: "running",
                    restartsTotal: 3,
                    faultsTotal: 4,
                    heartbeatSuspicionsTotal: 6,
                    heartbeatFalseSuspicionsTotal: 5,
                    recoveryExhaustedTotal: 1,
                    heartbeatLevel: 0.25,
                    detection: detection,
                    recovery: Histogram(upperBounds: [1])
                )
            ],
            heartbeatDrops: [.badMAC: 2],
            engineLateness: lateness,
            reloads: .init(ok: 5, rejected: 1),
            stateFileWritable: false
        )
    }

    @Test func rendersASmallSnapshotExactly() {
        let expected = """
            # HELP vigil_build_info Always 1; the version label is the release of vigild.
            # TYPE vigil_build_info gauge
            vigil_build_info{version="1.2.3"} 1
            # HELP vigil_start_time_seconds When vigild started, in seconds since the Unix epoch.
            # TYPE vigil_start_time_seconds gauge
            vigil_start_time_seconds 1700000000.5
            # HELP vigil_reloads_total Configuration reloads, applied (ok) or refused (rejected).
            # TYPE vigil_reloads_total counter
            vigil_reloads_total{result="ok"} 5
            vigil_reloads_total{result="rejected"} 1
            # HELP vigil_state_file_writable 1 when the last write of vigild's state file worked, 0 when it failed.
            # TYPE vigil_state_file_writable gauge
            vigil_state_file_writable 0
            # HELP vigil_targets Configured targets in each state.
            # TYPE vigil_targets gauge
            vigil_targets{state="stopped"} 0
            vigil_targets{state="starting"} 0
            vigil_targets{state="running"} 1
            vigil_targets{state="backoff"} 0
            vigil_targets{state="recovering"} 0
            vigil_targets{state="stopping"} 0
            vigil_targets{state="failed"} 0
            vigil_targets{state="exited"} 0
            vigil_targets{state="waiting"} 0
            # HELP vigil_target_info Always 1 for each configured target; kind is its kind.
            # TYPE vigil_target_info gauge
            vigil_target_info{target="web",kind="process"} 1
            # HELP vigil_target_up 1 when the target is running past its start grace, else 0.
            # TYPE vigil_target_up gauge
            vigil_target_up{target="web"} 1
            # HELP vigil_target_state 1 for the state the target is in, 0 for every other state.
            # TYPE vigil_target_state gauge
            vigil_target_state{target="web",state="stopped"} 0
            vigil_target_state{target="web",state="starting"} 0
            vigil_target_state{target="web",state="running"} 1
            vigil_target_state{target="web",state="backoff"} 0
            vigil_target_state{target="web",state="recovering"} 0
            vigil_target_state{target="web",state="stopping"} 0
            vigil_target_state{target="web",state="failed"} 0
            vigil_target_state{target="web",state="exited"} 0
            vigil_target_state{target="web",state="waiting"} 0
            # HELP vigil_target_health 1 for the target's health verdict (healthy, suspect, failed, unknown), 0 for \
            the others.
            # TYPE vigil_target_health gauge
            vigil_target_health{target="web",health="healthy"} 0
            vigil_target_health{target="web",health="suspect"} 0
            vigil_target_health{target="web",health="failed"} 0
            vigil_target_health{target="web",health="unknown"} 1
            # HELP vigil_target_restarts_total Restarts of the target since vigild started.
            # TYPE vigil_target_restarts_total counter
            vigil_target_restarts_total{target="web"} 3
            # HELP vigil_target_failovers_total Fail-overs of the target to a standby since vigild started.
            # TYPE vigil_target_failovers_total counter
            vigil_target_failovers_total{target="web"} 0
            # HELP vigil_target_faults_total Failures of the target since vigild started, as vigilctl report \
            counts them: unexpected exits, heartbeat convictions (a conviction and its exit once) and failed starts.
            # TYPE vigil_target_faults_total counter
            vigil_target_faults_total{target="web"} 4
            # HELP vigil_recovery_exhausted_total Times the target's recovery ladder ran out of steps since vigild \
            started.
            # TYPE vigil_recovery_exhausted_total counter
            vigil_recovery_exhausted_total{target="web"} 1
            # HELP vigil_heartbeat_level Suspicion level of the target's heartbeat detector (phi, or silence in \
            intervals).
            # TYPE vigil_heartbeat_level gauge
            vigil_heartbeat_level{target="web"} 0.25
            # HELP vigil_heartbeat_suspicions_total Times the target's heartbeat detector suspected it since vigild \
            started.
            # TYPE vigil_heartbeat_suspicions_total counter
            vigil_heartbeat_suspicions_total{target="web"} 6
            # HELP vigil_heartbeat_false_suspicions_total Heartbeat suspicions of the target that a heartbeat \
            cleared (alarms that were not failures).
            # TYPE vigil_heartbeat_false_suspicions_total counter
            vigil_heartbeat_false_suspicions_total{target="web"} 5
            # HELP vigil_heartbeat_dropped_total Heartbeat datagrams dropped, by reason.
            # TYPE vigil_heartbeat_dropped_total counter
            vigil_heartbeat_dropped_total{reason="truncated"} 0
            vigil_heartbeat_dropped_total{reason="oversized"} 0
            vigil_heartbeat_dropped_total{reason="malformed"} 0
            vigil_heartbeat_dropped_total{reason="unknown-target"} 0
            vigil_heartbeat_dropped_total{reason="bad-mac"} 2
            vigil_heartbeat_dropped_total{reason="replay"} 0
            vigil_heartbeat_dropped_total{reason="rate-limited"} 0
            vigil_heartbeat_dropped_total{reason="wrong-channel"} 0
            # HELP vigil_detection_seconds Time from a target's failure to vigild noticing it.
            # TYPE vigil_detection_seconds histogram
            vigil_detection_seconds_bucket{target="web",le="0.001"} 1
            vigil_detection_seconds_bucket{target="web",le="0.01"} 2
            vigil_detection_seconds_bucket{target="web",le="+Inf"} 2
            vigil_detection_seconds_sum{target="web"} 0.0048828125
            vigil_detection_seconds_count{target="web"} 2
            # HELP vigil_recovery_seconds Time from noticing a target's failure to its replacement counting as \
            started.
            # TYPE vigil_recovery_seconds histogram
            vigil_recovery_seconds_bucket{target="web",le="1"} 0
            vigil_recovery_seconds_bucket{target="web",le="+Inf"} 0
            vigil_recovery_seconds_sum{target="web"} 0
            vigil_recovery_seconds_count{target="web"} 0
            # HELP vigil_engine_lateness_seconds How late vigild's engine ran its timers; a late engine detects late.
            # TYPE vigil_engine_lateness_seconds histogram
            vigil_engine_lateness_seconds_bucket{le="0.001"} 0
            vigil_engine_lateness_seconds_bucket{le="+Inf"} 1
            vigil_engine_lateness_seconds_sum 0.0025
            vigil_engine_lateness_seconds_count 1
            # HELP vigil_host_checks_raised Host checks raised now, by severity (a fault is a host fault).
            # TYPE vigil_host_checks_raised gauge
            vigil_host_checks_raised{severity="fault"} 0
            vigil_host_checks_raised{severity="warn"} 0

            """
        #expect(PrometheusText.render(Self.small) == expected)
    }

    @Test func labelValuesEscapeBackslashQuoteAndNewlineOnly() {
        #expect(PrometheusText.escapeLabelValue(#"a\b"#) == #"a\\b"#)
        #expect(PrometheusText.escapeLabelValue(#"say "hi""#) == #"say \"hi\""#)
        #expect(PrometheusText.escapeLabelValue("two\nlines") == #"two\nlines"#)
        #expect(PrometheusText.escapeLabelValue("tab\tand ünïcode") == "tab\tand ünïcode")
        #expect(PrometheusText.escapeHelp("a \"quoted\" \\ path\n") == #"a "quoted" \\ path\n"#)
    }

    @Test func aTargetNameIsEscapedInEverySeries() {
        var snapshot = Self.small
        snapshot.targets[0].name = "we\"b\\\n"
        let text = PrometheusText.render(snapshot)
        #expect(text.contains(#"vigil_target_up{target="we\"b\\\n"} 1"#))
        #expect(!text.contains("we\"b"))
        #expect(text.split(separator: "\n").allSatisfy { !$0.isEmpty })
    }

    @Test func numbersAreWrittenSoGoParsesThem() {
        #expect(PrometheusText.format(1) == "1")
        #expect(PrometheusText.format(10) == "10")
        #expect(PrometheusText.format(0.000_05) == "5e-05")
        #expect(PrometheusText.format(2.5) == "2.5")
        #expect(PrometheusText.format(.infinity) == "+Inf")
        #expect(PrometheusText.format(-.infinity) == "-Inf")
        #expect(PrometheusText.format(.nan) == "NaN")
        #expect(PrometheusText.format(1e300) == "1e+300")
    }

    @Test func everyTargetHasExactlyOneStateSetEvenAnUnknownOne() {
        var snapshot = Self.small
        snapshot.targets.append(MetricsSnapshot.Target(name: "db", state: "failing-over"))
        let lines = PrometheusText.render(snapshot).split(separator: "\n")
        for target in ["web", "db"] {
            let set = lines.filter { $0.hasPrefix("vigil_target_state{target=\"\(target)\"") && $0.hasSuffix(" 1") }
            #expect(set.count == 1)
        }
        #expect(lines.contains("vigil_targets{state=\"failing-over\"} 1"))
        #expect(lines.contains("vigil_target_state{target=\"web\",state=\"failing-over\"} 0"))
        #expect(lines.contains("vigil_target_up{target=\"db\"} 0"))
    }

    @Test func knownStatesCoverEverySupervisionState() {
        let now = MonotonicInstant(nanoseconds: 1)
        let states: [SupervisionState] = [
            .idle, .spawning, .starting(pid: 1, since: now), .running(pid: 1, since: now), .backingOff(until: now),
            .recovering(pid: 1, since: now, evidence: Evidence(.check, "x")),
            .stopping(pid: 1, deadline: now, escalated: false),
            .failed(since: now), .finished(status: .exited(code: 0)), .waiting(since: now, reason: "x"),
        ]
        for state in states {
            #expect(MetricsSnapshot.knownStates.contains(state.word), "\(state.word)")
        }
    }

    @Test func aTargetWithoutHeartbeatsHasNoLevelOrSuspicionSeries() {
        var snapshot = Self.small
        snapshot.targets[0].heartbeatLevel = nil
        let text = PrometheusText.render(snapshot)
        #expect(text.contains("# TYPE vigil_heartbeat_level gauge\n# HELP vigil_heartbeat_suspicions_total"))
        #expect(!text.contains("vigil_heartbeat_suspicions_total{"))
        #expect(!text.contains("vigil_heartbeat_false_suspicions_total{"))
    }

    @Test func theStateFileSeriesIsWrittenOnlyWhenVigildKeepsAStateFile() {
        var snapshot = Self.small
        snapshot.stateFileWritable = true
        #expect(PrometheusText.render(snapshot).contains("\nvigil_state_file_writable 1\n"))
        snapshot.stateFileWritable = nil
        #expect(!PrometheusText.render(snapshot).contains("vigil_state_file_writable"))
    }

    @Test func clusterSeriesShowTheLeaseEtcdTheNodesAndEachResourcesOwnershipOnlyInClusterMode() {
        var snapshot = Self.small
        #expect(!PrometheusText.render(snapshot).contains("vigil_cluster"))
        snapshot.cluster = ClusterStatus(
            node: "n1",
            lease: "694d",
            leaseTTLSeconds: 2,
            etcdReachable: true,
            nodes: ["n1", "n2", "n3"].map { ClusterStatus.Node(name: $0, figures: ClusterNodeFigures()) },
            resources: [
                ClusterStatus.Resource(name: "db", owner: "n1", fencingToken: 42),
                ClusterStatus.Resource(name: "web", owner: "n2", fencingToken: 17),
                ClusterStatus.Resource(name: "queue", owner: nil, fencingToken: nil),
            ]
        )
        let text = PrometheusText.render(snapshot)
        for line in [
            "\nvigil_cluster_lease_held 1\n", "\nvigil_cluster_etcd_reachable 1\n", "\nvigil_cluster_nodes 3\n",
            "\nvigil_cluster_resource_owned{target=\"db\"} 1\n", "\nvigil_cluster_resource_owned{target=\"web\"} 0\n",
            "\nvigil_cluster_resource_owned{target=\"queue\"} 0\n", "\nvigil_cluster_fencing_token{target=\"db\"} 42\n",
            "\nvigil_cluster_fencing_token{target=\"web\"} 17\n",
        ] {
            #expect(text.contains(line), "missing \(line) in \(text)")
        }
        #expect(!text.contains("vigil_cluster_fencing_token{target=\"queue\"}"))
    }
}

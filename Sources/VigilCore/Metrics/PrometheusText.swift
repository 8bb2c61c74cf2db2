/// Renders a `MetricsSnapshot` as the Prometheus text exposition format, version 0.0.4: what `GET /metrics`
/// answers and what the node_exporter textfile collector reads.
///
/// Every name starts with `vigil_`. Per-target series carry a `target` label; series are written for every known
/// state and every drop reason even when their value is 0, because a series that appears only once it is non-zero
/// breaks `rate()` and alerts on absence.
public enum PrometheusText {
    /// The `Content-Type` of the format.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The exposition text of `snapshot`: deterministic (same snapshot, same bytes), one family after another.
    /// - Parameter snapshot: What to show.
    /// - Returns: The text, ending with a newline.
    public static func render(_ snapshot: MetricsSnapshot) -> String {
        var out = PrometheusWriter()
        renderDaemon(snapshot, into: &out)
        renderTargets(snapshot, into: &out)
        renderHeartbeats(snapshot, into: &out)
        renderLatencies(snapshot, into: &out)
        renderHost(snapshot, into: &out)
        if let cluster = snapshot.cluster {
            renderCluster(cluster, into: &out)
            renderPlacement(cluster, into: &out)
        }
        return out.text
    }

    /// Cluster mode: this node's lease, etcd, the live nodes, and each cluster resource's owner and fencing token.
    private static func renderCluster(_ cluster: ClusterStatus, into out: inout PrometheusWriter) {
        out.family("vigil_cluster_lease_held", .gauge, help: "1 while this node holds its etcd lease.")
        out.sample("vigil_cluster_lease_held", [], cluster.lease == nil ? "0" : "1")
        out.family("vigil_cluster_etcd_reachable", .gauge, help: "1 when the last read or write of etcd worked.")
        out.sample("vigil_cluster_etcd_reachable", [], cluster.etcdReachable ? "1" : "0")
        out.family("vigil_cluster_nodes", .gauge, help: "Live nodes (node keys) in the last read of etcd.")
        out.sample("vigil_cluster_nodes", [], UInt64(cluster.nodes.count))
        out.family(
            "vigil_cluster_resource_owned",
            .gauge,
            help: "1 when this node owns the cluster resource (its claim created the owner key), else 0."
        )
        for resource in cluster.resources {
            out.sample(
                "vigil_cluster_resource_owned",
                [("target", resource.name)],
                resource.owner == cluster.node ? "1" : "0"
            )
        }
        out.family(
            "vigil_cluster_fencing_token",
            .gauge,
            help: "The fencing token (owner key revision) of each cluster resource with an owner."
        )
        for resource in cluster.resources {
            guard let token = resource.fencingToken, resource.owner != nil else { continue }
            out.sample("vigil_cluster_fencing_token", [("target", resource.name)], UInt64(token))
        }
    }

    /// Host pressure (when the kernel has PSI) and raised host checks.
    private static func renderHost(_ snapshot: MetricsSnapshot, into out: inout PrometheusWriter) {
        out.family(
            "vigil_host_checks_raised",
            .gauge,
            help: "Host checks raised now, by severity (a fault is a host fault)."
        )
        out.sample("vigil_host_checks_raised", [("severity", "fault")], UInt64(snapshot.hostFaultsRaised))
        out.sample("vigil_host_checks_raised", [("severity", "warn")], UInt64(snapshot.hostWarningsRaised))
        guard let pressure = snapshot.hostPressure else { return }
        // Every line the kernel reported: (resource, some|full, its figures).
        var stalls: [(resource: String, kind: String, stall: HostPressure.Stall)] = []
        for (name, resource) in [("cpu", pressure.cpu), ("memory", pressure.memory), ("io", pressure.io)] {
            guard let resource else { continue }
            stalls.append((name, "some", resource.some))
            if let full = resource.full {
                stalls.append((name, "full", full))
            }
        }
        out.family(
            "vigil_host_pressure_ratio",
            .gauge,
            help: "Share of time some or all tasks stalled on a resource, averaged over a window (/proc/pressure)."
        )
        for (resource, kind, stall) in stalls {
            for (window, value) in [("10s", stall.avg10), ("60s", stall.avg60), ("300s", stall.avg300)] {
                let labels = [("resource", resource), ("kind", kind), ("window", window)]
                out.sample("vigil_host_pressure_ratio", labels, value / 100)
            }
        }
        out.family(
            "vigil_host_pressure_stalled_seconds_total",
            .counter,
            help: "Total time some or all tasks stalled on a resource since boot (/proc/pressure total)."
        )
        for (resource, kind, stall) in stalls {
            let seconds = Double(stall.totalMicroseconds) / 1e6
            out.sample("vigil_host_pressure_stalled_seconds_total", [("resource", resource), ("kind", kind)], seconds)
        }
    }

    private static func renderDaemon(_ snapshot: MetricsSnapshot, into out: inout PrometheusWriter) {
        out.family("vigil_build_info", .gauge, help: "Always 1; the version label is the release of vigild.")
        out.sample("vigil_build_info", [("version", snapshot.version)], "1")
        out.family("vigil_start_time_seconds", .gauge, help: "When vigild started, in seconds since the Unix epoch.")
        out.sample("vigil_start_time_seconds", [], snapshot.startTimeSeconds)
        out.family("vigil_reloads_total", .counter, help: "Configuration reloads, applied (ok) or refused (rejected).")
        out.sample("vigil_reloads_total", [("result", "ok")], snapshot.reloads.ok)
        out.sample("vigil_reloads_total", [("result", "rejected")], snapshot.reloads.rejected)
        if let writable = snapshot.stateFileWritable {
            out.family(
                "vigil_state_file_writable",
                .gauge,
                help: "1 when the last write of vigild's state file worked, 0 when it failed."
            )
            out.sample("vigil_state_file_writable", [], writable ? "1" : "0")
        }
        out.family("vigil_targets", .gauge, help: "Configured targets in each state.")
        for (state, count) in snapshot.targetsByState {
            out.sample("vigil_targets", [("state", state)], UInt64(count))
        }
    }

    private static func renderTargets(_ snapshot: MetricsSnapshot, into out: inout PrometheusWriter) {
        let targets = snapshot.targets
        out.family("vigil_target_info", .gauge, help: "Always 1 for each configured target; kind is its kind.")
        for target in targets {
            out.sample("vigil_target_info", [("target", target.name), ("kind", target.kind)], "1")
        }
        out.family("vigil_target_up", .gauge, help: "1 when the target is running past its start grace, else 0.")
        for target in targets {
            out.sample("vigil_target_up", [("target", target.name)], target.isUp ? "1" : "0")
        }
        out.family("vigil_target_state", .gauge, help: "1 for the state the target is in, 0 for every other state.")
        let states = MetricsSnapshot.states(including: targets.map(\.state))
        for target in targets {
            for state in states {
                out.sample(
                    "vigil_target_state",
                    [("target", target.name), ("state", state)],
                    state == target.state ? "1" : "0"
                )
            }
        }
        out.family(
            "vigil_target_health",
            .gauge,
            help: "1 for the target's health verdict (healthy, suspect, failed, unknown), 0 for the others."
        )
        for target in targets {
            for word in HealthWord.allCases {
                out.sample(
                    "vigil_target_health",
                    [("target", target.name), ("health", word.rawValue)],
                    word == target.health ? "1" : "0"
                )
            }
        }
        counter(
            "vigil_target_restarts_total",
            help: "Restarts of the target since vigild started.",
            targets,
            \.restartsTotal,
            into: &out
        )
        counter(
            "vigil_target_failovers_total",
            help: "Fail-overs of the target to a standby since vigild started.",
            targets,
            \.failoversTotal,
            into: &out
        )
        counter(
            "vigil_target_faults_total",
            help:
                "Failures of the target since vigild started, as vigilctl report counts them: unexpected exits, "
                + "heartbeat convictions (a conviction and its exit once) and failed starts.",
            targets,
            \.faultsTotal,
            into: &out
        )
        counter(
            "vigil_recovery_exhausted_total",
            help: "Times the target's recovery ladder ran out of steps since vigild started.",
            targets,
            \.recoveryExhaustedTotal,
            into: &out
        )
    }

    private static func renderHeartbeats(_ snapshot: MetricsSnapshot, into out: inout PrometheusWriter) {
        out.family(
            "vigil_heartbeat_level",
            .gauge,
            help: "Suspicion level of the target's heartbeat detector (phi, or silence in intervals)."
        )
        for target in snapshot.targets {
            if let level = target.heartbeatLevel {
                out.sample("vigil_heartbeat_level", [("target", target.name)], level)
            }
        }
        let beating = snapshot.targets.filter { $0.heartbeatLevel != nil }
        counter(
            "vigil_heartbeat_suspicions_total",
            help: "Times the target's heartbeat detector suspected it since vigild started.",
            beating,
            \.heartbeatSuspicionsTotal,
            into: &out
        )
        counter(
            "vigil_heartbeat_false_suspicions_total",
            help: "Heartbeat suspicions of the target that a heartbeat cleared (alarms that were not failures).",
            beating,
            \.heartbeatFalseSuspicionsTotal,
            into: &out
        )
        out.family("vigil_heartbeat_dropped_total", .counter, help: "Heartbeat datagrams dropped, by reason.")
        for reason in HeartbeatDropReason.allCases {
            out.sample(
                "vigil_heartbeat_dropped_total",
                [("reason", reason.rawValue)],
                snapshot.heartbeatDrops[reason] ?? 0
            )
        }
    }

    private static func renderLatencies(_ snapshot: MetricsSnapshot, into out: inout PrometheusWriter) {
        out.family(
            "vigil_detection_seconds",
            .histogram,
            help: "Time from a target's failure to vigild noticing it."
        )
        for target in snapshot.targets {
            out.histogram("vigil_detection_seconds", [("target", target.name)], target.detection)
        }
        out.family(
            "vigil_recovery_seconds",
            .histogram,
            help: "Time from noticing a target's failure to its replacement counting as started."
        )
        for target in snapshot.targets {
            out.histogram("vigil_recovery_seconds", [("target", target.name)], target.recovery)
        }
        out.family(
            "vigil_engine_lateness_seconds",
            .histogram,
            help: "How late vigild's engine ran its timers; a late engine detects late."
        )
        out.histogram("vigil_engine_lateness_seconds", [], snapshot.engineLateness)
    }

    private static func counter(
        _ name: String,
        help: String,
        _ targets: [MetricsSnapshot.Target],
        _ value: KeyPath<MetricsSnapshot.Target, UInt64>,
        into out: inout PrometheusWriter
    ) {
        out.family(name, .counter, help: help)
        for target in targets {
            out.sample(name, [("target", target.name)], target[keyPath: value])
        }
    }

    /// A label value escaped as the format requires: backslash, double quote and line feed.
    /// - Parameter value: The raw value, any UTF-8.
    /// - Returns: The text to put between the quotes.
    public static func escapeLabelValue(_ value: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(value.utf8.count)
        for character in value.unicodeScalars {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    /// Help text escaped as the format requires: backslash and line feed (quotes are literal there).
    public static func escapeHelp(_ help: String) -> String {
        help.replacing("\\", with: "\\\\").replacing("\n", with: "\\n")
    }

    /// A sample value or `le` bound: `+Inf`, `-Inf`, `NaN`, integers without a fraction, otherwise the shortest
    /// text that reads back as the same `Double` (Swift's `description`, which Go's `ParseFloat` accepts).
    public static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        let text = value.description
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }
}

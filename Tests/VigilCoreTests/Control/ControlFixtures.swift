import VigilCore

/// A status and events shared by the rendering tests; "now" is 2026-11-22 03:12:01 UTC.
enum ControlFixtures {
    static let now: Int64 = 1_795_317_121_000_000

    static func event(_ type: String, target: String?, secondsAgo: Int64, priority: Int = 6) -> EventRecord {
        EventRecord(
            event: type,
            target: target,
            message: "\(target ?? "vigild"): \(type)",
            priority: priority,
            monotonicMicroseconds: 5_000_000,
            realtimeMicroseconds: now - secondsAgo * 1_000_000,
            fields: ["TARGET": target ?? ""]
        )
    }

    static let status = DaemonStatus(
        version: "0.4.0",
        pid: 812,
        uptimeSeconds: 273_845,
        summary: "3 targets: 1 running, 1 backoff, 1 failed",
        configFile: "/etc/vigil/vigil.toml",
        maintenance: false,
        targets: [
            TargetStatus(
                name: "web",
                kind: .process,
                state: "running",
                health: .healthy,
                pid: 913,
                uptimeSeconds: 312.7,
                lastEvent: event("target-started", target: "web", secondsAgo: 312)
            ),
            TargetStatus(
                name: "api",
                kind: .process,
                state: "backoff",
                health: .suspect,
                evidence: "phi=9.2, 2s silent",
                restarts: 2,
                lastEvent: event("target-exited", target: "api", secondsAgo: 4, priority: 4)
            ),
            TargetStatus(
                name: "db",
                kind: .vm,
                state: "failed",
                health: .failed,
                evidence: "5 restarts in 1m",
                restarts: 5
            ),
        ]
    )
}

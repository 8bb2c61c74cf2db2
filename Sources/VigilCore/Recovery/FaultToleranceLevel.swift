/// A target's `level = "high" | "medium" | "low"`: one word that sets detector sensitivity, the recovery ladder, the
/// verification window and the restart rate limits together. Any of those keys written explicitly wins over the
/// level. `medium` is the default and equals vigild's defaults without a level, so adding it changes nothing.
///
/// What each level sets (`docs/recovery.md` has the same table):
///
/// | setting | key it fills | high | medium | low |
/// |---|---|---|---|---|
/// | heartbeat `suspect`/`convict` | `heartbeat.suspect`, `heartbeat.convict` | detector default × 0.75 | × 1 | × 1.5 |
/// | default detection bound (a `key_file`, no detector settings) | `heartbeat.detect_within` | × 0.75 | 2s or 5 intervals | × 1.5 |
/// | φ detector (suspect/convict) | | 6 / 12 | 8 / 16 | 12 / 24 |
/// | fixed detector | | 2.25 / 3 | 3 / 4 | 4.5 / 6 |
/// | chen detector | | 1.5 / 2.25 | 2 / 3 | 3 / 4.5 |
/// | ladder with standbys | `recovery` | restart, failover, fence | restart, restart, failover | restart ×3 |
/// | ladder without standbys | `recovery` | restart, restart | restart ×3 | restart ×3 |
/// | verification window | `verify_window` | 10s | 30s | 60s |
/// | actuator time limit | `action_timeout` | 15s | 30s | 60s |
/// | ladder reset after healthy | `recovery_reset_after` | 10m | 5m | 2m |
/// | restart burst / within | `restart.burst`, `restart.within` | 3 / 60s | 5 / 60s | 10 / 120s |
/// | restart backoff | `restart.backoff` | 0..5s | 100ms..30s | 1s..60s |
/// | recovery priority | `priority` | 100 | 50 | 10 |
///
/// `high` is for a service that must stay up: it convicts sooner (more false alarms: at φ 12 the detector evaluation
/// in `bench/RESULTS.md` saw occasional false convictions under 1 % loss), fails over after one failed restart and
/// keeps escalating a target that relapses for longer. `low` is for a batch or best-effort service: lenient
/// detection, patient restarts, no automatic failover.
public enum FaultToleranceLevel: String, Sendable, Equatable, CaseIterable, Codable {
    case high
    case medium
    case low

    /// The figures this level sets.
    public var preset: RecoveryPreset {
        switch self {
        case .high:
            RecoveryPreset(
                detectorScale: 0.75,
                ladderWithStandbys: [.restart, .failover, .fence],
                ladderWithoutStandbys: [.restart, .restart],
                verifyWindow: .seconds(10),
                actionTimeout: .seconds(15),
                resetAfter: .seconds(600),
                restartBurst: 3,
                restartWithin: .seconds(60),
                backoffMin: .zero,
                backoffMax: .seconds(5),
                priority: 100
            )
        case .medium:
            RecoveryPreset(
                detectorScale: 1,
                ladderWithStandbys: [.restart, .restart, .failover],
                ladderWithoutStandbys: [.restart, .restart, .restart],
                verifyWindow: .seconds(30),
                actionTimeout: .seconds(30),
                resetAfter: .seconds(300),
                restartBurst: 5,
                restartWithin: .seconds(60),
                backoffMin: .milliseconds(100),
                backoffMax: .seconds(30),
                priority: 50
            )
        case .low:
            RecoveryPreset(
                detectorScale: 1.5,
                ladderWithStandbys: [.restart, .restart, .restart],
                ladderWithoutStandbys: [.restart, .restart, .restart],
                verifyWindow: .seconds(60),
                actionTimeout: .seconds(60),
                resetAfter: .seconds(120),
                restartBurst: 10,
                restartWithin: .seconds(120),
                backoffMin: .seconds(1),
                backoffMax: .seconds(60),
                priority: 10
            )
        }
    }

    /// The restart table with this level's rate limits, except where the table set them itself.
    /// - Parameters:
    ///   - restart: the parsed `restart` table (defaults where keys were absent).
    ///   - explicitKeys: the keys written in the target's `restart` table (`backoff`, `burst`, `within` are the ones
    ///     a level sets).
    public func applied(to restart: RestartConfig, explicitKeys: Set<String>) -> RestartConfig {
        var result = restart
        let preset = self.preset
        if !explicitKeys.contains("backoff") {
            result.backoffMin = preset.backoffMin
            result.backoffMax = preset.backoffMax
        }
        if !explicitKeys.contains("burst") {
            result.burst = preset.restartBurst
        }
        if !explicitKeys.contains("within") {
            result.within = preset.restartWithin
        }
        return result
    }

    /// The heartbeat table with this level's detector thresholds, except where the table set them itself. A scaled
    /// `suspect` is lowered to an explicit `convict` below it, so a target is never convicted before it is suspected.
    /// - Parameters:
    ///   - heartbeat: the parsed `heartbeat` table.
    ///   - explicitKeys: the keys written in the target's `heartbeat` table (`suspect`, `convict`).
    public func applied(to heartbeat: HeartbeatConfig, explicitKeys: Set<String>) -> HeartbeatConfig {
        var result = heartbeat
        let scale = preset.detectorScale
        // Configured by quality of service, the thresholds come from the link: a level scales a bound it filled in.
        if let within = heartbeat.qos?.detectWithin, !explicitKeys.contains("detect_within") {
            result.qos?.detectWithin = within * scale
        }
        if !explicitKeys.contains("convict") {
            result.convict = heartbeat.detector.defaultConvict * scale
        }
        if !explicitKeys.contains("suspect") {
            result.suspect = min(heartbeat.detector.defaultSuspect * scale, result.convict)
        }
        return result
    }
}

/// The figures one `FaultToleranceLevel` sets; see the table there.
public struct RecoveryPreset: Sendable, Equatable {
    /// Multiplies the heartbeat detector's default `suspect` and `convict` thresholds.
    public var detectorScale: Double
    public var ladderWithStandbys: [RecoveryStep]
    public var ladderWithoutStandbys: [RecoveryStep]
    public var verifyWindow: Duration
    public var actionTimeout: Duration
    /// How long a target must stay healthy for its ladder to start again from the first step.
    public var resetAfter: Duration
    public var restartBurst: Int
    public var restartWithin: Duration
    public var backoffMin: Duration
    public var backoffMax: Duration
    public var priority: Int

    /// The ladder for a target with or without standbys.
    public func ladder(hasStandbys: Bool) -> [RecoveryStep] {
        hasStandbys ? ladderWithStandbys : ladderWithoutStandbys
    }
}

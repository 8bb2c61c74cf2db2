import VigilCore
import VigilLinux

/// A reload that changes a target's policy only (`ConfigDiff.changedInPlace`): the new settings are applied to the
/// running instance, which keeps its PID.
extension Engine {
    /// Applies `target`, the new configuration of `runtime`'s target, without stopping it. Runs after
    /// `configureServices()`, which has already taken the new recovery settings (ladders, standbys).
    func applyInPlace(_ target: TargetConfig, to runtime: TargetRuntime, now: MonotonicInstant) {
        if case .replace(_, let launch) = runtime.whenDown {
            // Still stopping for an earlier reload: the replacement starts with the newest settings.
            runtime.whenDown = .replace(target, launch)
            return
        }
        let change = PolicyChange(old: runtime.config, new: target)
        runtime.config = target
        runtime.machine.updatePolicy(from: target)
        runtime.machine.recoversExternally = serviceOf[target.name] != nil
        if change.checks {
            runtime.detectors = target.checks.map(CheckDetector.init)
            disarmPressureTriggers(for: target.name)
            armPressureTriggers(for: runtime)
        }
        runtime.heartbeatConfig = change.heartbeatConfig(running: runtime.heartbeatConfig)
        switch change.heartbeat {
        case .unchanged:
            break
        case .thresholds:
            if let heartbeat = runtime.heartbeatConfig {
                runtime.judge?.updateThresholds(from: heartbeat)
            }
            runtime.armHeartbeat(now: now)
        case .detector:
            heartbeatProcessChanged(runtime, now: now)
        }
    }
}

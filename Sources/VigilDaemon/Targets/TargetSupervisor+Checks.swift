import VigilCore
import VigilLinux

/// A target's checks: its figures read from its cgroup and main process, fed to one detector per check; a raised
/// `fault` check fails the instance.
extension TargetSupervisor {
    /// Reads the target's figures and feeds its detectors.
    /// - Parameter freshPressure: read pressure files even if the last tick read them (a PSI trigger fired).
    func evaluateChecks(now: MonotonicInstant, freshPressure: Bool = false) {
        guard !healthModel.detectors.isEmpty, driver.hasInstance else { return }
        if sampler == nil, let pid = machine.state.pid {
            sampler = engine.health.processSampler(pid: pid)
        }
        guard let sampler else { return }
        let mainPID = driver.mainPID ?? machine.state.pid
        sampler.sample(for: healthModel.detectors, mainPID: mainPID, now: now, freshPressure: freshPressure)
        for index in healthModel.detectors.indices {
            let transition: CheckDetector.Transition?
            switch sampler.readings[index] {
            case .value(let reading):
                transition = healthModel.detectors[index].observe(reading, now: now)
            case .missing(let reason):
                transition = healthModel.detectors[index].observeMissing(reason: reason)
            case .none:
                transition = nil
            }
            guard let transition else { continue }
            let detector = healthModel.detectors[index]
            engine.health.report(transition, of: detector, target: name, now: now)
            if case .raised = transition, detector.check.severity == .fault {
                perform(machine.fault(now: now, evidence: detector.evidence(at: now)))
            }
        }
    }
}

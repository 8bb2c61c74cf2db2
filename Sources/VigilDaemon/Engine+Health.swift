import Dispatch
import VigilCore
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

/// Health checks: the tick that reads the host's and the targets' figures, the detectors with hysteresis that
/// judge them, and PSI triggers that make a pressure spike read at once instead of at the next tick.
extension Engine {
    func startHealth() {
        dispatchPrecondition(condition: .onQueue(queue))
        let reader = HostReader()
        do {
            cgroupLocator = CgroupLocator(mountInfo: try reader.mountInfo())
        } catch {
            logger.warning("cgroups cannot be located, cgroup and vm targets will not start: \(error)")
        }
        hostSampler = HostSampler(reader: reader)
        do {
            inotify = try InotifyWatcher(queue: queue) { @Sendable [weak self] changes in
                self?.cgroupFilesChanged(changes)
            }
        } catch {
            logger.warning("no inotify, cgroups are polled every tick: \(error)")
        }
        do {
            pressureTriggers = try PressureTriggers(queue: queue) { @Sendable [weak self] fired in
                self?.pressureTriggered(fired)
            }
        } catch {
            logger.warning("no PSI triggers, pressure is read every tick only: \(error)")
        }
        configureHostChecks()
        restartHealthTick()
    }

    /// (Re)starts the tick at `[daemon] tick`.
    func restartHealthTick() {
        healthTimer?.cancel()
        let period = loaded.config.daemon.tick
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.setEventHandler { @Sendable [weak self] in self?.healthTick() }
        timer.schedule(
            deadline: .now() + .nanoseconds(Int(period.nanoseconds)),
            repeating: .nanoseconds(Int(period.nanoseconds)),
            leeway: .milliseconds(10)
        )
        timer.activate()
        healthTimer = timer
    }

    /// The `[host]` checks in force, after a start or a reload (raised checks start over).
    func configureHostChecks() {
        let wasFaulted = !hostFaults.isEmpty
        hostDetectors = loaded.config.host.checks.map(CheckDetector.init)
        for (tag, owner) in triggerOwners where owner == nil {
            pressureTriggers?.disarm(tag)
            triggerOwners[tag] = nil
        }
        arm(loaded.config.host.checks, directory: nil, owner: nil)
        if wasFaulted {
            updateStatus()
        }
    }

    func healthTick() {
        let now = MonotonicClock.now()
        evaluateHost(now: now)
        for name in order {
            guard let runtime = targets[name] else { continue }
            pollWatched(runtime, now: now)
            evaluateChecks(runtime, now: now)
        }
        afterChange()
    }

    /// The raised host checks of severity `fault`.
    var hostFaults: [HealthCheck] {
        hostDetectors.filter { $0.phase.isRaised && $0.check.severity == .fault }.map(\.check)
    }

    func evaluateHost(now: MonotonicInstant) {
        guard let hostSampler else { return }
        let metrics = Set(hostDetectors.map(\.check.metric))
        hostSamples = hostSampler.sample(metrics, now: now)
        for index in hostDetectors.indices {
            guard let transition = observe(&hostDetectors[index], hostSamples, now: now) else { continue }
            report(transition, of: hostDetectors[index], target: nil, now: now)
        }
    }

    /// Reads a target's figures and feeds its detectors; a raised `fault` check starts its recovery.
    /// - Parameter freshPressure: read pressure files even if the last tick read them (a PSI trigger fired).
    func evaluateChecks(_ runtime: TargetRuntime, now: MonotonicInstant, freshPressure: Bool = false) {
        guard !runtime.detectors.isEmpty, runtime.hasInstance else { return }
        if runtime.sampler == nil, let pid = runtime.machine.state.pid {
            runtime.sampler = processSampler(pid: pid)
        }
        guard let sampler = runtime.sampler else { return }
        let mainPID = runtime.watched?.mainPID ?? runtime.machine.state.pid
        sampler.sample(for: runtime.detectors, mainPID: mainPID, now: now, freshPressure: freshPressure)
        for index in runtime.detectors.indices {
            let transition: CheckDetector.Transition?
            switch sampler.readings[index] {
            case .value(let reading):
                transition = runtime.detectors[index].observe(reading, now: now)
            case .missing(let reason):
                transition = runtime.detectors[index].observeMissing(reason: reason)
            case .none:
                transition = nil
            }
            guard let transition else { continue }
            let detector = runtime.detectors[index]
            report(transition, of: detector, target: runtime.name, now: now)
            if case .raised = transition, detector.check.severity == .fault {
                let reason = "check \"\(detector.check.text)\": \(detector.evidence(now: now))"
                perform(runtime.machine.fault(now: now, reason: reason), for: runtime)
            }
        }
    }

    private func observe(
        _ detector: inout CheckDetector,
        _ samples: MetricSamples,
        now: MonotonicInstant
    )
        -> CheckDetector.Transition?
    {
        let metric = detector.check.metric
        if let reading = samples[metric] {
            return detector.observe(reading, now: now)
        }
        if let reason = samples.missing[metric] {
            return detector.observeMissing(reason: reason)
        }
        return nil
    }

    /// Records what a detector's transition means: a raised or cleared check, a host fault, a check that cannot
    /// be read.
    private func report(
        _ transition: CheckDetector.Transition,
        of detector: CheckDetector,
        target: String?,
        now: MonotonicInstant
    ) {
        let check = detector.check
        let scope = target.map { "target \($0)" } ?? "the host"
        var fields = [
            "CHECK": check.text, "SCOPE": target == nil ? "host" : "target", "SEVERITY": check.severity.rawValue,
        ]
        let subject = target.map { "\($0): " } ?? "host: "
        let hostFault = target == nil && check.severity == .fault
        switch transition {
        case .raised(let since, let reading):
            fields["VALUE"] = HealthCheck.format(reading.value)
            if let total = reading.total {
                fields["TOTAL"] = HealthCheck.format(total)
            }
            fields["HELD_USEC"] = String((now - since).microseconds)
            let kind: EventKind = hostFault ? .hostFault : .checkRaised
            let severity: EventSeverity = check.severity == .fault ? .error : .warning
            let message =
                "\(subject)\(hostFault ? "host fault" : "check raised"): \(check.text) (\(detector.evidence(now: now)))"
            record(Event(kind: kind, target: target, message: message, fields: fields, time: now, severity: severity))
            if hostFault {
                updateStatus()
            }
        case .cleared(let lasted, let reading):
            fields["VALUE"] = HealthCheck.format(reading.value)
            fields["RAISED_USEC"] = String(lasted.microseconds)
            let kind: EventKind = hostFault ? .hostFaultCleared : .checkCleared
            let message = "\(subject)check cleared after \(lasted.humanReadable): \(check.text)"
            record(Event(kind: kind, target: target, message: message, fields: fields, time: now))
            if hostFault {
                updateStatus()
            }
        case .becameUnavailable(let reason):
            fields["ERROR"] = reason
            let message = "\(subject)cannot evaluate \"\(check.text)\" on \(scope), skipping it: \(reason)"
            record(Event(kind: .checkUnavailable, target: target, message: message, fields: fields, time: now))
        }
    }

    /// A process target's figures come from the cgroups it runs in, as `/proc/PID/cgroup` names them.
    func processSampler(pid: Int32) -> TargetSampler? {
        guard let locator = cgroupLocator, let cgroups = try? CgroupProcess.cgroups(of: pid) else {
            return TargetSampler(directories: CgroupDirectories())
        }
        return TargetSampler(directories: locator.locate(cgroups))
    }

    // MARK: - PSI triggers

    /// Arms a trigger for each pressure check that looks for a stall above a bound: `memory.psi.some.avg10 > 20`
    /// becomes `some 400000 2000000` (20 % of a 2 s window: without CAP_SYS_RESOURCE, which containers often
    /// drop even for root, the kernel accepts only windows that are multiples of 2 s).
    func arm(_ checks: [HealthCheck], directory: String?, owner: String?) {
        guard let pressureTriggers else { return }
        let window: Duration = .seconds(2)
        // A trigger wakes vigild at most once per 2 s window; it gains over the tick only for checks that must act
        // sooner than two ticks, and each armed trigger costs the kernel work (closing one takes ~10 ms).
        let tick = loaded.config.daemon.tick
        var armed: Set<String> = []
        for check in checks {
            let parts = check.metric.name.split(separator: ".")
            guard check.holdFor < tick * 2, parts.count == 4, parts[1] == "psi",
                check.comparison == .greater || check.comparison == .greaterOrEqual,
                case .percentOfTotal(let percent) = check.bound, percent > 0, percent < 100
            else { continue }
            let path = directory.map { "\($0)/\(parts[0]).pressure" } ?? "/proc/pressure/\(parts[0])"
            let trigger = PressureTriggers.Trigger(
                path: path,
                line: String(parts[2]),
                stall: window * (percent / 100),
                window: window
            )
            guard armed.insert(trigger.text + path).inserted else { continue }
            do {
                let tag = try pressureTriggers.arm(trigger)
                triggerOwners[tag] = .some(owner)
            } catch {
                logger.info(
                    "no PSI trigger on \(path) (\(error)); \(check.text) is read every tick only",
                    metadata: owner.map { ["VIGIL_TARGET": "\($0)"] } ?? [:]
                )
            }
        }
    }

    func armPressureTriggers(for runtime: TargetRuntime) {
        guard let unified = runtime.watched?.directories.unified else { return }
        arm(runtime.config.checks, directory: unified, owner: runtime.name)
    }

    func disarmPressureTriggers(for name: String) {
        for (tag, owner) in triggerOwners where owner == name {
            pressureTriggers?.disarm(tag)
            triggerOwners[tag] = nil
        }
    }

    /// A trigger fired: read the figures of whoever it belongs to now, rather than at the next tick.
    func pressureTriggered(_ fired: [(tag: Int64, gone: Bool)]) {
        let now = MonotonicClock.now()
        var evaluated: Set<String?> = []
        for (tag, gone) in fired {
            guard let owner = triggerOwners[tag] else { continue }
            if gone {
                pressureTriggers?.disarm(tag)
                triggerOwners[tag] = nil
            }
            guard evaluated.insert(owner).inserted else { continue }
            if let name = owner {
                if let runtime = targets[name] {
                    evaluateChecks(runtime, now: now, freshPressure: true)
                }
            } else {
                evaluateHost(now: now)
            }
        }
        afterChange()
    }
}

import Dispatch
import VigilCore
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

/// Health polling: the tick that reads the host's and the targets' figures, the `[host]` checks, the one inotify
/// instance every watched `cgroup.events` and `memory.events` shares, and PSI triggers that make a pressure spike
/// read at once instead of at the next tick. Confined to the engine queue.
package final class HealthPoller {
    unowned let engine: Engine
    /// Where each cgroup hierarchy is mounted; `nil` when `/proc/self/mountinfo` could not be read.
    private(set) var cgroupLocator: CgroupLocator?
    /// One inotify instance, and whose each watch is (a target's name).
    private var inotify: InotifyWatcher?
    private var watchOwners: [Int32: String] = [:]
    /// PSI triggers, and whose each is (`nil`: the host's).
    private var pressureTriggers: PressureTriggers?
    private var triggerOwners: [Int64: String?] = [:]
    /// The host's figures and the `[host]` checks.
    private(set) var hostSampler: HostSampler?
    private(set) var hostDetectors: [CheckDetector] = []
    /// The last round of the host's readings.
    private(set) var hostSamples = MetricSamples()
    private var tickTimer: (any EngineTimer)?

    init(engine: Engine) {
        self.engine = engine
    }

    func start() {
        dispatchPrecondition(condition: .onQueue(engine.queue))
        let reader = HostReader()
        do {
            cgroupLocator = CgroupLocator(mountInfo: try reader.mountInfo())
        } catch {
            engine.logger.warning("cgroups cannot be located, cgroup and vm targets will not start: \(error)")
        }
        hostSampler = HostSampler(reader: reader)
        do {
            inotify = try InotifyWatcher(queue: engine.queue) { @Sendable [weak engine] changes in
                engine?.handle(.cgroupFilesChanged(changes))
            }
        } catch {
            engine.logger.warning("no inotify, cgroups are polled every tick: \(error)")
        }
        do {
            pressureTriggers = try PressureTriggers(queue: engine.queue) { @Sendable [weak engine] fired in
                engine?.handle(.pressureTriggered(fired))
            }
        } catch {
            engine.logger.warning("no PSI triggers, pressure is read every tick only: \(error)")
        }
        configureHostChecks()
        restartTick()
    }

    func stop() {
        tickTimer?.cancel()
        tickTimer = nil
        inotify?.cancel()
        inotify = nil
        pressureTriggers?.cancel()
        pressureTriggers = nil
    }

    /// (Re)starts the tick at `[daemon] tick`.
    func restartTick() {
        tickTimer?.cancel()
        tickTimer = engine.scheduler.makeRepeatingTimer(
            on: engine.queue,
            every: engine.loaded.config.daemon.tick,
            leeway: .milliseconds(10)
        ) { @Sendable [weak engine] in
            engine?.handle(.healthTick)
        }
    }

    /// The `[host]` checks in force, after a start or a reload (raised checks start over).
    func configureHostChecks() {
        let wasFaulted = !hostFaults.isEmpty
        hostDetectors = engine.loaded.config.host.checks.map(CheckDetector.init)
        for (tag, owner) in triggerOwners where owner == nil {
            pressureTriggers?.disarm(tag)
            triggerOwners[tag] = nil
        }
        arm(engine.loaded.config.host.checks, directory: nil, owner: nil)
        if wasFaulted {
            engine.updateStatus()
        }
    }

    func tick() {
        let now = engine.now
        evaluateHost(now: now)
        for supervisor in engine.targets.all {
            supervisor.driver.poll(now: now)
            supervisor.evaluateChecks(now: now)
        }
    }

    /// The raised host checks of severity `fault`.
    package var hostFaults: [HealthCheck] {
        hostDetectors.filter { $0.phase.isRaised && $0.check.severity == .fault }.map(\.check)
    }

    func evaluateHost(now: MonotonicInstant) {
        guard let hostSampler else { return }
        let metrics = Set(hostDetectors.map(\.check.metric))
        hostSamples = hostSampler.sample(metrics, now: now)
        for index in hostDetectors.indices {
            let metric = hostDetectors[index].check.metric
            let transition: CheckDetector.Transition?
            if let reading = hostSamples[metric] {
                transition = hostDetectors[index].observe(reading, now: now)
            } else if let reason = hostSamples.missing[metric] {
                transition = hostDetectors[index].observeMissing(reason: reason)
            } else {
                transition = nil
            }
            guard let transition else { continue }
            report(transition, of: hostDetectors[index], target: nil, now: now)
        }
    }

    /// Records what a detector's transition means: a raised or cleared check, a host fault, a check that cannot
    /// be read.
    func report(
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
            engine.events.record(
                Event(kind: kind, target: target, message: message, fields: fields, time: now, severity: severity)
            )
            if hostFault {
                engine.updateStatus()
            }
        case .cleared(let lasted, let reading):
            fields["VALUE"] = HealthCheck.format(reading.value)
            fields["RAISED_USEC"] = String(lasted.microseconds)
            let kind: EventKind = hostFault ? .hostFaultCleared : .checkCleared
            let message = "\(subject)check cleared after \(lasted.humanReadable): \(check.text)"
            engine.events.record(Event(kind: kind, target: target, message: message, fields: fields, time: now))
            if hostFault {
                engine.updateStatus()
            }
        case .becameUnavailable(let reason):
            fields["ERROR"] = reason
            let message = "\(subject)cannot evaluate \"\(check.text)\" on \(scope), skipping it: \(reason)"
            engine.events.record(
                Event(kind: .checkUnavailable, target: target, message: message, fields: fields, time: now)
            )
        }
    }

    /// A process target's figures come from the cgroups it runs in, as `/proc/PID/cgroup` names them.
    func processSampler(pid: Int32) -> TargetSampler? {
        guard let locator = cgroupLocator, let cgroups = try? CgroupProcess.cgroups(of: pid) else {
            return TargetSampler(directories: CgroupDirectories())
        }
        return TargetSampler(directories: locator.locate(cgroups))
    }

    /// The host's free memory and idle CPU now, for admission control; `nil` when they cannot be read.
    func hostResources() -> AdmissionControl.HostResources? {
        guard let memory = try? hostSampler?.reader.memInfo(), let available = memory.available else { return nil }
        let cores = Double(max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        let busy = hostSampler?.cpuUsage?.busy ?? 0
        return AdmissionControl.HostResources(
            availableMemory: available,
            totalMemory: memory.total,
            idleCPU: cores * (1 - busy)
        )
    }

    // MARK: - inotify

    /// Watches `path` for `owner` (a target's name). Returns the watch, or `nil` without inotify or on failure.
    func watch(_ path: String, for owner: String) -> Int32? {
        guard let inotify, let watch = try? inotify.watch(path) else { return nil }
        watchOwners[watch] = owner
        return watch
    }

    func unwatch(_ watch: Int32) {
        inotify?.unwatch(watch)
        watchOwners[watch] = nil
    }

    /// Whether cgroups' changes are heard at once (else they are polled every tick).
    var hasInotify: Bool { inotify != nil }

    /// inotify reported changes: each goes to the driver of the target that owns the watch.
    func filesChanged(_ changes: [(watch: Int32, change: InotifyWatcher.Change)]) {
        let now = engine.now
        for (watch, _) in changes {
            guard let name = watchOwners[watch], let supervisor = engine.targets[name] else { continue }
            supervisor.driver.fileChanged(watch: watch, now: now)
        }
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
        let tick = engine.loaded.config.daemon.tick
        var armed: Set<String> = []
        for check in checks {
            guard check.holdFor < tick * 2, let stall = check.metric.pressureStall,
                check.comparison == .greater || check.comparison == .greaterOrEqual,
                case .percentOfTotal(let percent) = check.bound, percent > 0, percent < 100
            else { continue }
            let path = directory.map { "\($0)/\(stall.resource).pressure" } ?? "/proc/pressure/\(stall.resource)"
            let trigger = PressureTriggers.Trigger(
                path: path,
                line: stall.line,
                stall: window * (percent / 100),
                window: window
            )
            guard armed.insert(trigger.text + path).inserted else { continue }
            do {
                let tag = try pressureTriggers.arm(trigger)
                triggerOwners[tag] = .some(owner)
            } catch {
                engine.logger.info(
                    "no PSI trigger on \(path) (\(error)); \(check.text) is read every tick only",
                    metadata: owner.map { ["VIGIL_TARGET": "\($0)"] } ?? [:]
                )
            }
        }
    }

    func disarmPressureTriggers(for name: String) {
        for (tag, owner) in triggerOwners where owner == name {
            pressureTriggers?.disarm(tag)
            triggerOwners[tag] = nil
        }
    }

    /// A trigger fired: read the figures of whoever it belongs to now, rather than at the next tick.
    func pressureTriggered(_ fired: [(tag: Int64, gone: Bool)]) {
        let now = engine.now
        var evaluated: Set<String?> = []
        for (tag, gone) in fired {
            guard let owner = triggerOwners[tag] else { continue }
            if gone {
                pressureTriggers?.disarm(tag)
                triggerOwners[tag] = nil
            }
            guard evaluated.insert(owner).inserted else { continue }
            if let name = owner {
                engine.targets[name]?.evaluateChecks(now: now, freshPressure: true)
            } else {
                evaluateHost(now: now)
            }
        }
    }
}

import VigilCore

#if canImport(Glibc)
import Glibc
#endif

/// Reads one target's figures each tick: its cgroup's (v2 files where they exist, v1 controllers otherwise) and its
/// main process's. Rates (CPU use, throttling) compare with the previous tick, so the first tick has none.
///
/// Not `Sendable`: it owns kept-open files and earlier readings, and is used from the engine queue.
public final class TargetSampler {
    public let reader: CgroupReader
    public let root: HostRoot
    /// The figure of each check after `sample(for:mainPID:now:freshPressure:)`, in the checks' order.
    public private(set) var readings: [CheckReading] = []
    private var plan = SamplingPlan()
    /// The last reading of each pressure file, by `PressureResource` (cpu, memory, io), and when it was taken.
    private var lastPressure: [(stall: PressureStall?, at: MonotonicInstant)?] = [nil, nil, nil]
    private var lastCPU: (microseconds: UInt64, at: MonotonicInstant)?
    private var lastThrottle: (periods: UInt64, throttled: UInt64)?
    private var lastMainCPU: (pid: Int32, ticks: UInt64, at: MonotonicInstant)?
    private var lastGuestCPU: (pid: Int32, ticks: UInt64, at: MonotonicInstant)?
    /// Why the target has no cgroup of its own, when it has none (a domain whose libvirt made none): cgroup figures
    /// are then unavailable with this reason rather than read from wherever the process happens to run.
    public let cgroupAbsence: String?
    private let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
    private let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    /// The kernel recomputes a cgroup's pressure averages every 2 s (`PSI_FREQ`): a pressure file read less than
    /// this long ago is not read again for a tick, its figures are reused (with a 1 s tick, the file is read every
    /// other tick). A PSI trigger that fires asks for a fresh read.
    public static let pressureReuse: Duration = .milliseconds(1500)

    /// What a check's metric reads as in one round.
    public enum CheckReading: Sendable, Equatable {
        case value(MetricReading)
        /// No figure this round, and nothing wrong: a rate's first round, a main process not known yet.
        case none
        /// The figure cannot be read, and why.
        case missing(String)
    }

    /// - Parameters:
    ///   - directories: the target's cgroup in each hierarchy.
    ///   - root: where `/proc` is read.
    ///   - cgroupAbsence: why the target has no cgroup of its own, if it has none (then `directories` is not read).
    public init(directories: CgroupDirectories, root: HostRoot = .host, cgroupAbsence: String? = nil) {
        self.reader = CgroupReader(directories: directories)
        self.root = root
        self.cgroupAbsence = cgroupAbsence
    }

    public var directories: CgroupDirectories { reader.directories }

    /// Reads the figure each detector's check needs, into `readings` (same order): each metric once, however many
    /// checks look at it, and a limit only for a check with a percentage bound. Allocates nothing in a steady state.
    /// - Parameters:
    ///   - detectors: the target's detectors; only their checks are looked at.
    ///   - mainPID: the target's main process, for `main.*`.
    ///   - now: when the round is taken, for rates and for reusing pressure figures.
    ///   - freshPressure: read pressure files even if they were read less than `pressureReuse` ago.
    public func sample(for detectors: [CheckDetector], mainPID: Int32?, now: MonotonicInstant, freshPressure: Bool) {
        if !plan.matches(detectors) {
            plan = SamplingPlan(detectors)
            readings = Array(repeating: .none, count: detectors.count)
        }
        for slot in plan.slots.indices {
            let reading: CheckReading
            do {
                let kind = plan.slots[slot].kind
                let read = try read(kind, withTotal: plan.slots[slot].withTotal, mainPID: mainPID, now: now) {
                    resource throws(HealthReadError) in
                    try pressure(resource, now: now, reuse: !freshPressure)
                }
                reading = read.map { .value($0) } ?? .none
            } catch {
                reading = .missing(error.description)
            }
            for check in plan.checks.indices where plan.checks[check].slot == slot {
                readings[check] = reading
            }
        }
    }

    /// Reads the metrics asked for (always afresh).
    /// - Parameters:
    ///   - metrics: the target's checked metrics; nothing else is read.
    ///   - mainPID: the target's main process, for `main.*`.
    ///   - now: when the round is taken, for rates.
    ///   - totals: the metrics whose total (a limit) is needed, for percentage bounds; `nil` for all. Limits are
    ///     files of their own, not read when no check needs them.
    public func sample(
        _ metrics: Set<HealthMetric>,
        mainPID: Int32?,
        now: MonotonicInstant,
        totals: Set<HealthMetric>? = nil
    ) -> MetricSamples {
        var samples = MetricSamples()
        for metric in metrics {
            do {
                let withTotal = totals?.contains(metric) ?? true
                let kind = SamplingPlan.Kind(metric)
                let read = try read(kind, withTotal: withTotal, mainPID: mainPID, now: now) {
                    resource throws(HealthReadError) in
                    try pressure(resource, now: now, reuse: false)
                }
                if let reading = read {
                    samples[metric] = reading
                }
            } catch {
                samples.missing[metric] = error.description
            }
        }
        return samples
    }

    private func read(
        _ kind: SamplingPlan.Kind,
        withTotal: Bool,
        mainPID: Int32?,
        now: MonotonicInstant,
        pressure: (PressureResource) throws(HealthReadError) -> PressureStall?
    ) throws(HealthReadError) -> MetricReading? {
        if kind.readsCgroup, let cgroupAbsence {
            throw .unavailable("\(kind.name): \(cgroupAbsence)")
        }
        switch kind {
        case .memoryCurrent:
            if let current = try reader.memoryCurrent() {
                let total = withTotal ? try reader.memoryMax()?.value.map { Double($0) } : nil
                return MetricReading(Double(current), total: total)
            }
            guard let usage = try reader.memoryUsageV1() else { throw Self.absent(kind, "no memory controller") }
            let total = withTotal ? try reader.memoryLimitV1()?.value.map { Double($0) } : nil
            return MetricReading(Double(usage), total: total)
        case .pidsCurrent:
            guard let current = try reader.pidsCurrent() else { throw Self.absent(kind, "no pids controller") }
            let total = withTotal ? try reader.pidsMax()?.value.map { Double($0) } : nil
            return MetricReading(Double(current), total: total)
        case .cpuUsage:
            return try cpuUsage(kind, now: now)
        case .cpuThrottled:
            var stat = try reader.cpuStat()
            if stat?.periods == nil {
                stat = try reader.cpuStatV1()
            }
            guard let periods = stat?.periods, let throttled = stat?.throttledPeriods
            else { throw Self.absent(kind, "no CFS bandwidth figures (cpu controller, cpu.max)") }
            defer { lastThrottle = (periods, throttled) }
            guard let last = lastThrottle, periods > last.periods else { return nil }
            return MetricReading(Double(throttled &- last.throttled) / Double(periods - last.periods) * 100)
        case .mainUninterruptible, .mainRSS, .mainCPU:
            return try mainProcess(kind, pid: mainPID, now: now)
        case .guestCPU:
            return try guestCPU(pid: mainPID, now: now)
        case .pressure(let resource, let full, let window):
            guard let stall = try pressure(resource) else {
                throw Self.absent(kind, "no \(resource.rawValue).pressure (cgroup v2 with PSI needed)")
            }
            guard let line = full ? stall.full : stall.some else { return nil }
            switch window {
            case .avg10: return MetricReading(line.avg10)
            case .avg60: return MetricReading(line.avg60)
            case .avg300: return MetricReading(line.avg300)
            }
        case .unknown:
            return nil
        }
    }

    /// A cgroup's pressure file (`nil` when it has none), reused if it was read less than `pressureReuse` ago and
    /// `reuse` allows.
    private func pressure(
        _ resource: PressureResource,
        now: MonotonicInstant,
        reuse: Bool
    ) throws(HealthReadError) -> PressureStall? {
        let index = resource == .cpu ? 0 : resource == .memory ? 1 : 2
        if reuse, let last = lastPressure[index], now >= last.at, now - last.at < Self.pressureReuse {
            return last.stall
        }
        lastPressure[index] = nil
        let stall = try reader.pressure(resource)
        lastPressure[index] = (stall, now)
        return stall
    }

    private func cpuUsage(_ metric: SamplingPlan.Kind, now: MonotonicInstant) throws(HealthReadError) -> MetricReading?
    {
        let microseconds: UInt64
        if let usage = try reader.cpuStat()?.usageMicroseconds {
            microseconds = usage
        } else if let nanoseconds = try reader.cpuacctUsage() {
            microseconds = nanoseconds / 1000
        } else {
            throw Self.absent(metric, "no cpu.stat or cpuacct.usage")
        }
        defer { lastCPU = (microseconds, now) }
        guard let last = lastCPU, now > last.at, microseconds >= last.microseconds else { return nil }
        let elapsed = Double((now - last.at).microseconds)
        return MetricReading(Double(microseconds - last.microseconds) / elapsed * 100)
    }

    private func mainProcess(
        _ metric: SamplingPlan.Kind,
        pid: Int32?,
        now: MonotonicInstant
    ) throws(HealthReadError) -> MetricReading? {
        guard let pid else { return nil }
        let stat = try CgroupProcess.stat(of: pid, root: root)
        switch metric {
        case .mainUninterruptible:
            return MetricReading(stat.state == .diskSleep ? 1 : 0)
        case .mainRSS:
            return stat.residentPages.map { MetricReading(Double($0) * pageSize) }
        default:
            guard let user = stat.userTicks, let system = stat.systemTicks else { return nil }
            let ticks = user + system
            defer { lastMainCPU = (pid, ticks, now) }
            guard let last = lastMainCPU, last.pid == pid, now > last.at, ticks >= last.ticks else { return nil }
            let seconds = Double((now - last.at).nanoseconds) / 1e9
            return MetricReading(Double(ticks - last.ticks) / ticksPerSecond / seconds * 100)
        }
    }

    /// The CPU the guest used since the last round: the time of the emulator's virtual CPU threads
    /// (`/proc/PID/task/TID/stat`, threads named `CPU n/…`), in percent of one CPU.
    private func guestCPU(pid: Int32?, now: MonotonicInstant) throws(HealthReadError) -> MetricReading? {
        guard let pid else { return nil }
        let task = root.resolve("/proc/\(pid)/task")
        let listed: [String]?
        do {
            listed = try DirectoryEntries.names(in: task)
        } catch {
            throw .system(error)
        }
        // The emulator is gone (the domain is stopping): no figure this round.
        guard let threads = listed else { return nil }
        var ticks: UInt64 = 0
        var found = false
        for thread in threads {
            guard let tid = Int32(thread), let stat = try? CgroupProcess.stat(of: tid, root: root, owner: pid),
                stat.isVirtualCPU, let user = stat.userTicks, let system = stat.systemTicks
            else { continue }
            found = true
            ticks += user + system
        }
        guard found else {
            throw .unavailable("guest.cpu: process \(pid) has no virtual CPU threads (named 'CPU n/…': a QEMU)")
        }
        defer { lastGuestCPU = (pid, ticks, now) }
        guard let last = lastGuestCPU, last.pid == pid, now > last.at, ticks >= last.ticks else { return nil }
        let seconds = Double((now - last.at).nanoseconds) / 1e9
        return MetricReading(Double(ticks - last.ticks) / ticksPerSecond / seconds * 100)
    }

    /// One figure of a pressure file.
    static func pressureReading(_ resource: HostPressure.Resource, line: Substring, window: Substring) -> MetricReading?
    {
        guard let stall = line == "some" ? resource.some : resource.full else { return nil }
        switch window {
        case "avg10": return MetricReading(stall.avg10)
        case "avg60": return MetricReading(stall.avg60)
        case "avg300": return MetricReading(stall.avg300)
        default: return nil
        }
    }

    static func absent(_ metric: SamplingPlan.Kind, _ reason: String) -> HealthReadError {
        .unavailable("\(metric.name): \(reason)")
    }
}

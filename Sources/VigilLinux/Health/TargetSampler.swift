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
    private var lastCPU: (microseconds: UInt64, at: MonotonicInstant)?
    private var lastThrottle: (periods: UInt64, throttled: UInt64)?
    private var lastMainCPU: (pid: Int32, ticks: UInt64, at: MonotonicInstant)?
    private let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
    private let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    public init(directories: CgroupDirectories, root: HostRoot = .host) {
        self.reader = CgroupReader(directories: directories)
        self.root = root
    }

    public var directories: CgroupDirectories { reader.directories }

    /// Reads the metrics asked for.
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
                if let reading = try read(metric, withTotal: withTotal, mainPID: mainPID, now: now) {
                    samples[metric] = reading
                }
            } catch {
                samples.missing[metric] = error.description
            }
        }
        return samples
    }

    private func read(
        _ metric: HealthMetric,
        withTotal: Bool,
        mainPID: Int32?,
        now: MonotonicInstant
    ) throws(HealthReadError) -> MetricReading? {
        switch metric.name {
        case "memory.current":
            if let current = try reader.memoryCurrent() {
                let total = withTotal ? try reader.memoryMax()?.value.map { Double($0) } : nil
                return MetricReading(Double(current), total: total)
            }
            guard let usage = try reader.memoryUsageV1() else { throw Self.absent(metric, "no memory controller") }
            let total = withTotal ? try reader.memoryLimitV1()?.value.map { Double($0) } : nil
            return MetricReading(Double(usage), total: total)
        case "pids.current":
            guard let current = try reader.pidsCurrent() else { throw Self.absent(metric, "no pids controller") }
            let total = withTotal ? try reader.pidsMax()?.value.map { Double($0) } : nil
            return MetricReading(Double(current), total: total)
        case "cpu.usage":
            return try cpuUsage(metric, now: now)
        case "cpu.throttled":
            var stat = try reader.cpuStat()
            if stat?.periods == nil {
                stat = try reader.cpuStatV1()
            }
            guard let periods = stat?.periods, let throttled = stat?.throttledPeriods
            else { throw Self.absent(metric, "no CFS bandwidth figures (cpu controller, cpu.max)") }
            defer { lastThrottle = (periods, throttled) }
            guard let last = lastThrottle, periods > last.periods else { return nil }
            return MetricReading(Double(throttled &- last.throttled) / Double(periods - last.periods) * 100)
        case "main.uninterruptible", "main.rss", "main.cpu":
            return try mainProcess(metric, pid: mainPID, now: now)
        default:
            return try pressure(metric)
        }
    }

    private func cpuUsage(_ metric: HealthMetric, now: MonotonicInstant) throws(HealthReadError) -> MetricReading? {
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
        _ metric: HealthMetric,
        pid: Int32?,
        now: MonotonicInstant
    ) throws(HealthReadError) -> MetricReading? {
        guard let pid else { return nil }
        let stat = try CgroupProcess.stat(of: pid, root: root)
        switch metric.name {
        case "main.uninterruptible":
            return MetricReading(stat.state == .diskSleep ? 1 : 0)
        case "main.rss":
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

    /// `cpu.psi.some.avg10` and the like, from the cgroup's own pressure file (cgroup v2 only).
    private func pressure(_ metric: HealthMetric) throws(HealthReadError) -> MetricReading? {
        let parts = metric.name.split(separator: ".")
        guard parts.count == 4, parts[1] == "psi", let resource = PressureResource(rawValue: String(parts[0])) else {
            return nil
        }
        guard let stall = try reader.pressure(resource) else {
            throw Self.absent(metric, "no \(resource.rawValue).pressure (cgroup v2 with PSI needed)")
        }
        return Self.pressureReading(stall.resource, line: parts[2], window: parts[3])
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

    static func absent(_ metric: HealthMetric, _ reason: String) -> HealthReadError {
        .unavailable("\(metric): \(reason)")
    }
}

import VigilCore

/// Reads the host's figures each tick for the `[host]` checks and the metrics: CPU, memory, load, pressure, disks,
/// file systems and hardware error counters. Rates compare with the previous tick; hardware counters count from
/// the first tick (since vigild started), so errors logged before boot of vigild do not raise a check.
///
/// Not `Sendable`: it owns kept-open files and earlier readings, and is used from the engine queue.
public final class HostSampler {
    public let reader: HostReader
    private var lastCPU: CPUTimes?
    private var lastDisks: (stats: DiskStats, at: MonotonicInstant)?
    private var baselines: [String: Double] = [:]
    /// Whole disks (the names in /sys/block), so partitions are not counted twice.
    private let wholeDisks: Set<String>
    /// The last pressure read, for the metrics; `nil` on a kernel without PSI.
    public private(set) var pressure: HostPressure?
    /// Why pressure is not available, when it is not.
    public private(set) var pressureUnavailable: String?
    /// CPU use between the last two rounds (for admission control: how much CPU is idle), read every round.
    public private(set) var cpuUsage: CPUUsage?

    public init(reader: HostReader = HostReader()) {
        self.reader = reader
        let names = (try? DirectoryEntries.names(in: reader.root.resolve("/sys/block"))) ?? nil
        wholeDisks = Set((names ?? []).filter { !$0.hasPrefix("loop") && !$0.hasPrefix("ram") })
    }

    /// Reads the metrics asked for, and the host's pressure (always, for the metrics endpoint).
    public func sample(_ metrics: Set<HealthMetric>, now: MonotonicInstant) -> MetricSamples {
        var samples = MetricSamples()
        readPressure()
        let names = Set(metrics.map(\.name))
        let cpu = (try? readCPUUsage()) ?? nil
        cpuUsage = cpu ?? cpuUsage
        for metric in metrics {
            do {
                if let reading = try read(metric, cpu: cpu, now: now) {
                    samples[metric] = reading
                }
            } catch {
                samples.missing[metric] = error.description
            }
        }
        if names.contains("disk.busy") || names.contains("disk.inflight") {
            lastDisks = (try? reader.diskStats()).map { ($0, now) } ?? lastDisks
        }
        return samples
    }

    private func readPressure() {
        do {
            switch try reader.pressure() {
            case .supported(let value):
                pressure = value
                pressureUnavailable = nil
            case .unsupported(let reason):
                pressure = nil
                pressureUnavailable = reason
            }
        } catch {
            pressure = nil
            pressureUnavailable = error.description
        }
    }

    private func readCPUUsage() throws(HealthReadError) -> CPUUsage? {
        let times = try reader.procStat().total
        defer { lastCPU = times }
        return lastCPU.flatMap { CPUTimes.usage(from: $0, to: times) }
    }

    private func read(
        _ metric: HealthMetric,
        cpu: CPUUsage?,
        now: MonotonicInstant
    ) throws(HealthReadError)
        -> MetricReading?
    {
        switch metric.name {
        case "cpu.busy": return cpu.map { MetricReading($0.busy * 100) }
        case "cpu.iowait": return cpu.map { MetricReading($0.iowait * 100) }
        case "cpu.steal": return cpu.map { MetricReading($0.steal * 100) }
        case "load1": return MetricReading(try reader.loadAverage().one)
        case "load5": return MetricReading(try reader.loadAverage().five)
        case "load15": return MetricReading(try reader.loadAverage().fifteen)
        case "memory.available":
            let memory = try reader.memInfo()
            guard let available = memory.available else { throw .unavailable("no MemAvailable in meminfo") }
            return MetricReading(Double(available), total: Double(memory.total))
        case "swap.free", "swap.used":
            let memory = try reader.memInfo()
            guard let total = memory.swapTotal, let free = memory.swapFree else {
                throw .unavailable("no SwapTotal/SwapFree in meminfo")
            }
            let value = metric.name == "swap.free" ? free : total - min(free, total)
            return MetricReading(Double(value), total: Double(total))
        case "disk.inflight":
            let disks = try reader.diskStats().devices.filter { wholeDisks.contains($0.name) }
            return MetricReading(Double(disks.reduce(0) { $0 + $1.inFlight }))
        case "disk.busy":
            return try diskBusy(now: now)
        case "disk.errors":
            return sinceStart("disk.errors", Double(try reader.blockDeviceErrors().reduce(0) { $0 + $1.ioErrors }))
        case "edac.ce", "edac.ue":
            let controllers = try reader.edacControllers()
            let ce = controllers.reduce(0) { $0 + ($1.correctableErrors ?? 0) }
            let ue = controllers.reduce(0) { $0 + ($1.uncorrectableErrors ?? 0) }
            return sinceStart(metric.name, Double(metric.name == "edac.ce" ? ce : ue))
        case "cpu.throttle":
            let counts = try reader.thermalThrottleCounts()
            return sinceStart("cpu.throttle", Double(counts.reduce(0) { $0 + ($1.core ?? 0) + ($1.package ?? 0) }))
        case "fs.free", "fs.readonly":
            let space = try reader.freeSpace(of: metric.argument ?? "/")
            if metric.name == "fs.readonly" {
                return MetricReading(space.isReadOnly ? 1 : 0)
            }
            return MetricReading(Double(space.availableBytes), total: Double(space.totalBytes))
        default:
            let parts = metric.name.split(separator: ".")
            guard parts.count == 4, parts[1] == "psi" else { return nil }
            guard let pressure else { throw .unavailable(pressureUnavailable ?? "no pressure information") }
            let resource: HostPressure.Resource? =
                switch parts[0] {
                case "cpu": pressure.cpu
                case "memory": pressure.memory
                default: pressure.io
                }
            guard let resource else { throw .unavailable("no /proc/pressure/\(parts[0])") }
            return TargetSampler.pressureReading(resource, line: parts[2], window: parts[3])
        }
    }

    private func diskBusy(now: MonotonicInstant) throws(HealthReadError) -> MetricReading? {
        let stats = try reader.diskStats()
        guard let last = lastDisks, now > last.at else { return nil }
        let elapsed = Double((now - last.at).nanoseconds) / 1e6
        var busiest = 0.0
        for device in stats.devices where wholeDisks.contains(device.name) {
            guard let before = last.stats.device(named: device.name), device.ioMilliseconds >= before.ioMilliseconds
            else { continue }
            busiest = max(busiest, Double(device.ioMilliseconds - before.ioMilliseconds) / elapsed * 100)
        }
        return MetricReading(min(busiest, 100))
    }

    /// A counter's increase since its first reading.
    private func sinceStart(_ key: String, _ value: Double) -> MetricReading {
        let base = baselines[key] ?? value
        baselines[key] = min(base, value)
        return MetricReading(value - min(base, value))
    }
}

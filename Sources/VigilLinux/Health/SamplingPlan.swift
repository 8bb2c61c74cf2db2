import VigilCore

/// What a `TargetSampler` reads for one target's checks, worked out once from the checks rather than every tick:
/// each distinct metric once (resolved from its name to a `Kind`), whether its limit is needed, and which checks
/// take its figure.
struct SamplingPlan {
    /// A metric a target sampler can read, resolved from its configured name.
    enum Kind: Equatable {
        case memoryCurrent
        case pidsCurrent
        case cpuUsage
        case cpuThrottled
        case mainUninterruptible
        case mainRSS
        case mainCPU
        case guestCPU
        case pressure(PressureResource, full: Bool, window: Window)
        /// A name the target sampler does not know (a host metric): never read.
        case unknown(String)

        enum Window: String {
            case avg10, avg60, avg300
        }

        init(_ metric: HealthMetric) {
            switch metric.name {
            case "memory.current": self = .memoryCurrent
            case "pids.current": self = .pidsCurrent
            case "cpu.usage": self = .cpuUsage
            case "cpu.throttled": self = .cpuThrottled
            case "main.uninterruptible": self = .mainUninterruptible
            case "main.rss": self = .mainRSS
            case "main.cpu": self = .mainCPU
            case "guest.cpu": self = .guestCPU
            default:
                let parts = metric.name.split(separator: ".")
                guard parts.count == 4, parts[1] == "psi", parts[2] == "some" || parts[2] == "full",
                    let resource = PressureResource(rawValue: String(parts[0])),
                    let window = Window(rawValue: String(parts[3]))
                else {
                    self = .unknown(metric.name)
                    return
                }
                self = .pressure(resource, full: parts[2] == "full", window: window)
            }
        }

        /// Whether the figure is read from the target's cgroup (rather than from its main process).
        var readsCgroup: Bool {
            switch self {
            case .memoryCurrent, .pidsCurrent, .cpuUsage, .cpuThrottled, .pressure: true
            case .mainUninterruptible, .mainRSS, .mainCPU, .guestCPU, .unknown: false
            }
        }

        /// The metric's name, for messages.
        var name: String {
            switch self {
            case .memoryCurrent: "memory.current"
            case .pidsCurrent: "pids.current"
            case .cpuUsage: "cpu.usage"
            case .cpuThrottled: "cpu.throttled"
            case .mainUninterruptible: "main.uninterruptible"
            case .mainRSS: "main.rss"
            case .mainCPU: "main.cpu"
            case .guestCPU: "guest.cpu"
            case .pressure(let resource, let full, let window):
                "\(resource.rawValue).psi.\(full ? "full" : "some").\(window.rawValue)"
            case .unknown(let name): name
            }
        }
    }

    /// One distinct metric.
    struct Slot {
        var kind: Kind
        /// Whether a check compares with a percentage of the metric's total (its limit must be read too).
        var withTotal: Bool
    }

    /// The distinct metrics, in the order of the checks that first name them.
    private(set) var slots: [Slot] = []
    /// For each check the plan was made for: its metric and percent-ness (to notice new checks after a reload),
    /// and the slot that reads its figure.
    private(set) var checks: [(metric: HealthMetric, percent: Bool, slot: Int)] = []

    init() {}

    init(_ detectors: [CheckDetector]) {
        for detector in detectors {
            let metric = detector.check.metric
            let percent = Self.isPercent(detector.check)
            if let earlier = checks.first(where: { $0.metric == metric }) {
                slots[earlier.slot].withTotal = slots[earlier.slot].withTotal || percent
                checks.append((metric, percent, earlier.slot))
            } else {
                checks.append((metric, percent, slots.count))
                slots.append(Slot(kind: Kind(metric), withTotal: percent))
            }
        }
    }

    /// Whether the plan was made for these checks (compared without hashing: equal configured names share storage).
    func matches(_ detectors: [CheckDetector]) -> Bool {
        guard detectors.count == checks.count else { return false }
        for index in detectors.indices {
            let check = detectors[index].check
            guard check.metric == checks[index].metric, Self.isPercent(check) == checks[index].percent else {
                return false
            }
        }
        return true
    }

    private static func isPercent(_ check: HealthCheck) -> Bool {
        if case .percentOfTotal = check.bound { return true }
        return false
    }
}

/// A figure a health check can compare with a bound: `memory.psi.full.avg10`, `fs.free[/var]`, `main.uninterruptible`.
///
/// Metrics are named as in the configuration. Some take an argument in brackets (the file system of a path). Each
/// has a scope (the host, or one target) and a unit that decides which bounds make sense: a percentage of a total
/// (`memory.current < 80%` of the cgroup's limit), a size (`memory.available < 512MiB`), a plain number or a flag.
public struct HealthMetric: Sendable, Hashable, CustomStringConvertible {
    /// Where a metric is measured.
    public enum Scope: String, Sendable {
        case host
        case target
    }

    /// What a metric's value is.
    public enum Unit: Sendable, Equatable {
        /// Already a percentage (PSI averages, CPU busy): `20` and `20%` mean the same.
        case percent
        /// Bytes; a bound in percent compares with the metric's total (a limit or the size of the whole).
        case bytes
        /// A count or a ratio; a bound in percent compares with the total where the metric has one.
        case number
        /// 1 or 0.
        case flag
    }

    /// The base name, without an argument: `fs.free`.
    public var name: String
    /// The argument in brackets, if the metric takes one: `/var` in `fs.free[/var]`.
    public var argument: String?

    public init(name: String, argument: String? = nil) {
        self.name = name
        self.argument = argument
    }

    public var description: String {
        argument.map { "\(name)[\($0)]" } ?? name
    }

    /// The catalog entry of the metric's base name.
    public var definition: Definition? {
        Self.catalog[name]
    }

    /// What the catalog knows about one base name.
    public struct Definition: Sendable {
        /// Where the metric is measured: the host, a target, or both (pressure).
        public var scopes: Set<Scope>
        public var unit: Unit
        /// Whether a percent bound can be used: the metric has a total (a limit, a size) to divide by.
        public var hasTotal: Bool
        /// Whether the name takes a bracketed argument, and what it is.
        public var argument: String?
        public var summary: String
    }

    /// Every metric, by base name.
    public static let catalog: [String: Definition] = {
        var catalog: [String: Definition] = [:]
        func add(
            _ name: String,
            _ scopes: Set<Scope>,
            _ unit: Unit,
            total: Bool,
            argument: String? = nil,
            _ summary: String
        ) {
            catalog[name] = Definition(
                scopes: scopes,
                unit: unit,
                hasTotal: total,
                argument: argument,
                summary: summary
            )
        }
        add("cpu.busy", [.host], .percent, total: false, "CPU busy, all CPUs")
        add("cpu.iowait", [.host], .percent, total: false, "CPU idle while waiting for I/O")
        add("cpu.steal", [.host], .percent, total: false, "CPU time stolen by the hypervisor")
        add("load1", [.host], .number, total: false, "1-minute load average")
        add("load5", [.host], .number, total: false, "5-minute load average")
        add("load15", [.host], .number, total: false, "15-minute load average")
        add("memory.available", [.host], .bytes, total: true, "MemAvailable (total: MemTotal)")
        add("swap.free", [.host], .bytes, total: true, "SwapFree (total: SwapTotal)")
        add("swap.used", [.host], .bytes, total: true, "swap in use (total: SwapTotal)")
        add("disk.inflight", [.host], .number, total: false, "I/Os in flight on all whole disks")
        add("disk.busy", [.host], .percent, total: false, "share of time the busiest disk spent doing I/O")
        add("disk.errors", [.host], .number, total: false, "SCSI I/O errors (ioerr_cnt) since vigild started")
        add("edac.ce", [.host], .number, total: false, "corrected memory errors (EDAC) since vigild started")
        add("edac.ue", [.host], .number, total: false, "uncorrected memory errors (EDAC) since vigild started")
        add("cpu.throttle", [.host], .number, total: false, "thermal throttling events since vigild started")
        add(
            "fs.free",
            [.host],
            .bytes,
            total: true,
            argument: "a path",
            "space available to users on the path's file system (total: its size)"
        )
        add(
            "fs.readonly",
            [.host],
            .flag,
            total: false,
            argument: "a path",
            "1 when the path's file system is mounted read-only"
        )
        add("memory.current", [.target], .bytes, total: true, "memory charged to the cgroup (total: its limit)")
        add("cpu.usage", [.target], .percent, total: false, "CPU the cgroup used, in percent of one CPU")
        add("cpu.throttled", [.target], .percent, total: false, "share of the cgroup's CFS periods throttled")
        add("pids.current", [.target], .number, total: true, "tasks in the cgroup (total: pids.max)")
        add(
            "main.uninterruptible",
            [.target],
            .flag,
            total: false,
            "1 while the main process is in uninterruptible sleep (state D)"
        )
        add("main.rss", [.target], .bytes, total: false, "resident memory of the main process")
        add("main.cpu", [.target], .percent, total: false, "CPU the main process used, in percent of one CPU")
        add(
            "guest.cpu",
            [.target],
            .percent,
            total: false,
            "CPU a domain's guest used (its emulator's virtual CPU threads), in percent of one CPU"
        )
        for (name, stall) in PressureMetric.all {
            let summary =
                "\(stall.resource) pressure, \(stall.line) \(stall.window): /proc/pressure for the host, the cgroup's own"
            add(name, [.host, .target], .percent, total: false, summary)
        }
        return catalog
    }()

    /// The base names of a scope, sorted, for error messages and documentation.
    public static func names(in scope: Scope) -> [String] {
        catalog.filter { $0.value.scopes.contains(scope) }.keys.sorted()
    }
}

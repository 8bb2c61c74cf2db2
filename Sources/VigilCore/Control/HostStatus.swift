/// The host's line in `vigilctl status`: raised host checks with their evidence, and the host's pressure.
public struct HostStatus: Codable, Sendable, Equatable {
    /// Raised checks of severity `fault`: `memory.available=3.1% for 45s (memory.available < 5% for 30s)`.
    public var faults: [String]
    /// Raised checks of severity `warn`, in the same form.
    public var warnings: [String]
    /// `some avg10` pressure of `cpu`, `memory` and `io`, in percent; `nil` on a kernel without PSI.
    public var pressure: [String: Double]?

    public init(faults: [String] = [], warnings: [String] = [], pressure: [String: Double]? = nil) {
        self.faults = faults
        self.warnings = warnings
        self.pressure = pressure
    }

    /// `host: healthy (pressure some avg10: cpu 3.4%, memory 0%, io 1.2%)`, or `host: FAULT …; warn …`.
    public func line(color: Bool) -> String {
        var parts: [String] = []
        if faults.isEmpty && warnings.isEmpty {
            parts.append(TerminalStyle.green.apply("healthy", enabled: color))
        }
        if !faults.isEmpty {
            parts.append(TerminalStyle.red.apply("FAULT " + faults.joined(separator: "; "), enabled: color))
        }
        if !warnings.isEmpty {
            parts.append(TerminalStyle.yellow.apply("warn " + warnings.joined(separator: "; "), enabled: color))
        }
        var text = "host: " + parts.joined(separator: "; ")
        if let pressure {
            let figures = ["cpu", "memory", "io"].compactMap { name in
                pressure[name].map { "\(name) \(HealthCheck.format(($0 * 10).rounded() / 10))%" }
            }
            text += " (pressure some avg10: " + figures.joined(separator: ", ") + ")"
        }
        return text
    }
}

/// A pressure-stall metric, `RESOURCE.psi.LINE.WINDOW`, taken apart: the file (`memory.pressure`), the line (`some`)
/// and the average window (`avg10`).
public struct PressureMetric: Sendable, Hashable {
    public var resource: String
    public var line: String
    public var window: String

    /// Every pressure metric, by its name.
    public static let all: [(name: String, stall: PressureMetric)] = ["cpu", "memory", "io"].flatMap { resource in
        ["some", "full"].flatMap { line in
            ["avg10", "avg60", "avg300"].map { window in
                ("\(resource).psi.\(line).\(window)", PressureMetric(resource: resource, line: line, window: window))
            }
        }
    }

    private static let byName: [String: PressureMetric] = Dictionary(
        uniqueKeysWithValues: all.map { ($0.name, $0.stall) }
    )

    /// The pressure metric `name` is, if it is one.
    public static func named(_ name: String) -> PressureMetric? {
        byName[name]
    }
}

extension HealthMetric {
    /// What the metric measures of pressure stall, when it is a pressure metric (a PSI trigger can watch it).
    public var pressureStall: PressureMetric? {
        PressureMetric.named(name)
    }
}

/// `vigilctl report` as text: one line per target with the field's reliability figures.
public enum ReliabilityTable {
    /// - Parameter window: the window the figures cover, in seconds.
    public static func render(_ report: [TargetReliability], window: Double) -> String {
        var lines = ["window " + CompactDuration.format(seconds: window)]
        let header = [
            "TARGET", "FAILURES", "DETECTED", "MTTD", "MTTR", "AVAILABILITY", "FALSE-SUSPICIONS", "RECOVERIES",
        ]
        var rows = [header]
        for item in report {
            let recoveries = item.recoveries.keys.sorted().map { "\($0) \(item.recoveries[$0]!)" }
            rows.append([
                item.target,
                String(item.failures),
                "\(item.detected) (\(percent(item.detectionRate * 100)))",
                item.meanTimeToDetect.map(milliseconds) ?? "-",
                item.meanTimeToRecover.map(milliseconds) ?? "-",
                percent(item.availabilityPercent, decimals: 3),
                String(item.falseSuspicions),
                recoveries.isEmpty ? "-" : recoveries.joined(separator: ", "),
            ])
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            let cells = row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
            }
            lines.append(cells.joined(separator: "  "))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func milliseconds(_ seconds: Double) -> String {
        let value = (seconds * 1e5).rounded() / 100
        return "\(value)ms"
    }

    private static func percent(_ value: Double, decimals: Int = 0) -> String {
        var scale = 1.0
        for _ in 0..<decimals {
            scale *= 10
        }
        let rounded = (value * scale).rounded() / scale
        return (decimals == 0 ? String(Int(rounded)) : String(rounded)) + "%"
    }
}

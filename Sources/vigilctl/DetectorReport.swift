import VigilCore

/// The table `vigilctl detector-eval` prints: one row per detector and threshold, as Markdown or CSV.
struct DetectorReport {
    /// Each row's detector name (or `loss qos WITHIN RATE` for a judge configured by quality of service) and summary.
    var rows: [(name: String, summary: DetectorSummary)]
    var csv: Bool

    private static let header = [
        "detector", "threshold", "T_D p50 (ms)", "T_D p95 (ms)", "false convictions", "mistakes/h", "T_MR (s)",
        "T_M (ms)", "P_A",
    ]
    private static let csvHeader = [
        "detector", "threshold", "td_p50_ms", "td_p95_ms", "false_convictions", "mistakes_per_hour", "tmr_s", "tm_ms",
        "pa",
    ]

    var text: String {
        let cells = rows.map { row -> [String] in
            let s = row.summary
            return [
                row.name, Self.format(s.threshold, 3), Self.milliseconds(s.medianDetectionTime),
                Self.milliseconds(s.percentile(0.95)), String(s.falseConvictions), Self.format(s.mistakesPerHour, 2),
                s.mistakeRecurrence.map { Self.format($0, 1) } ?? "", Self.milliseconds(s.mistakeDuration),
                Self.format(s.queryAccuracy, 6),
            ]
        }
        if csv {
            return ([Self.csvHeader] + cells).map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n"
        }
        let lines = ["| " + Self.header.joined(separator: " | ") + " |", "|---|" + String(repeating: "--:|", count: 8)]
        return (lines + cells.map { "| " + $0.joined(separator: " | ") + " |" }).joined(separator: "\n") + "\n"
    }

    private static func milliseconds(_ seconds: Double?) -> String {
        seconds.map { format($0 * 1_000, 1) } ?? ""
    }

    /// Fixed decimals without Foundation's `String(format:)`.
    static func format(_ value: Double, _ decimals: Int) -> String {
        guard value.isFinite else { return String(value) }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        let whole = Int64(scaled / scale)
        let fraction = Int64(scaled - Double(whole) * scale)
        let sign = value < 0 && scaled > 0 ? "-" : ""
        guard decimals > 0 else { return sign + String(whole) }
        let digits = String(fraction)
        return sign + String(whole) + "." + String(repeating: "0", count: decimals - digits.count) + digits
    }
}

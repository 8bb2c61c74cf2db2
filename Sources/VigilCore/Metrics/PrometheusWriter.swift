/// Appends metric families in the Prometheus text exposition format 0.0.4, one family at a time.
///
/// The format's rules that are easy to get wrong live here once: `# HELP` and `# TYPE` before a family's samples,
/// every sample of a family together, label values and help text escaped, numbers in a form Go's `ParseFloat`
/// reads, and the cumulative `_bucket` series of a histogram ending with `le="+Inf"` equal to `_count`.
struct PrometheusWriter {
    /// The kinds of family Vigil writes.
    enum FamilyType: String {
        case counter
        case gauge
        case histogram
    }

    private(set) var text = ""

    /// Starts a family: its `# HELP` and `# TYPE` lines.
    mutating func family(_ name: String, _ type: FamilyType, help: String) {
        text += "# HELP \(name) \(PrometheusText.escapeHelp(help))\n"
        text += "# TYPE \(name) \(type.rawValue)\n"
    }

    /// One sample line.
    mutating func sample(_ name: String, _ labels: [(String, String)], _ value: String) {
        text += name
        if !labels.isEmpty {
            text += "{"
            text += labels.map { "\($0.0)=\"\(PrometheusText.escapeLabelValue($0.1))\"" }.joined(separator: ",")
            text += "}"
        }
        text += " \(value)\n"
    }

    mutating func sample(_ name: String, _ labels: [(String, String)], _ value: UInt64) {
        sample(name, labels, String(value))
    }

    mutating func sample(_ name: String, _ labels: [(String, String)], _ value: Double) {
        sample(name, labels, PrometheusText.format(value))
    }

    /// The `_bucket`, `_sum` and `_count` samples of one histogram; `le` comes after `labels`.
    mutating func histogram(_ name: String, _ labels: [(String, String)], _ histogram: Histogram) {
        let cumulative = histogram.cumulativeCounts
        for (bound, count) in zip(histogram.upperBounds, cumulative) {
            sample(name + "_bucket", labels + [("le", PrometheusText.format(bound))], count)
        }
        sample(name + "_bucket", labels + [("le", "+Inf")], histogram.count)
        sample(name + "_sum", labels, histogram.sum)
        sample(name + "_count", labels, histogram.count)
    }
}

/// Durations for tables: the two largest units that matter, `0s`, `59s`, `5m12s`, `2h5m`, `3d4h`.
///
/// An operator reading `vigilctl status` wants the order of magnitude at a glance, not `273845.2s`; two units
/// are enough to tell a restart loop (`12s`) from a long-lived process (`3d4h`). A zero second unit is dropped
/// (`5m`, not `5m0s`).
public enum CompactDuration {
    /// `seconds` rounded down to whole seconds and written in at most two units; negative values count as zero.
    /// - Parameter seconds: The duration, e.g. an uptime.
    public static func format(seconds: Double) -> String {
        let total = seconds.isFinite && seconds > 0 ? Int64(seconds.rounded(.down)) : 0
        let units: [(Int64, String)] = [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")]
        for (index, (size, name)) in units.enumerated() where total >= size || size == 1 {
            var text = "\(total / size)\(name)"
            if index + 1 < units.count {
                let (smaller, smallerName) = units[index + 1]
                let rest = (total % size) / smaller
                if rest > 0 {
                    text += "\(rest)\(smallerName)"
                }
            }
            return text
        }
        return "0s"
    }
}

/// The one-line summary `vigild` keeps in systemd's `STATUS=`, e.g. `3 targets: 2 running, 1 failed`.
public enum StatusSummary {
    /// Counts targets by state word, in a fixed order so the line does not jump around.
    public static func line(states: [SupervisionState]) -> String {
        let order = ["running", "starting", "recovering", "backoff", "stopping", "failed", "exited", "stopped"]
        var counts: [String: Int] = [:]
        for state in states {
            counts[state.word, default: 0] += 1
        }
        let parts = order.compactMap { word in counts[word].map { "\($0) \(word)" } }
        let noun = states.count == 1 ? "target" : "targets"
        if parts.isEmpty {
            return "\(states.count) \(noun)"
        }
        return "\(states.count) \(noun): " + parts.joined(separator: ", ")
    }
}

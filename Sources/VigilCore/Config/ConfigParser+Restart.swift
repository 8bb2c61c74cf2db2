extension ConfigParser {
    static let restartKeys = ["mode", "backoff", "burst", "within", "stable_after", "start_grace"]

    /// A target's `restart` table; keys that are absent or wrong keep their `RestartConfig()` defaults.
    static func parseRestart(_ reader: ConfigTableReader, problems: inout [ConfigProblem]) -> RestartConfig {
        reader.checkKeys(known: restartKeys, problems: &problems)
        var restart = RestartConfig()
        if let mode: RestartMode = reader.choice("mode", what: "restart mode", problems: &problems) {
            restart.mode = mode
        }
        if let (minimum, maximum) = parseBackoff(reader, problems: &problems) {
            restart.backoffMin = minimum
            restart.backoffMax = maximum
        }
        if let burst = reader.integer("burst", problems: &problems) {
            if burst >= 1 {
                restart.burst = burst
            } else {
                problems.append(reader.problem("burst", "must be at least 1, found \(burst)"))
            }
        }
        if let within = reader.duration("within", problems: &problems) {
            if within > .zero {
                restart.within = within
            } else {
                problems.append(reader.problem("within", "must be longer than 0"))
            }
        }
        if let stableAfter = reader.duration("stable_after", problems: &problems) {
            restart.stableAfter = stableAfter
        }
        if let startGrace = reader.duration("start_grace", problems: &problems) {
            restart.startGrace = startGrace
        }
        return restart
    }

    /// `backoff = "MIN..MAX"`: the first delay and the most the delay grows to.
    private static func parseBackoff(
        _ reader: ConfigTableReader,
        problems: inout [ConfigProblem]
    ) -> (Duration, Duration)? {
        let example = "\"100ms..30s\""
        let expected = "a range of durations like \(example)"
        guard let text = reader.string("backoff", expected: expected, problems: &problems) else { return nil }
        guard let separator = text.firstRange(of: "..") else {
            let message = "invalid backoff \(ConfigTableReader.quoted(text)) (expected \"MIN..MAX\", e.g. \(example))"
            problems.append(reader.problem("backoff", message))
            return nil
        }
        let minimumText = String(text[..<separator.lowerBound])
        let maximumText = String(text[separator.upperBound...])
        var valid = true
        for (bound, part) in [("minimum", minimumText), ("maximum", maximumText)] where Duration(parsing: part) == nil {
            let message = "backoff \(bound): " + ConfigTableReader.invalidDuration(part)
            problems.append(reader.problem("backoff", message))
            valid = false
        }
        guard valid, let minimum = Duration(parsing: minimumText), let maximum = Duration(parsing: maximumText) else {
            return nil
        }
        guard minimum <= maximum else {
            let message = "backoff minimum \(minimumText) is larger than its maximum \(maximumText)"
            problems.append(reader.problem("backoff", message))
            return nil
        }
        return (minimum, maximum)
    }
}

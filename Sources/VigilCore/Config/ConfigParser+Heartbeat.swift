extension ConfigParser {
    static let heartbeatKeys = [
        "interval", "detector", "suspect", "convict", "window", "min_stddev", "acceptable_pause", "first_grace",
        "key_file",
    ]

    /// A target's `heartbeat` table. `interval` is required; thresholds default per detector.
    static func parseHeartbeat(_ reader: ConfigTableReader, problems: inout [ConfigProblem]) -> HeartbeatConfig? {
        reader.checkKeys(known: heartbeatKeys, problems: &problems)
        let detector: HeartbeatDetectorKind =
            reader.choice("detector", what: "heartbeat detector", problems: &problems) ?? .phi
        let interval = reader.duration("interval", problems: &problems)
        if reader.value("interval") == nil {
            problems.append(
                reader.problem("interval", "missing required key (how often the target sends, e.g. \"1s\")")
            )
        }
        if let interval, interval <= .zero {
            problems.append(reader.problem("interval", "must be longer than 0"))
        }
        let suspect = positive("suspect", reader, problems: &problems)
        let convict = positive("convict", reader, problems: &problems)
        let effectiveSuspect = suspect ?? detector.defaultSuspect
        let effectiveConvict = convict ?? detector.defaultConvict
        if suspect != nil || convict != nil, effectiveConvict < effectiveSuspect {
            let message =
                "convict \(effectiveConvict) is below suspect \(effectiveSuspect): a target would be convicted "
                + "before it is suspected"
            problems.append(reader.problem(convict != nil ? "convict" : "suspect", message))
        }
        var window = 1000
        if let value = reader.integer("window", problems: &problems) {
            if (2...100_000).contains(value) {
                window = value
            } else {
                problems.append(reader.problem("window", "must be between 2 and 100000, found \(value)"))
            }
        }
        let minimumDeviation = reader.duration("min_stddev", problems: &problems)
        if let minimumDeviation, minimumDeviation <= .zero {
            problems.append(reader.problem("min_stddev", "must be longer than 0"))
        }
        let pause = reader.duration("acceptable_pause", problems: &problems)
        let grace = reader.duration("first_grace", problems: &problems)
        var keyFile = reader.nonEmptyString("key_file", problems: &problems)
        if let path = keyFile, !path.hasPrefix("/") {
            problems.append(
                reader.problem("key_file", "must be an absolute path, found \(ConfigTableReader.quoted(path))")
            )
            keyFile = nil
        }
        guard let interval, interval > .zero else { return nil }
        return HeartbeatConfig(
            interval: interval,
            detector: detector,
            suspect: effectiveSuspect,
            convict: effectiveConvict,
            window: window,
            minStandardDeviation: minimumDeviation,
            acceptablePause: pause,
            firstHeartbeatGrace: grace,
            keyFile: keyFile
        )
    }

    private static func positive(
        _ key: String,
        _ reader: ConfigTableReader,
        problems: inout [ConfigProblem]
    ) -> Double? {
        guard let value = reader.number(key, problems: &problems) else { return nil }
        guard value > 0 else {
            problems.append(reader.problem(key, "must be greater than 0, found \(value)"))
            return nil
        }
        return value
    }
}

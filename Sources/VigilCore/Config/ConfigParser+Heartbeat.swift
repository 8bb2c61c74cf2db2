extension ConfigParser {
    static let heartbeatKeys = [
        "interval", "detector", "suspect", "convict", "window", "min_stddev", "acceptable_pause", "first_grace",
        "key_file", "detect_within", "false_convictions",
    ]

    /// A target's `heartbeat` table. `interval` is required; thresholds default per detector, or are derived from
    /// `detect_within` and `false_convictions` (which choose the `loss` detector). A table with a `key_file` and
    /// none of `detector`, `suspect`, `convict`, `detect_within`, `false_convictions` gets
    /// `HeartbeatQoS.packetDefault`; one without (sd_notify `WATCHDOG=1` on a local socket, which loses nothing) φ.
    static func parseHeartbeat(_ reader: ConfigTableReader, problems: inout [ConfigProblem]) -> HeartbeatConfig? {
        reader.checkKeys(known: heartbeatKeys, problems: &problems)
        var qos = parseQoS(reader, problems: &problems)
        let chosen: HeartbeatDetectorKind? = reader.choice("detector", what: "heartbeat detector", problems: &problems)
        if qos != nil, let chosen, chosen != .loss {
            let message =
                "detect_within and false_convictions need detector = \"loss\", found \"\(chosen.rawValue)\" "
                + "(only its level is a probability a rate can be derived from)"
            problems.append(reader.problem("detector", message))
        }
        var detector = chosen ?? (qos != nil ? .loss : .phi)
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
        if qos != nil {
            for key in ["suspect", "convict"] where reader.value(key) != nil {
                let message =
                    "an explicit threshold and detect_within/false_convictions exclude each other: the thresholds are "
                    + "derived from the link"
                problems.append(reader.problem(key, message))
            }
        }
        if let within = qos?.detectWithin, let interval, within <= interval * 2 {
            let message =
                "must be longer than two intervals (\((interval * 2).humanReadable)): one lost heartbeat already "
                + "takes that long"
            problems.append(reader.problem("detect_within", message))
        }
        guard let interval, interval > .zero else { return nil }
        let detectorSettings = ["detector", "suspect", "convict", "detect_within", "false_convictions"]
        if keyFile != nil, !detectorSettings.contains(where: { reader.value($0) != nil }) {
            detector = .loss
            qos = .packetDefault(interval: interval)
        }
        return HeartbeatConfig(
            interval: interval,
            detector: detector,
            suspect: suspect ?? detector.defaultSuspect,
            convict: convict ?? detector.defaultConvict,
            window: window,
            minStandardDeviation: minimumDeviation,
            acceptablePause: pause,
            firstHeartbeatGrace: grace,
            keyFile: keyFile,
            qos: qos
        )
    }

    /// `detect_within` and `false_convictions`; nil when neither is given.
    private static func parseQoS(_ reader: ConfigTableReader, problems: inout [ConfigProblem]) -> HeartbeatQoS? {
        let within = reader.duration("detect_within", problems: &problems)
        if let within, within <= .zero {
            problems.append(reader.problem("detect_within", "must be longer than 0"))
        }
        var rate: HeartbeatRate?
        if let text = reader.nonEmptyString("false_convictions", problems: &problems) {
            rate = HeartbeatRate(parsing: text)
            if rate == nil {
                let message =
                    "not a rate: \(ConfigTableReader.quoted(text)) (a positive count per period: \"1/week\", "
                    + "\"2/day\", \"1/12h\"; no detector can promise none)"
                problems.append(reader.problem("false_convictions", message))
            }
        }
        guard reader.value("detect_within") != nil || reader.value("false_convictions") != nil else { return nil }
        return HeartbeatQoS(detectWithin: within, falseConvictions: rate ?? .oncePerWeek)
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

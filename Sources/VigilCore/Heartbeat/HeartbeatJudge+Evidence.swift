extension HeartbeatJudge {
    /// What the judge holds against the target at `now`: the detector, its level and the silence behind it.
    public func evidence(at now: MonotonicInstant) -> Evidence {
        let level = detector.level(at: now)
        var figures = [
            "LEVEL": LevelText.format(level),
            "DETECTOR": config.detector.rawValue,
            "ARRIVALS": String(detector.arrivals),
            "CONVICT": LevelText.format(convict),
        ]
        if let last = detector.lastArrival {
            figures["SILENCE_USEC"] = String((now - last).microseconds)
        }
        let summary = "heartbeat: \(levelDetail(at: now)) (convict at \(LevelText.format(convict)))"
        return Evidence(.heartbeat, summary, figures: figures)
    }

    /// The detector, its level and the silence behind it: `phi level 8.1 after 1.2s of silence`.
    public func levelDetail(at now: MonotonicInstant) -> String {
        "\(config.detector.rawValue) level \(LevelText.format(detector.level(at: now))) \(silence(at: now))"
    }

    /// The level and the silence in a few characters, for a status line: `φ=2.1 after 250ms of silence`.
    public func levelText(at now: MonotonicInstant) -> String {
        let name = config.detector == .phi ? "φ" : config.detector.rawValue
        return "\(name)=\(LevelText.format(detector.level(at: now)))"
            + (detector.lastArrival.map { " after \((now - $0).humanReadable) of silence" } ?? "")
    }

    private func silence(at now: MonotonicInstant) -> String {
        detector.lastArrival.map { "after \((now - $0).humanReadable) of silence" } ?? "after no heartbeat yet"
    }
}

/// Levels and figures in events and status lines: at most three decimals, without trailing zeros.
public enum LevelText {
    public static func format(_ value: Double) -> String {
        guard value.isFinite else { return value > 0 ? "inf" : "nan" }
        let scaled = (value * 1000).rounded() / 1000
        if scaled == scaled.rounded(), abs(scaled) < 1e15 {
            return String(Int64(scaled))
        }
        return String(scaled)
    }
}

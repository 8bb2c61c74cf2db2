extension CheckDetector {
    /// What the check holds against the target (or the host) at `now`.
    public func evidence(at now: MonotonicInstant) -> Evidence {
        var figures = ["CHECK": check.text, "SEVERITY": check.severity.rawValue]
        if let reading = lastReading {
            figures["VALUE"] = HealthCheck.format(reading.value)
        }
        return Evidence(.check, evidence(now: now), check: check.text, figures: figures)
    }
}

/// The reliability figures of one target over a window, as the field reports them (`vigilctl report`).
public struct TargetReliability: Codable, Sendable, Equatable {
    public var target: String
    /// Unexpected exits, convictions of live processes and failed starts; a conviction and the exit it causes count
    /// once.
    public var failures: Int
    /// Failures whose detection time is known (the kernel's exit timestamp, or a heartbeat conviction).
    public var detected: Int
    /// `detected / failures`; 1 when there were no failures.
    public var detectionRate: Double
    /// Mean time to detect, seconds: exit → noticed, or last heartbeat → conviction.
    public var meanTimeToDetect: Double?
    /// Mean time to recover, seconds: failure noticed → replacement started.
    public var meanTimeToRecover: Double?
    /// Fraction of the window the target was up, in percent.
    public var availabilityPercent: Double
    /// Suspicions that a heartbeat cleared: alarms that were not failures.
    public var falseSuspicions: Int
    /// Successful recoveries by the step that brought them: the verified ladder step (`restart`, `failover`, …) for
    /// targets with a recovery ladder, `restart` for those their restart policy brings back.
    public var recoveries: [String: Int]

    public init(
        target: String,
        failures: Int,
        detected: Int,
        detectionRate: Double,
        meanTimeToDetect: Double?,
        meanTimeToRecover: Double?,
        availabilityPercent: Double,
        falseSuspicions: Int,
        recoveries: [String: Int]
    ) {
        self.target = target
        self.failures = failures
        self.detected = detected
        self.detectionRate = detectionRate
        self.meanTimeToDetect = meanTimeToDetect
        self.meanTimeToRecover = meanTimeToRecover
        self.availabilityPercent = availabilityPercent
        self.falseSuspicions = falseSuspicions
        self.recoveries = recoveries
    }
}

/// Computes `TargetReliability` from the event history: pure, so it is tested on hand-made histories.
public enum ReliabilityReport {
    /// The start of a report's window, `sinceSeconds` back from `now` and never before `started`.
    ///
    /// The value comes from a control client as any JSON number: one too large for microseconds in 64 bits
    /// (`1e300`) is the whole history, zero or a negative one an empty window, instead of a trap that would take
    /// vigild down.
    /// - Parameters:
    ///   - sinceSeconds: the window the client asked for; the whole history when absent.
    ///   - started: when vigild started (monotonic µs).
    ///   - now: the end of the window (monotonic µs).
    public static func windowStart(sinceSeconds: Double?, started: Int64, now: Int64) -> Int64 {
        guard let seconds = sinceSeconds, !seconds.isNaN else { return started }
        let microseconds = seconds * 1e6
        if microseconds <= 0 { return max(started, now) }
        guard microseconds < Double(now - started) else { return started }
        return now - Int64(microseconds)
    }

    /// - Parameters:
    ///   - events: the history, oldest first (monotonic times).
    ///   - targets: the targets to report on, in order.
    ///   - from: the start of the window (monotonic µs); events before it only set the state at its start.
    ///   - now: the end of the window (monotonic µs).
    public static func compute(
        events: [EventRecord],
        targets: [String],
        from: Int64,
        now: Int64
    ) -> [TargetReliability] {
        targets.map { target in
            compute(events.filter { $0.target == target }, target: target, from: from, now: now)
        }
    }

    private static func compute(_ events: [EventRecord], target: String, from: Int64, now: Int64) -> TargetReliability {
        var failures = 0
        var detections: [Double] = []
        var repairs: [Double] = []
        var falseSuspicions = 0
        var recoveries: [String: Int] = [:]
        var downSince: Int64?
        var downtime: Int64 = 0
        var suspected = false
        var faultPending = false
        // A target with a ladder reports which step held; its restarts are counted there, not at their start.
        let laddered = events.contains { $0.event == EventKind.recoveryStep.rawValue }
        for event in events {
            let time = event.monotonicMicroseconds
            let inWindow = time >= from
            switch event.event {
            case EventKind.targetFaulted.rawValue:
                if inWindow {
                    failures += 1
                    if let silence = event.fields["SILENCE_USEC"].flatMap(Double.init) {
                        detections.append(silence / 1e6)
                    } else if suspected || event.fields["FAULT"] != nil {
                        detections.append(0)
                    }
                }
                faultPending = true
                suspected = false
                downSince = downSince ?? time
            case EventKind.targetExited.rawValue where event.fields["EXPECTED"] == nil:
                if inWindow && !faultPending {
                    failures += 1
                    if let detect = event.fields["DETECT_USEC"].flatMap(Double.init) {
                        detections.append(detect / 1e6)
                    }
                }
                faultPending = false
                downSince = downSince ?? time
            case EventKind.targetSpawnFailed.rawValue:
                if inWindow {
                    failures += 1
                }
                downSince = downSince ?? time
            case EventKind.targetStarted.rawValue, EventKind.targetAdopted.rawValue:
                if let down = downSince {
                    let start = max(down, from)
                    if time > start {
                        downtime += time - start
                    }
                    // An adopted instance is up again, but not through vigild: neither a repair nor a recovery.
                    if down >= from, event.event == EventKind.targetStarted.rawValue {
                        repairs.append(Double(time - down) / 1e6)
                        if !laddered {
                            recoveries["restart", default: 0] += 1
                        }
                    }
                    downSince = nil
                }
                faultPending = false
            case EventKind.recoveryVerified.rawValue where inWindow:
                recoveries[event.fields["STEP"] ?? "restart", default: 0] += 1
            case EventKind.heartbeatSuspected.rawValue:
                suspected = true
            case EventKind.heartbeatCleared.rawValue:
                if suspected && inWindow {
                    falseSuspicions += 1
                }
                suspected = false
            default:
                break
            }
        }
        if let down = downSince {
            downtime += now - max(down, from)
        }
        let window = max(now - from, 1)
        let detected = detections.count
        return TargetReliability(
            target: target,
            failures: failures,
            detected: detected,
            detectionRate: failures == 0 ? 1 : Double(min(detected, failures)) / Double(failures),
            meanTimeToDetect: detections.isEmpty ? nil : detections.reduce(0, +) / Double(detections.count),
            meanTimeToRecover: repairs.isEmpty ? nil : repairs.reduce(0, +) / Double(repairs.count),
            availabilityPercent: 100 * (1 - Double(min(downtime, window)) / Double(window)),
            falseSuspicions: falseSuspicions,
            recoveries: recoveries
        )
    }
}

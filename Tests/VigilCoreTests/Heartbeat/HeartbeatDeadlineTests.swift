import Testing
import VigilCore

@Suite struct HeartbeatDeadlineTests {
    /// Random traces, random moments, random thresholds: the instant a timer would be armed at is where the level
    /// reaches the threshold, not before.
    @Test(arguments: HeartbeatDetectorKind.allCases)
    func instantIsWhereTheLevelFirstReachesTheThreshold(kind: HeartbeatDetectorKind) {
        var random = SplitMix64(seed: 7)
        var checked = 0
        for seed in UInt64(1)...8 {
            var generator = HeartbeatTraceGenerator(interval: 0.1, duration: 30, seed: seed)
            generator.jitter = 0.002 + 0.02 * random.nextUnit()
            generator.loss = 0.05
            let config = HeartbeatConfig(interval: .milliseconds(100), detector: kind, window: 50)
            var detector = HeartbeatDetector(config: config, start: .zero)
            for (index, arrival) in generator.trace().arrivals.enumerated() {
                detector.heartbeat(at: MonotonicInstant(nanoseconds: Int64(arrival * 1e9)))
                guard index.isMultiple(of: 7) else { continue }
                let threshold = kind == .phi ? 0.5 + 40 * random.nextUnit() : 0.2 + 6 * random.nextUnit()
                guard let instant = detector.instant(whenLevelReaches: threshold) else {
                    Issue.record("no instant for \(threshold)")
                    continue
                }
                #expect(detector.level(at: instant) >= threshold - 1e-9)
                let earlier = instant - .microseconds(1)
                if earlier > detector.lastArrival! {
                    #expect(detector.level(at: earlier) < threshold, "threshold \(threshold)")
                }
                checked += 1
            }
        }
        #expect(checked > 300)
    }
}

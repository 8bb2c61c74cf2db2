import Testing
import VigilCore

@Suite struct DetectorEvaluationTests {
    /// 1 s heartbeats with two gaps of 3 s, then a crash at 12.5 s.
    private let trace = HeartbeatTrace(interval: 1, arrivals: [1, 2, 3, 6, 7, 10, 11, 12], crash: 12.5)
    private let fixed = HeartbeatConfig(interval: .seconds(1), detector: .fixed)

    @Test func qosOfAHandMadeTraceMatchesTheDefinitions() throws {
        let result = try #require(DetectorEvaluation.evaluate(trace, config: fixed, thresholds: [2]).first)
        // Convicted at 5 s and 9 s (2 s after 3 s and 7 s), each until the next heartbeat 1 s later.
        #expect(result.falseConvictions == 2)
        #expect(result.mistakeRecurrence == 4)
        #expect(result.mistakeDuration == 1)
        // Up for 12.5 s, of which 2 s convicted.
        #expect(abs(result.queryAccuracy - (1 - 2 / 12.5)) < 1e-12)
        // Last heartbeat 12 s, convicted at 14 s, crash at 12.5 s.
        #expect(result.detectionTime == 1.5)
        #expect(abs(result.mistakesPerHour - 2 * 3600 / 12.5) < 1e-9)
    }

    @Test func aThresholdAboveTheLongestGapMakesNoMistakesAndDetectsLater() throws {
        let results = DetectorEvaluation.evaluate(trace, config: fixed, thresholds: [3.5, 2])
        #expect(results.map(\.threshold) == [3.5, 2])
        #expect(results[0].falseConvictions == 0)
        #expect(results[0].mistakeRecurrence == nil)
        #expect(results[0].queryAccuracy == 1)
        #expect(results[0].detectionTime == 3)
        #expect(results[1].falseConvictions == 2)
    }

    @Test func summaryPoolsMistakesAndTakesTheMedianDetectionTime() {
        let traces = [0.2, 0.5, 0.9].map { crash in
            HeartbeatTrace(interval: 1, arrivals: [1, 2, 3, 6], crash: 6 + crash)
        }
        let summary = DetectorEvaluation.summarize(traces, config: fixed, thresholds: [2])[0]
        #expect(summary.falseConvictions == 3)
        #expect(abs(summary.medianDetectionTime! - 1.5) < 1e-9)
        #expect(abs(summary.percentile(1)! - 1.8) < 1e-9)
    }

    /// Ten minutes of heartbeats through fifty thresholds of every detector: each threshold detects the crash. (How
    /// long the replay takes is measured by `bench/detector-eval`, not asserted here.)
    @Test func replayingTenMinutesOfHeartbeatsThroughFiftyThresholdsDetectsTheCrashWithEveryDetector() {
        var generator = HeartbeatTraceGenerator(interval: 0.1, duration: 600, seed: 3)
        generator.jitter = 0.01
        generator.loss = 0.01
        generator.crash = 599.95
        let trace = generator.trace()
        let thresholds = (1...50).map { Double($0) * 0.5 }
        for kind in HeartbeatDetectorKind.allCases {
            let config = HeartbeatConfig(interval: .milliseconds(100), detector: kind)
            let results = DetectorEvaluation.evaluate(trace, config: config, thresholds: thresholds)
            #expect(results.count == 50)
            #expect(results.allSatisfy { $0.detectionTime != nil })
        }
    }
}

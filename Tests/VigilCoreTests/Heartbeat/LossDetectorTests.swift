import Testing
import VigilCore

@Suite struct LossDetectorTests {
    private let config = HeartbeatConfig(interval: .milliseconds(100), detector: .loss)

    /// A detector fed a generated trace, with the sequence numbers unless told otherwise.
    private func trained(_ generator: HeartbeatTraceGenerator, sequences: Bool = true) -> HeartbeatDetector {
        var detector = HeartbeatDetector(config: config, start: .zero)
        for heartbeat in generator.heartbeats() {
            detector.heartbeat(
                at: MonotonicInstant(nanoseconds: Int64((heartbeat.arrival * 1e9).rounded())),
                sequence: sequences ? heartbeat.sequence : nil
            )
        }
        return detector
    }

    private func link(burstEnter: Double?, loss: Double = 0, seed: UInt64 = 1) -> HeartbeatTraceGenerator {
        var generator = HeartbeatTraceGenerator(interval: 0.1, duration: 600, seed: seed)
        generator.jitter = 0.01
        generator.loss = loss
        if let burstEnter {
            generator.burstLoss = .init(enterBad: burstEnter, leaveBad: 0.35)
        }
        return generator
    }

    private func silence(_ detector: HeartbeatDetector, toReach level: Double) -> Double {
        let last = detector.lastArrival!
        return Double((detector.instant(whenLevelReaches: level)! - last).nanoseconds) / 1e9
    }

    @Test func learnsTheBurstRateAndMeanBurstLengthFromSequenceGaps() {
        let detector = trained(link(burstEnter: 0.005))
        let link = detector.link
        // Gilbert–Elliott with P(leave bad) = 0.35: bursts of 1/0.35 ≈ 2.9 heartbeats, about 0.5 % of arrivals.
        #expect(abs(link.meanBurstLength - 1 / 0.35) < 0.8)
        #expect(link.burstRate > 0.002 && link.burstRate < 0.01)
        #expect(abs(link.period.nanoseconds - 100_000_000) < 200_000)
    }

    @Test func waitsLongerBeforeConvictingOnABurstyLinkThanOnAnIndependentOneWithTheSameLoss() {
        // 1.4 % either way: independent, or in Gilbert–Elliott bursts of about three.
        let independent = trained(link(burstEnter: nil, loss: 0.014))
        let bursty = trained(link(burstEnter: 0.005))
        let calm = silence(independent, toReach: 8)
        let stormy = silence(bursty, toReach: 8)
        #expect(calm < 0.7, "independent loss: \(calm) s")
        #expect(stormy > calm + 0.5, "bursty loss: \(stormy) s against \(calm) s")
    }

    @Test func theLevelIsCalibratedSoAThresholdOfLIsAboutOneMistakeIn10ToTheLHeartbeats() {
        // 6000 heartbeats per trace, 20 traces: at level 3 about 120 mistakes are expected, at level 5 about one.
        var mistakesAt3 = 0
        var mistakesAt5 = 0
        var heartbeats = 0
        for seed in UInt64(1)...20 {
            let trace = link(burstEnter: 0.005, seed: seed).trace()
            heartbeats += trace.arrivals.count
            let results = DetectorEvaluation.evaluate(trace, config: config, thresholds: [3, 5])
            mistakesAt3 += results[0].falseConvictions
            mistakesAt5 += results[1].falseConvictions
        }
        let expected = Double(heartbeats) / 1_000
        #expect(Double(mistakesAt3) > expected / 4 && Double(mistakesAt3) < expected * 4, "\(mistakesAt3)")
        #expect(mistakesAt5 <= 10, "\(mistakesAt5)")
    }

    @Test func withoutSequenceNumbersItInfersTheLostHeartbeatsFromTheGaps() {
        let with = trained(link(burstEnter: 0.005)).link
        let without = trained(link(burstEnter: 0.005), sequences: false).link
        #expect(abs(with.meanBurstLength - without.meanBurstLength) < 0.3)
        #expect(abs(with.burstRate - without.burstRate) < 0.001)
    }

    @Test func aReorderedHeartbeatProvesLifeWithoutCountingAsABurst() {
        var detector = HeartbeatDetector(config: config, start: .zero)
        for sequence in UInt64(1)...200 {
            detector.heartbeat(at: .zero + .milliseconds(Int64(sequence) * 100), sequence: sequence)
        }
        let before = detector.link
        // 202 overtakes 201 (a delay spike): 201 first looks lost, then arrives and is forgiven; 203 is on time.
        detector.heartbeat(at: .zero + .milliseconds(20_200), sequence: 202)
        detector.heartbeat(at: .zero + .milliseconds(20_210), sequence: 201)
        detector.heartbeat(at: .zero + .milliseconds(20_300), sequence: 203)
        #expect(detector.lastArrival == .zero + .milliseconds(20_300))
        #expect(detector.link.burstRate <= before.burstRate * 1.05)
    }

    @Test func theLevelGrowsWithSilenceAndTheDeadlineIsWhereItReachesTheThreshold() {
        let detector = trained(link(burstEnter: 0.005))
        let last = detector.lastArrival!
        var previous = -1.0
        for milliseconds in stride(from: 0, through: 4_000, by: 50) {
            let level = detector.level(at: last + .milliseconds(Int64(milliseconds)))
            #expect(level >= previous - 1e-12, "at \(milliseconds) ms")
            previous = level
        }
        #expect(previous > 5)
        let deadline = detector.instant(whenLevelReaches: 8)!
        #expect(detector.level(at: deadline) >= 8 - 1e-9)
        #expect(detector.level(at: deadline - .nanoseconds(1)) < 8)
    }
}

import Testing
import VigilCore

@Suite struct HeartbeatDetectorTests {
    private func at(_ milliseconds: Double) -> MonotonicInstant {
        MonotonicInstant(nanoseconds: Int64((milliseconds * 1_000_000).rounded()))
    }

    /// A phi detector whose window holds inter-arrival times of exactly mean 100 ms and deviation 10 ms.
    private func phiWithMean100Deviation10() -> (HeartbeatDetector, MonotonicInstant) {
        let config = HeartbeatConfig(
            interval: .milliseconds(100),
            detector: .phi,
            window: 100,
            minStandardDeviation: .milliseconds(1),
            acceptablePause: .zero
        )
        var detector = HeartbeatDetector(config: config, start: .zero)
        var time = 0.0
        for index in 0...40 {
            time += index == 0 ? 100 : (index.isMultiple(of: 2) ? 110 : 90)
            detector.heartbeat(at: at(time))
        }
        return (detector, at(time))
    }

    @Test func phiMatchesTheNormalTailForKnownSilences() throws {
        let (detector, last) = phiWithMean100Deviation10()
        #expect(detector.meanInterArrival == .milliseconds(100))
        #expect(detector.standardDeviation == .milliseconds(10))
        // References: −log10(erfc(z/√2)/2) from Python's math.erfc, z = (silence − 100 ms) / 10 ms.
        let references: [(silence: Double, phi: Double)] = [
            (80, 0.009_994_379_534_108_71), (100, 0.301_029_995_663_981_2), (110, 0.799_545_541_491_970_4),
            (130, 2.869_699_035_929_368_6), (160, 9.005_864_327_476_703), (300, 88.560_095_343_075_57),
        ]
        for (silence, phi) in references {
            let level = detector.level(at: last + .nanoseconds(Int64(silence * 1_000_000)))
            #expect(abs(level - phi) <= 1e-6 * max(1, phi), "silence \(silence) ms: \(level) vs \(phi)")
        }
    }

    @Test func phiKeepsGrowingForSilencesFarBeyondDoublePrecisionOfTheCDF() {
        let (detector, last) = phiWithMean100Deviation10()
        let long = detector.level(at: last + .seconds(2))
        let longer = detector.level(at: last + .seconds(4))
        #expect(long > 1_000)
        #expect(longer > long * 3)
        #expect(longer.isFinite)
    }

    @Test func phiAddsTheAcceptablePauseToTheMean() {
        var config = HeartbeatConfig(
            interval: .milliseconds(100),
            detector: .phi,
            minStandardDeviation: .milliseconds(1)
        )
        config.acceptablePause = .milliseconds(50)
        var detector = HeartbeatDetector(config: config, start: .zero)
        for index in 1...41 {
            detector.heartbeat(at: at(Double(index) * 100 + (index.isMultiple(of: 2) ? 10 : -10)))
        }
        let last = detector.lastArrival!
        // Mean of alternating 80/120 ms gaps is 100 ms, plus 50 ms: φ is one half-tail at 150 ms of silence.
        #expect(abs(detector.level(at: last + .milliseconds(150)) - 0.301_029_995_663_981_2) < 1e-6)
    }

    @Test func fixedConvictsExactlyAfterConvictTimesTheInterval() {
        let config = HeartbeatConfig(interval: .milliseconds(100), detector: .fixed, convict: 3)
        var detector = HeartbeatDetector(config: config, start: .zero)
        detector.heartbeat(at: at(1_000))
        #expect(detector.instant(whenLevelReaches: 3) == at(1_300))
        #expect(detector.level(at: at(1_300)) == 3)
        #expect(detector.level(at: at(1_300) - .nanoseconds(1)) < 3)
        #expect(detector.level(at: at(1_150)) == 1.5)
    }

    @Test func chenExpectsTheArrivalOfTheFormulaOverTheWindow() {
        let config = HeartbeatConfig(interval: .seconds(1), detector: .chen, window: 3)
        var detector = HeartbeatDetector(config: config, start: .zero)
        for arrival in [1_000.0, 2_100, 2_900, 4_200] {
            detector.heartbeat(at: at(arrival))
        }
        // EA₅ = ((A₂ − 2Δ) + (A₃ − 3Δ) + (A₄ − 4Δ)) / 3 + 5Δ = (100 − 100 + 200) / 3 + 5000 ms; A₁ left the window.
        let expected = 5_000 + 200.0 / 3
        #expect(detector.instant(whenLevelReaches: 0) == at(expected))
        #expect(abs(detector.level(at: at(5_500)) - (5_500 - expected) / 1_000) < 1e-9)
    }

    @Test func chenDoesNotRunEarlyAfterALostHeartbeat() {
        let config = HeartbeatConfig(interval: .milliseconds(100), detector: .chen, window: 10)
        var detector = HeartbeatDetector(config: config, start: .zero)
        // Heartbeat 5 is lost; the rest arrive on time.
        for index in 1...20 where index != 5 {
            detector.heartbeat(at: at(Double(index) * 100))
        }
        #expect(detector.instant(whenLevelReaches: 0) == at(2_100))
    }

    @Test func chenKeepsItsExpectationOnScheduleUnderHeavyJitter() {
        let config = HeartbeatConfig(interval: .milliseconds(100), detector: .chen, window: 1_000)
        var generator = HeartbeatTraceGenerator(interval: 0.1, duration: 600, seed: 4)
        generator.jitter = 0.03
        generator.loss = 0.01
        var detector = HeartbeatDetector(config: config, start: .zero)
        for arrival in generator.trace().arrivals {
            detector.heartbeat(at: at(arrival * 1_000))
        }
        // The sender's next slot after 599.9 s is 600 s.
        let expected = detector.instant(whenLevelReaches: 0)!
        #expect(abs((expected - at(600_000)).nanoseconds) < 20_000_000)
    }

    @Test func oldSamplesLeaveTheWindow() {
        let config = HeartbeatConfig(interval: .milliseconds(100), detector: .phi, window: 3)
        var detector = HeartbeatDetector(config: config, start: .zero)
        var time = 0.0
        for gap in [100.0, 100, 100, 100, 400, 400, 400] {
            time += gap
            detector.heartbeat(at: at(time))
        }
        #expect(detector.meanInterArrival == .milliseconds(400))
        #expect(detector.standardDeviation == .zero)
        #expect(detector.arrivals == 7)
    }

    @Test func silenceBeforeTheFirstHeartbeatCountsOnlyAfterTheGrace() {
        for kind in HeartbeatDetectorKind.allCases {
            let config = HeartbeatConfig(interval: .milliseconds(100), detector: kind, firstHeartbeatGrace: .seconds(1))
            let detector = HeartbeatDetector(config: config, start: at(5_000))
            #expect(detector.level(at: at(5_900)) == 0)
            #expect(detector.level(at: at(6_000)) == 0)
            #expect(abs(detector.level(at: at(6_300)) - 3) < 1e-12)
            #expect(detector.instant(whenLevelReaches: 8) == at(6_800), "\(kind)")
        }
    }

    @Test func heartbeatsOlderThanTheLatestAreIgnored() {
        let config = HeartbeatConfig(interval: .milliseconds(100), detector: .fixed)
        var detector = HeartbeatDetector(config: config, start: .zero)
        detector.heartbeat(at: at(1_000))
        detector.heartbeat(at: at(990))
        #expect(detector.arrivals == 1)
        #expect(detector.lastArrival == at(1_000))
        #expect(detector.instant(whenLevelReaches: 2) == at(1_200))
    }

    @Test func anUnreachableThresholdHasNoInstant() {
        let config = HeartbeatConfig(interval: .milliseconds(100), detector: .fixed)
        var detector = HeartbeatDetector(config: config, start: .zero)
        detector.heartbeat(at: at(1_000))
        #expect(detector.instant(whenLevelReaches: .infinity) == nil)
        #expect(detector.instant(whenLevelReaches: 1e300) == nil)
    }
}

import Testing
import VigilCore

@Suite struct CheckDetectorTests {
    static let start = MonotonicInstant(nanoseconds: 1_000_000_000)

    static func detector(holdFor: Duration = .seconds(30), clearAfter: Duration? = nil) -> CheckDetector {
        CheckDetector(
            check: HealthCheck(
                metric: HealthMetric(name: "memory.psi.full.avg10"),
                comparison: .greater,
                bound: .percentOfTotal(20),
                holdFor: holdFor,
                clearAfter: clearAfter,
                severity: .fault
            )
        )
    }

    /// Feeds one reading per second, `values[i]` at `start + i s`, and returns the transitions with their second.
    static func feed(
        _ detector: inout CheckDetector,
        _ values: [Double],
        from first: Int = 0
    )
        -> [(second: Int, transition: CheckDetector.Transition)]
    {
        var result: [(Int, CheckDetector.Transition)] = []
        for (offset, value) in values.enumerated() {
            let second = first + offset
            if let transition = detector.observe(MetricReading(value), now: start + .seconds(second)) {
                result.append((second, transition))
            }
        }
        return result
    }

    @Test func raisesOnlyAfterTheBoundHeldForTheWholeDuration() {
        var detector = Self.detector()
        let transitions = Self.feed(&detector, Array(repeating: 35, count: 31))
        #expect(transitions.count == 1)
        #expect(transitions.first?.second == 30)
        #expect(transitions.first?.transition == .raised(since: Self.start, reading: MetricReading(35)))
        #expect(detector.phase.isRaised)
    }

    @Test func aSingleSpikeOrABriefSpellNeverRaises() {
        var detector = Self.detector()
        var values = Array(repeating: 5.0, count: 120)
        values[10] = 90
        for second in 40..<69 {
            values[second] = 50
        }
        #expect(Self.feed(&detector, values).isEmpty)
        #expect(detector.phase == .clear)
    }

    @Test func oneGoodReadingInABadSpellStartsTheDurationAgain() {
        var detector = Self.detector()
        var values = Array(repeating: 35.0, count: 60)
        values[20] = 1
        let transitions = Self.feed(&detector, values)
        #expect(transitions.map(\.second) == [51])
    }

    @Test func clearsOnlyAfterTheBoundStoppedHoldingForClearAfter() {
        var detector = Self.detector(holdFor: .seconds(5), clearAfter: .seconds(10))
        var values = Array(repeating: 35.0, count: 6)
        values += Array(repeating: 5.0, count: 5) + [35]
        values += Array(repeating: 5.0, count: 11)
        let transitions = Self.feed(&detector, values)
        #expect(transitions.count == 2)
        #expect(transitions[0].second == 5)
        // Not cleared after the first 5 good readings: a bad one came back before clear_after.
        #expect(transitions[1].second == 22)
        guard case .cleared(let lasted, _) = transitions[1].transition else {
            Issue.record("expected a clear")
            return
        }
        #expect(lasted == .seconds(22))
    }

    @Test func zeroDurationsActOnASingleReading() {
        var detector = Self.detector(holdFor: .zero, clearAfter: .zero)
        let transitions = Self.feed(&detector, [35, 1])
        #expect(transitions.map(\.second) == [0, 1])
    }

    @Test func missingReadingsNeitherRaiseNorClearAndAreReportedOnce() {
        var detector = Self.detector(holdFor: .seconds(2))
        _ = Self.feed(&detector, [35, 35, 35])
        #expect(detector.phase.isRaised)
        let first = detector.observeMissing(reason: "cgroup removed")
        let second = detector.observeMissing(reason: "cgroup removed")
        #expect(first == .becameUnavailable(reason: "cgroup removed"))
        #expect(second == nil)
        #expect(detector.phase.isRaised)
        #expect(detector.unavailable == "cgroup removed")
        _ = Self.feed(&detector, [35], from: 10)
        #expect(detector.unavailable == nil)
    }

    @Test func aPercentOfAMissingTotalIsUnavailableNotAFault() {
        var detector = CheckDetector(
            check: HealthCheck(
                metric: HealthMetric(name: "memory.current"),
                comparison: .greater,
                bound: .percentOfTotal(90),
                holdFor: .zero
            )
        )
        let transition = detector.observe(MetricReading(1e12, total: nil), now: Self.start)
        guard case .becameUnavailable = transition else {
            Issue.record("expected unavailable, got \(String(describing: transition))")
            return
        }
        #expect(detector.phase == .clear)
    }

    @Test func evidenceSaysTheValueAndForHowLong() {
        var detector = Self.detector(holdFor: .seconds(2))
        _ = Self.feed(&detector, [35.123, 35.123, 35.123, 35.123])
        #expect(detector.evidence(now: Self.start + .seconds(40)) == "memory.psi.full.avg10=35.12 for 40s")
    }
}

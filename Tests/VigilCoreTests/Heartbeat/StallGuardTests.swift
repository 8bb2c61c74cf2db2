import Testing
import VigilCore

@Suite struct StallGuardTests {
    private static let interval: Int64 = 100_000_000

    private func at(_ nanoseconds: Int64) -> MonotonicInstant {
        MonotonicInstant(nanoseconds: nanoseconds)
    }

    /// Plays the engine: heartbeats and one timer at the judge's deadline, with vigild frozen from `stallFrom` to
    /// `stallTo`. While frozen nothing runs; afterwards the late timer fires first (the worst order), then the
    /// heartbeats queued in the socket are read, all at once. Returns the transitions seen.
    private func run(
        sends: [Int64],
        stallFrom: Int64,
        stallTo: Int64,
        until end: Int64,
        useGuard: Bool
    ) -> (transitions: [HeartbeatTransition], judge: HeartbeatJudge) {
        let config = HeartbeatConfig(interval: .milliseconds(100), detector: .phi, window: 100)
        var judge = HeartbeatJudge(config: config, start: .zero)
        var stallGuard = StallGuard()
        var transitions: [HeartbeatTransition] = []
        var pending = sends[...]
        var now: Int64 = 0
        while now < end {
            let deadline = judge.nextDeadline()?.nanoseconds ?? .max
            let arrival = pending.first ?? .max
            let next = min(deadline, arrival, end)
            if next >= stallFrom, next < stallTo {
                // vigild is frozen: it wakes at the stall's end to a late timer (if one was due) and a backlog.
                now = stallTo
                if deadline < stallTo {
                    if useGuard, let stall = stallGuard.timer(expected: at(deadline), fired: at(now)) {
                        judge.excuse(stall)
                    }
                    transitions += judge.evaluate(at: at(now))
                }
                var offset: Int64 = 1_000
                while let queued = pending.first, queued < stallTo {
                    transitions += judge.heartbeat(at: at(now + offset))
                    offset += 1_000
                    pending.removeFirst()
                }
                continue
            }
            now = next
            if next == arrival {
                transitions += judge.heartbeat(at: at(now))
                pending.removeFirst()
            } else if next == deadline {
                if useGuard, let stall = stallGuard.timer(expected: at(deadline), fired: at(now)) {
                    judge.excuse(stall)
                }
                transitions += judge.evaluate(at: at(now))
            }
        }
        return (transitions, judge)
    }

    /// Sends every 100 ms with a few milliseconds of deterministic jitter, from 100 ms up to (not including) `until`.
    private func sends(until: Int64) -> [Int64] {
        var result: [Int64] = []
        var time = Self.interval
        var index = 0
        while time < until {
            let jitter = Int64((index * 37) % 7 - 3) * 1_000_000
            result.append(time + jitter)
            time += Self.interval
            index += 1
        }
        return result
    }

    @Test func aTwoSecondStallWithHeartbeatsQueuedDuringItDoesNotConvict() {
        let stallFrom: Int64 = 30_050_000_000
        let stallTo = stallFrom + 2_000_000_000
        let (transitions, judge) = run(
            sends: sends(until: 40_000_000_000),
            stallFrom: stallFrom,
            stallTo: stallTo,
            until: 40_000_000_000,
            useGuard: true
        )
        #expect(!transitions.contains { $0.to == .convicted })
        #expect(judge.verdict == .trusted)
        // The backlog gave no samples: the statistics still describe a 100 ms sender.
        #expect(judge.detector.standardDeviation! < .milliseconds(10))
        #expect(judge.detector.meanInterArrival! > .milliseconds(95))
    }

    @Test func withoutTheGuardTheSameStallIsAFalseConviction() {
        let stallFrom: Int64 = 30_050_000_000
        let (transitions, _) = run(
            sends: sends(until: 40_000_000_000),
            stallFrom: stallFrom,
            stallTo: stallFrom + 2_000_000_000,
            until: 40_000_000_000,
            useGuard: false
        )
        #expect(transitions.contains { $0.to == .convicted && $0.at.nanoseconds == stallFrom + 2_000_000_000 })
    }

    @Test func aTargetThatCrashesDuringTheStallIsStillConvictedAfterIt() {
        let stallFrom: Int64 = 30_050_000_000
        let stallTo = stallFrom + 2_000_000_000
        // The target dies half a second into vigild's stall.
        let (transitions, judge) = run(
            sends: sends(until: stallFrom + 500_000_000),
            stallFrom: stallFrom,
            stallTo: stallTo,
            until: 40_000_000_000,
            useGuard: true
        )
        let conviction = transitions.first { $0.to == .convicted }
        #expect(judge.verdict == .convicted)
        #expect(conviction.map { $0.at.nanoseconds > stallTo } == true)
        // One threshold's worth of silence after the stall (φ = 8 is about 160 ms here), not more.
        #expect(conviction.map { $0.at.nanoseconds < stallTo + 500_000_000 } == true)
    }

    @Test func onlyLatenessBeyondTheThresholdIsAStall() {
        var stallGuard = StallGuard(threshold: .milliseconds(100))
        #expect(stallGuard.timer(expected: at(1_000_000_000), fired: at(1_099_000_000)) == nil)
        #expect(stallGuard.timer(expected: at(1_000_000_000), fired: at(900_000_000)) == nil)
        let stall = stallGuard.timer(expected: at(1_000_000_000), fired: at(3_000_000_000))
        #expect(stall == Stall(start: at(1_000_000_000), end: at(3_000_000_000)))
        #expect(stallGuard.stalls == 1)
        #expect(stallGuard.longest == .seconds(2))
    }
}

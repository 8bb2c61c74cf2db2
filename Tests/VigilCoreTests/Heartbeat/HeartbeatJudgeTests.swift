import Testing
import VigilCore

@Suite struct HeartbeatJudgeTests {
    private func at(_ milliseconds: Int64) -> MonotonicInstant {
        MonotonicInstant(nanoseconds: milliseconds * 1_000_000)
    }

    private func judge() -> HeartbeatJudge {
        let config = HeartbeatConfig(interval: .milliseconds(100), detector: .fixed, suspect: 2, convict: 3)
        var judge = HeartbeatJudge(config: config, start: .zero)
        _ = judge.heartbeat(at: at(1_000))
        return judge
    }

    @Test func silenceMovesFromTrustedToSuspectedToConvictedAtTheDeadlines() {
        var judge = judge()
        #expect(judge.nextDeadline() == at(1_200))
        #expect(judge.evaluate(at: at(1_199)) == [])
        #expect(judge.evaluate(at: at(1_200)).map(\.to) == [.suspected])
        #expect(judge.nextDeadline() == at(1_300))
        let conviction = judge.evaluate(at: at(1_300))
        #expect(conviction == [HeartbeatTransition(from: .suspected, to: .convicted, at: at(1_300), level: 3)])
        #expect(judge.nextDeadline() == nil)
    }

    @Test func aLateEvaluationPastBothThresholdsReportsBothTransitions() {
        var judge = judge()
        let transitions = judge.evaluate(at: at(2_000))
        #expect(transitions.map(\.from) == [.trusted, .suspected])
        #expect(transitions.map(\.to) == [.suspected, .convicted])
    }

    @Test func aHeartbeatClearsASuspicion() {
        var judge = judge()
        _ = judge.evaluate(at: at(1_250))
        #expect(judge.verdict == .suspected)
        let transitions = judge.heartbeat(at: at(1_260))
        #expect(transitions.count == 1)
        #expect(transitions.first?.isSuspicionCleared == true)
        #expect(judge.verdict == .trusted)
        #expect(judge.nextDeadline() == at(1_460))
    }

    @Test func aHeartbeatAfterConvictionDoesNotRestoreTrust() {
        var judge = judge()
        _ = judge.evaluate(at: at(1_300))
        #expect(judge.heartbeat(at: at(1_400)) == [])
        #expect(judge.verdict == .convicted)
        #expect(judge.evaluate(at: at(1_450)) == [])
        #expect(judge.nextDeadline() == nil)
    }

    @Test func newThresholdsKeepTheHistoryAndDecideFromTheNextEvaluation() {
        var judge = judge()
        _ = judge.heartbeat(at: at(1_100))
        #expect(judge.nextDeadline() == at(1_300), "suspect 2 intervals after the last heartbeat")
        var config = judge.config
        config.suspect = 5
        config.convict = 8
        judge.updateThresholds(from: config)
        #expect(judge.detector.arrivals == 2, "the arrivals seen are kept")
        #expect(judge.config.suspect == 5 && judge.config.convict == 8)
        #expect(judge.nextDeadline() == at(1_600))
        #expect(judge.evaluate(at: at(1_500)) == [])
        #expect(judge.evaluate(at: at(1_600)).map(\.to) == [.suspected])
        #expect(judge.evaluate(at: at(1_900)).map(\.to) == [.convicted])
    }

    @Test(arguments: HeartbeatDetectorKind.allCases)
    func aTimerArmedAtTheDeadlineAlwaysDecides(kind: HeartbeatDetectorKind) {
        let config = HeartbeatConfig(interval: .milliseconds(100), detector: kind)
        var judge = HeartbeatJudge(config: config, start: .zero)
        for index in Int64(1)...50 {
            _ = judge.heartbeat(at: at(index * 100 + (index % 3) * 7))
        }
        var verdicts: [HeartbeatVerdict] = []
        while let deadline = judge.nextDeadline() {
            verdicts += judge.evaluate(at: deadline).map(\.to)
        }
        #expect(verdicts == [.suspected, .convicted])
    }
}

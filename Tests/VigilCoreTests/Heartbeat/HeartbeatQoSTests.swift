import Testing
import VigilCore

@Suite struct HeartbeatQoSTests {
    private func problems(_ heartbeat: String) -> [String] {
        let text = "[[target]]\nname = \"a\"\nexec = [\"/bin/true\"]\nheartbeat = { \(heartbeat), key_file = \"/k\" }\n"
        return ConfigParser.parseAll(text).problems.map(\.description)
    }

    private func heartbeat(_ table: String) throws -> HeartbeatConfig {
        let text = "[[target]]\nname = \"a\"\nexec = [\"/bin/true\"]\nheartbeat = { \(table), key_file = \"/k\" }\n"
        return try #require(try ConfigParser.parse(text, file: "t.toml").targets[0].heartbeat)
    }

    /// A judge configured by QoS, fed `seconds` of a generated 100 ms link.
    private func judge(
        _ qos: HeartbeatQoS,
        burstEnter: Double?,
        seconds: Double = 600
    ) -> (HeartbeatJudge, [HeartbeatQoSChange]) {
        var generator = HeartbeatTraceGenerator(interval: 0.1, duration: seconds, seed: 4)
        generator.jitter = 0.01
        if let burstEnter {
            generator.burstLoss = .init(enterBad: burstEnter, leaveBad: 0.35)
        }
        let config = HeartbeatConfig(interval: .milliseconds(100), detector: .loss, qos: qos)
        var judge = HeartbeatJudge(config: config, start: .zero)
        var changes: [HeartbeatQoSChange] = []
        for heartbeat in generator.heartbeats() {
            let time = MonotonicInstant(nanoseconds: Int64((heartbeat.arrival * 1e9).rounded()))
            _ = judge.heartbeat(at: time, sequence: heartbeat.sequence)
            if let change = judge.reviewQoS(at: time) {
                changes.append(change)
            }
        }
        return (judge, changes)
    }

    @Test func ratesParseAsACountPerNamedPeriodOrDuration() throws {
        let week = try #require(HeartbeatRate(parsing: "1/week"))
        #expect(abs(week.perSecond - 1.0 / 604_800) < 1e-15)
        #expect(try #require(HeartbeatRate(parsing: "3/day")).perSecond == 3.0 / 86_400)
        #expect(try #require(HeartbeatRate(parsing: "1/12h")).perSecond == 1.0 / 43_200)
        #expect(try #require(HeartbeatRate(parsing: "1/30d")).perSecond == 1.0 / 2_592_000)
        for wrong in ["0/week", "1/fortnight", "week", "-1/day", "1/0s"] {
            #expect(HeartbeatRate(parsing: wrong) == nil, "\(wrong)")
        }
    }

    @Test func detectWithinAloneChoosesTheLossDetectorAndOneFalseConvictionAWeek() throws {
        let config = try heartbeat("interval = \"100ms\", detect_within = \"1s\"")
        #expect(config.detector == .loss)
        #expect(config.qos == HeartbeatQoS(detectWithin: .seconds(1), falseConvictions: .oncePerWeek))
        let rateOnly = try heartbeat("interval = \"100ms\", false_convictions = \"2/day\"")
        #expect(rateOnly.qos?.detectWithin == nil)
        #expect(rateOnly.qos?.falseConvictions.description == "2/day")
    }

    @Test func qosKeysThatCannotWorkAreErrorsNamingLineAndKey() {
        #expect(
            problems("interval = \"100ms\", detector = \"phi\", detect_within = \"1s\"").contains {
                $0.hasPrefix("4: target[a].heartbeat.detector: detect_within and false_convictions need detector")
            }
        )
        #expect(
            problems("interval = \"100ms\", detect_within = \"1s\", convict = 9").contains {
                $0.hasPrefix("4: target[a].heartbeat.convict: an explicit threshold and detect_within")
            }
        )
        #expect(
            problems("interval = \"100ms\", false_convictions = \"never\"").contains {
                $0.hasPrefix("4: target[a].heartbeat.false_convictions: not a rate: \"never\"")
            }
        )
        #expect(
            problems("interval = \"1s\", detect_within = \"1500ms\"").contains {
                $0.hasPrefix("4: target[a].heartbeat.detect_within: must be longer than two intervals")
            }
        )
    }

    @Test func explicitThresholdsStillWorkForTheLossDetector() throws {
        let config = try heartbeat("interval = \"100ms\", detector = \"loss\", suspect = 4, convict = 9")
        #expect(config.qos == nil)
        let judge = HeartbeatJudge(config: config, start: .zero)
        #expect(judge.suspect == 4)
        #expect(judge.convict == 9)
    }

    @Test func onAnIndependentLossLinkTheDerivedThresholdConvictsFasterThanTheBoundAndMeetsTheRequest() throws {
        let qos = HeartbeatQoS(detectWithin: .seconds(2), falseConvictions: .oncePerWeek)
        var generator = HeartbeatTraceGenerator(interval: 0.1, duration: 600, seed: 4)
        generator.jitter = 0.01
        generator.loss = 0.01
        let config = HeartbeatConfig(interval: .milliseconds(100), detector: .loss, qos: qos)
        var judge = HeartbeatJudge(config: config, start: .zero)
        var changes: [HeartbeatQoSChange] = []
        for heartbeat in generator.heartbeats() {
            let time = MonotonicInstant(nanoseconds: Int64((heartbeat.arrival * 1e9).rounded()))
            _ = judge.heartbeat(at: time, sequence: heartbeat.sequence)
            changes += judge.reviewQoS(at: time).map { [$0] } ?? []
        }
        #expect(changes.isEmpty)
        #expect(judge.qosMet)
        let derivation = try #require(judge.derivation)
        #expect(derivation.convict == derivation.rateLevel + HeartbeatQoS.convictMargin)
        let silence = try #require(judge.detector.silence(whenLevelReaches: judge.convict))
        #expect(silence < .seconds(1), "convicts after \(silence)")
    }

    @Test func aBurstyLinkThatCannotMeetTheRequestIsReportedOnceAndDetectionStaysWithinTheBound() throws {
        let qos = HeartbeatQoS(detectWithin: .seconds(1), falseConvictions: .oncePerWeek)
        let (judge, changes) = judge(qos, burstEnter: 0.005)
        #expect(changes.count == 1)
        let change = try #require(changes.first)
        #expect(!change.met)
        #expect(change.expectedWeekly > 1)
        #expect(try #require(change.neededDetection) > .seconds(1))
        let event = change.event(target: "web")
        #expect(event.kind == .heartbeatQoSUnmet)
        #expect(event.fields["DETECT_WITHIN_USEC"] == "1000000")
        #expect(event.message.hasPrefix("web: the link cannot meet detection within 1s"))
        // The bound is kept: a silence of 1 s convicts.
        let silence = try #require(judge.detector.silence(whenLevelReaches: judge.convict))
        #expect(silence <= .seconds(1))
    }

    @Test func aLinkThatRecoversIsReportedAsMeetingTheRequestAgain() throws {
        // Ten bursty minutes, then a clean link for longer than the detector remembers bursts (ten windows).
        let qos = HeartbeatQoS(detectWithin: .seconds(2), falseConvictions: .oncePerWeek)
        var bursty = HeartbeatTraceGenerator(interval: 0.1, duration: 600, seed: 4)
        bursty.jitter = 0.01
        bursty.burstLoss = .init(enterBad: 0.005, leaveBad: 0.35)
        var clean = HeartbeatTraceGenerator(interval: 0.1, duration: 2_400, seed: 5)
        clean.jitter = 0.01
        let config = HeartbeatConfig(interval: .milliseconds(100), detector: .loss, qos: qos)
        var judge = HeartbeatJudge(config: config, start: .zero)
        var changes: [HeartbeatQoSChange] = []
        let last = UInt64(6_000)
        let arrivals =
            bursty.heartbeats().map { ($0.arrival, $0.sequence) }
            + clean.heartbeats().map { (600 + $0.arrival, last + $0.sequence) }
        for (arrival, sequence) in arrivals {
            let time = MonotonicInstant(nanoseconds: Int64((arrival * 1e9).rounded()))
            _ = judge.heartbeat(at: time, sequence: sequence)
            changes += judge.reviewQoS(at: time).map { [$0] } ?? []
        }
        #expect(changes.map(\.met) == [false, true])
        #expect(changes.last?.event(target: "web").kind == .heartbeatQoSMet)
    }

    @Test func replayedOnABurstyTraceAQoSJudgeDetectsTheCrashWithinItsBound() throws {
        var generator = HeartbeatTraceGenerator(interval: 0.1, duration: 600, seed: 8)
        generator.jitter = 0.01
        generator.burstLoss = .init(enterBad: 0.005, leaveBad: 0.35)
        generator.crash = 599.95
        let qos = HeartbeatQoS(detectWithin: .seconds(2), falseConvictions: .oncePerWeek)
        let config = HeartbeatConfig(interval: .milliseconds(100), detector: .loss, qos: qos)
        let result = DetectorEvaluation.evaluateQoS(generator.trace(), config: config)
        let detection = try #require(result.detectionTime)
        // From the crash: at most the bound after the last heartbeat, which arrived up to ~50 ms before the crash.
        #expect(detection > 1 && detection <= 2.0, "\(detection) s")
    }

    @Test func beforeTheFirstHeartbeatAQoSJudgeWaitsOutTheGraceLikeAnyOther() throws {
        let qos = HeartbeatQoS(detectWithin: .seconds(1), falseConvictions: .oncePerWeek)
        let config = HeartbeatConfig(interval: .milliseconds(100), detector: .loss, qos: qos)
        var judge = HeartbeatJudge(config: config, start: .zero)
        // The grace is 10 intervals (1 s), then the loss detector's default suspect (5) and convict (8) intervals.
        #expect(judge.nextDeadline() == .zero + .milliseconds(1_500))
        #expect(judge.evaluate(at: .zero + .milliseconds(1_500)).map(\.to) == [.suspected])
        #expect(judge.nextDeadline() == .zero + .milliseconds(1_800))
        _ = judge.heartbeat(at: .zero + .milliseconds(100), sequence: 1)
        #expect(try #require(judge.derivation).budgetLevel != nil)
    }

    @Test func aRestartedTargetKeepsWhatTheJudgeLearntAboutItsLink() {
        let qos = HeartbeatQoS(detectWithin: .seconds(1), falseConvictions: .oncePerWeek)
        let (learnt, _) = judge(qos, burstEnter: 0.005)
        let restarted = HeartbeatJudge(config: learnt.config, start: .zero + .seconds(700), previous: learnt)
        #expect(restarted.detector.link == learnt.detector.link)
        #expect(restarted.detector.arrivals == 0)
        #expect(!restarted.qosMet)
        let fresh = HeartbeatJudge(config: learnt.config, start: .zero + .seconds(700))
        #expect(fresh.detector.link != learnt.detector.link)
    }
}

extension HeartbeatQoSChange {
    fileprivate var expectedWeekly: Double {
        thresholds.expectedFalseConvictionsPerWeek
    }
}

/// What a heartbeat table without detector settings gets: quality of service for packets, which may cross a network
/// that loses them in bursts; φ for sd_notify pings on the target's own socket, which lose nothing.
@Suite struct HeartbeatDefaultDetectionTests {
    private func heartbeat(_ table: String, level: String? = nil, notify: Bool = false) throws -> HeartbeatConfig {
        var text = "[[target]]\nname = \"a\"\nexec = [\"/bin/true\"]\n"
        if let level { text += "level = \"\(level)\"\n" }
        if notify { text += "notify_socket = true\n" }
        text += "heartbeat = { \(table) }\n"
        return try #require(try ConfigParser.parse(text, file: "t.toml").targets[0].heartbeat)
    }

    @Test func aKeyedHeartbeatWithoutDetectorSettingsIsDetectedByQualityOfService() throws {
        let fast = try heartbeat("interval = \"100ms\", key_file = \"/k\"")
        #expect(fast.detector == .loss)
        #expect(fast.qos == HeartbeatQoS(detectWithin: .seconds(2), falseConvictions: .oncePerWeek))
        let slow = try heartbeat("interval = \"1s\", key_file = \"/k\"")
        #expect(slow.qos?.detectWithin == .seconds(5), "five intervals when they are longer than 2 s")
    }

    @Test func aLevelScalesTheDefaultBoundButNotOneWrittenDown() throws {
        let high = try heartbeat("interval = \"100ms\", key_file = \"/k\"", level: "high")
        #expect(high.qos?.detectWithin == .milliseconds(1500))
        let low = try heartbeat("interval = \"100ms\", key_file = \"/k\"", level: "low")
        #expect(low.qos?.detectWithin == .seconds(3))
        let written = try heartbeat("interval = \"100ms\", detect_within = \"4s\", key_file = \"/k\"", level: "high")
        #expect(written.qos?.detectWithin == .seconds(4))
    }

    @Test func anyDetectorSettingOrNoKeyKeepsTheThresholdDetectors() throws {
        let phi = try heartbeat("interval = \"100ms\", detector = \"phi\", key_file = \"/k\"")
        #expect(phi.detector == .phi && phi.qos == nil && phi.convict == 16)
        let threshold = try heartbeat("interval = \"100ms\", convict = 20, key_file = \"/k\"")
        #expect(threshold.detector == .phi && threshold.qos == nil && threshold.convict == 20)
        let rateOnly = try heartbeat("interval = \"100ms\", false_convictions = \"1/day\", key_file = \"/k\"")
        #expect(rateOnly.detector == .loss && rateOnly.qos?.detectWithin == nil)
        let pings = try heartbeat("interval = \"100ms\"", notify: true)
        #expect(pings.detector == .phi && pings.qos == nil && pings.convict == 16)
    }
}

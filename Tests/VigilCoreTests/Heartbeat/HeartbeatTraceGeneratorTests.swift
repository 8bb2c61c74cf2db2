import Testing
import VigilCore

@Suite struct HeartbeatTraceGeneratorTests {
    private func generator(seed: UInt64 = 1, interval: Double = 0.1, duration: Double = 600) -> HeartbeatTraceGenerator
    {
        var generator = HeartbeatTraceGenerator(interval: interval, duration: duration, seed: seed)
        generator.jitter = 0.01
        generator.loss = 0.01
        return generator
    }

    @Test func theSameSeedGivesTheSameTraceAndAnotherSeedAnother() {
        #expect(generator(seed: 5).trace() == generator(seed: 5).trace())
        #expect(generator(seed: 5).trace() != generator(seed: 6).trace())
    }

    @Test func independentLossDropsTheConfiguredFraction() {
        var generator = generator(duration: 20_000)
        generator.loss = 0.05
        let sent = 199_999.0
        let lost = 1 - Double(generator.trace().arrivals.count) / sent
        #expect(abs(lost - 0.05) < 0.003)
    }

    @Test func gaussianJitterHasTheConfiguredDeviation() {
        var generator = generator(interval: 1, duration: 50_000)
        generator.loss = 0
        let residuals = generator.trace().arrivals.enumerated().map { $1 - Double($0 + 1) }
        let mean = residuals.reduce(0, +) / Double(residuals.count)
        let deviation = (residuals.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(residuals.count))
            .squareRoot()
        #expect(abs(mean) < 0.0003)
        #expect(abs(deviation - 0.01) < 0.0003)
    }

    @Test func burstyLossLosesTheStationaryBadFractionInRuns() {
        var generator = generator(interval: 1, duration: 200_000)
        generator.loss = 0
        generator.jitter = 0
        generator.burstLoss = .init(enterBad: 0.01, leaveBad: 0.2)
        let arrivals = generator.trace().arrivals
        let lost = 1 - Double(arrivals.count) / 199_999
        #expect(abs(lost - 0.01 / 0.21) < 0.006)
        // Mean burst length 1/leaveBad = 5 heartbeats: gaps of several intervals are common.
        let gaps = zip(arrivals, arrivals.dropFirst()).map { ($1 - $0).rounded() - 1 }.filter { $0 > 0 }
        let meanBurst = gaps.reduce(0, +) / Double(gaps.count)
        #expect(abs(meanBurst - 5) < 0.5)
    }

    @Test func heavyTailedDelaysAreNeverNegativeExtraAndSometimesLong() {
        var generator = generator(interval: 1, duration: 10_000)
        generator.loss = 0
        generator.jitter = 0
        generator.heavyTail = .pareto(scale: 0.01, shape: 1.5)
        let delays = generator.trace().arrivals.enumerated().map { $1 - Double($0 + 1) }
        #expect(delays.allSatisfy { $0 >= -1e-9 })
        #expect(delays.contains { $0 > 0.3 })
    }

    @Test func nothingIsSentDuringAPauseOrAfterTheCrash() {
        var generator = generator(duration: 60)
        generator.jitter = 0
        generator.loss = 0
        generator.pauses = [.init(start: 10.05, length: 2)]
        generator.crash = 50
        let arrivals = generator.trace().arrivals
        #expect(!arrivals.contains { $0 > 10.05 && $0 < 12.05 - 1e-9 })
        #expect(arrivals.contains { abs($0 - 12.05) < 1e-9 })
        #expect(arrivals.last! < 50)
        #expect(generator.trace().crash == 50)
    }

    @Test func aSenderClockStepChangesTimestampsButNotArrivals() {
        let plain = generator(duration: 60)
        var stepped = plain
        stepped.clockSteps = [.init(at: 30, by: -3_600)]
        #expect(stepped.trace() == plain.trace())
        let late = stepped.heartbeats().filter { $0.arrival > 31 }
        #expect(late.allSatisfy { $0.sent < 0 })
    }

    @Test func sequenceNumbersCountLostHeartbeatsSoGapsAreExactlyTheBursts() {
        var generator = generator(interval: 1, duration: 20_000)
        generator.loss = 0
        generator.jitter = 0
        generator.burstLoss = .init(enterBad: 0.01, leaveBad: 0.25)
        let heartbeats = generator.heartbeats()
        for (previous, next) in zip(heartbeats, heartbeats.dropFirst()) {
            #expect(next.sequence > previous.sequence)
            #expect(abs((next.arrival - previous.arrival) - Double(next.sequence - previous.sequence)) < 1e-9)
        }
        #expect(generator.trace().sequences == heartbeats.map(\.sequence))
    }

    @Test func delaySpikesDelayTheConfiguredFractionByTheConfiguredAmount() {
        var generator = generator(interval: 1, duration: 100_000)
        generator.loss = 0
        generator.jitter = 0
        generator.delaySpikes = .init(probability: 0.01, minimum: 0.2, maximum: 0.4)
        let delays = generator.heartbeats().map { $0.arrival - Double($0.sequence) }
        let spiked = delays.filter { $0 > 1e-9 }
        #expect(abs(Double(spiked.count) / Double(delays.count) - 0.01) < 0.002)
        #expect(spiked.allSatisfy { $0 >= 0.2 - 1e-9 && $0 <= 0.4 + 1e-9 })
    }

    @Test func spikesAndDriftLeaveTheTraceOfTheSameSeedUnchangedWhenAbsent() {
        var spiky = generator(seed: 3)
        spiky.delaySpikes = .init(probability: 0, minimum: 0.1, maximum: 0.2)
        spiky.drift = .init(period: 60, peak: 1)
        #expect(spiky.trace() == generator(seed: 3).trace())
    }

    @Test func aDriftingLinkLosesMoreHalfWayThroughItsPeriodThanAtItsStart() {
        var generator = generator(interval: 1, duration: 400_000)
        generator.jitter = 0
        generator.loss = 0.01
        generator.drift = .init(period: 100_000, peak: 5)
        let sequences = Set(generator.heartbeats().map(\.sequence))
        func lossRate(_ range: ClosedRange<UInt64>) -> Double {
            1 - Double(range.filter { sequences.contains($0) }.count) / Double(range.count)
        }
        // Around phase 0 the factor is near 1, around phase ½ near 5.
        #expect(lossRate(1...5_000) < 0.015)
        #expect(lossRate(48_000...52_000) > 0.04)
        #expect(generator.drift!.factor(at: 50_000) == 5)
        #expect(generator.drift!.factor(at: 100_000) == 1)
    }
}

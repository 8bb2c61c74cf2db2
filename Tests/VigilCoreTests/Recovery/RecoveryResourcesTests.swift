import Testing
import VigilCore

@Suite struct RecoveryResourcesTests {
    private let host = AdmissionControl.HostResources(
        availableMemory: 3 << 30,
        totalMemory: 16 << 30,
        idleCPU: 2.5
    )

    @Test func admitsWhatFitsAndRefusesWhatDoesNotWithTheFigures() {
        #expect(AdmissionControl.decide(ResourceReservation(), on: host) == .admitted)
        #expect(AdmissionControl.decide(ResourceReservation(memory: .bytes(2 << 30), cpu: 2.5), on: host) == .admitted)
        #expect(
            AdmissionControl.decide(ResourceReservation(memory: .percent(25), cpu: 3), on: host)
                == .refused(reason: "needs 4 GiB of memory, 3 GiB available; needs 3 cores of idle CPU, 2.5 cores idle")
        )
    }

    @Test func countsWhatWasPromisedToRecoveriesStillStarting() {
        let decision = AdmissionControl.decide(
            ResourceReservation(memory: .bytes(2 << 30)),
            on: host,
            committed: [ResourceReservation(memory: .bytes(1536 << 20))]
        )
        #expect(
            decision
                == .refused(
                    reason: "needs 2 GiB of memory, 1.5 GiB available after 1.5 GiB promised to other recoveries"
                )
        )
    }

    @Test func theLimiterRunsAtMostItsLimitAndGrantsByPriorityThenArrival() {
        var limiter = RecoveryLimiter(limit: 2)
        let granted = ["a", "b", "low", "high", "high-later"].map { name in
            limiter.request(name, priority: name.hasPrefix("high") ? 100 : 10)
        }
        #expect(granted == [true, true, false, false, false])
        let again = limiter.request("a", priority: 10)
        #expect(again)
        #expect(limiter.waiting == ["high", "high-later", "low"])
        let afterA = limiter.finish("a")
        #expect(afterA == ["high"])
        #expect(limiter.running == ["b", "high"])
        // Asking again while waiting keeps the place but raises the priority.
        let raised = limiter.request("low", priority: 200)
        #expect(!raised)
        #expect(limiter.waiting == ["low", "high-later"])
        let afterHigh = limiter.finish("high")
        let afterB = limiter.finish("b")
        #expect(afterHigh == ["low"] && afterB == ["high-later"])
        let rest = limiter.finish("low") + limiter.finish("high-later")
        #expect(rest.isEmpty && limiter.running.isEmpty)
    }

    @Test func aRaisedLimitGrantsWaitersAtOnceAndALoweredOneLetsRunnersFinish() {
        var limiter = RecoveryLimiter(limit: 1)
        let asked = ["a", "b", "c"].map { limiter.request($0, priority: 0) }
        #expect(asked == [true, false, false])
        #expect(limiter.position(of: "c") == 2 && limiter.position(of: "a") == nil)
        #expect(limiter.setLimit(3) == ["b", "c"])
        #expect(limiter.running == ["a", "b", "c"])
        #expect(limiter.setLimit(0).isEmpty && limiter.limit == 1, "at least one")
        let next = limiter.request("d", priority: 0)
        #expect(!next, "three still run")
        #expect(limiter.finish("a").isEmpty && limiter.finish("b").isEmpty)
        #expect(limiter.finish("c") == ["d"])
    }

    @Test func sizesParseInBinaryUnitsAndPrintReadably() {
        #expect(ByteCount.parse("512M") == 512 << 20)
        #expect(ByteCount.parse("1.5G") == 1536 << 20)
        #expect(ByteCount.parse("2 GiB") == 2 << 30)
        #expect(ByteCount.parse("4096") == 4096)
        #expect(ByteCount.parse("-1M") == nil)
        #expect(ByteCount.parse("12Q") == nil)
        #expect(ByteCount.parse("") == nil)
        #expect(ByteCount.text(1536 << 20) == "1.5 GiB")
        #expect(ByteCount.text(300) == "300 B")
    }
}

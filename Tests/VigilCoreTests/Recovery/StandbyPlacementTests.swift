import Testing
import VigilCore

@Suite struct StandbyPlacementTests {
    private let names = ["b", "c", "d"]

    private func candidates(_ build: (inout [String: StandbyCandidate]) -> Void = { _ in }) -> [StandbyCandidate] {
        var byName = Dictionary(uniqueKeysWithValues: names.map { ($0, StandbyCandidate(name: $0)) })
        build(&byName)
        return names.compactMap { byName[$0] }
    }

    private func choices(_ placement: inout StandbyPlacement, _ count: Int, from: [StandbyCandidate]) -> [String] {
        (0..<count).compactMap { _ in placement.choose(from: from).standby }
    }

    @Test func orderedTakesTheFirstEligibleAndSaysWhyOthersWereSkipped() {
        var placement = StandbyPlacement(strategy: .ordered, standbys: names)
        let choice = placement.choose(
            from: candidates {
                $0["b"]!.failed = true
                $0["c"]!.refusal = "needs 2 GiB of memory, 1 GiB available"
            }
        )
        #expect(choice.standby == "d")
        #expect(choice.skippedText == "b (failed), c (not admitted: needs 2 GiB of memory, 1 GiB available)")
        #expect(choices(&placement, 3, from: candidates()) == ["b", "b", "b"])
    }

    @Test func roundRobinContinuesAfterTheLastChoiceAndSkipsIneligible() {
        var placement = StandbyPlacement(strategy: .roundRobin, standbys: names)
        #expect(choices(&placement, 4, from: candidates()) == ["b", "c", "d", "b"])
        #expect(choices(&placement, 2, from: candidates { $0["d"]!.maintenance = true }) == ["c", "b"])
        // What it remembers survives a restart of vigild.
        var restored = StandbyPlacement(strategy: .roundRobin, standbys: names, memory: placement.memory)
        #expect(restored.choose(from: candidates()).standby == "c")
    }

    @Test func weightedChoosesInProportionInterleavedAndDeterministically() {
        var placement = StandbyPlacement(strategy: .weighted, standbys: names, weights: ["b": 5, "c": 1, "d": 1])
        let sequence = choices(&placement, 7, from: candidates())
        // nginx's smooth weighted round-robin for 5:1:1.
        #expect(sequence == ["b", "b", "c", "b", "d", "b", "b"])
        var again = StandbyPlacement(strategy: .weighted, standbys: names, weights: ["b": 5, "c": 1, "d": 1])
        #expect(choices(&again, 700, from: candidates()).filter { $0 == "b" }.count == 500)
        var zero = StandbyPlacement(strategy: .weighted, standbys: names, weights: ["b": 0])
        #expect(Set(choices(&zero, 10, from: candidates())) == ["c", "d"])
    }

    @Test func leastLoadedPrefersLowPressureThenFreeMemoryThenOrder() {
        var placement = StandbyPlacement(strategy: .leastLoaded, standbys: names)
        let figures = candidates {
            $0["b"]!.pressure = 12.0
            $0["b"]!.freeMemory = 8 << 30
            $0["c"]!.pressure = 3.4
            $0["c"]!.freeMemory = 1 << 30
            $0["d"]!.pressure = 3.9
            $0["d"]!.freeMemory = 4 << 30
        }
        // c and d are both under 4 % pressure: d has more memory free.
        #expect(placement.choose(from: figures).standby == "d")
        let unknown = candidates { $0["b"]!.pressure = 50 }
        #expect(placement.choose(from: unknown).standby == "b")
    }

    @Test func leastResponsePrefersTheShortestRoundTripAndUnknownLast() {
        var placement = StandbyPlacement(strategy: .leastResponse, standbys: names)
        let figures = candidates {
            $0["b"]!.roundTrip = .milliseconds(9)
            $0["c"]!.roundTrip = .microseconds(800)
        }
        #expect(placement.choose(from: figures).standby == "c")
        let withoutC = candidates {
            $0["c"]!.failed = true
            $0["b"]!.roundTrip = .seconds(1)
        }
        #expect(placement.choose(from: withoutC).standby == "b")
    }

    @Test func nothingEligibleChoosesNobody() {
        var placement = StandbyPlacement(strategy: .weighted, standbys: names)
        let choice = placement.choose(from: [StandbyCandidate(name: "b", maintenance: true)])
        #expect(choice.standby == nil)
        #expect(choice.skippedText == "b (in maintenance), c (no state known), d (no state known)")
    }
}

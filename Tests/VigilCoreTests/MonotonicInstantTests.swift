import Testing
import VigilCore

@Suite struct MonotonicInstantTests {
    @Test func addsAndSubtractsDurations() {
        let start = MonotonicInstant(nanoseconds: 5_000)
        #expect((start + .milliseconds(2)).nanoseconds == 2_005_000)
        #expect((start + .milliseconds(2)) - start == .milliseconds(2))
    }

    @Test func printsDurationsInTheLargestReadableUnit() {
        #expect(Duration.milliseconds(250).humanReadable == "250ms")
        #expect(Duration.milliseconds(1500).humanReadable == "1.5s")
        #expect(Duration.seconds(300).humanReadable == "5m")
        #expect(Duration.zero.humanReadable == "0s")
    }
}

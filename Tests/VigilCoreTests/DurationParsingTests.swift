import Testing
import VigilCore

@Suite struct DurationParsingTests {
    @Test(arguments: [
        ("250ns", Duration.nanoseconds(250)),
        ("7us", .microseconds(7)),
        ("250ms", .milliseconds(250)),
        ("30s", .seconds(30)),
        ("5m", .seconds(300)),
        ("2h", .seconds(7_200)),
        ("1d", .seconds(86_400)),
        ("0s", .zero),
        ("0", .zero),
    ])
    func parsesEveryUnit(text: String, expected: Duration) {
        #expect(Duration(parsing: text) == expected)
    }

    @Test func parsesDecimalFractions() {
        #expect(Duration(parsing: "1.5s") == .milliseconds(1_500))
        #expect(Duration(parsing: "0.25m") == .seconds(15))
        #expect(Duration(parsing: "1.000000001s") == .nanoseconds(1_000_000_001))
    }

    @Test func addsUpCompoundDurations() {
        #expect(Duration(parsing: "1m30s") == .seconds(90))
        #expect(Duration(parsing: "1h30m") == .seconds(5_400))
        #expect(Duration(parsing: "1s500ms") == .milliseconds(1_500))
        #expect(Duration(parsing: "1d2h3m4s5ms") == .seconds(93_784) + .milliseconds(5))
    }

    @Test func cutsOffFractionsFinerThanANanosecond() {
        #expect(Duration(parsing: "1.5ns") == .nanoseconds(1))
    }

    @Test(arguments: [
        "", "30", "1", "00", "-5s", "+5s", "5 s", " 5s", "5s ", "5x", "5sec", "5S", "s", "1.s", ".5s", "1..5s",
        "1m30", "ms", "1e3s", "１s",
    ])
    func rejectsTextThatIsNotADurationWithUnits(text: String) {
        #expect(Duration(parsing: text) == nil)
    }

    @Test func rejectsDurationsTooLongForSixtyFourBitsOfNanoseconds() {
        #expect(Duration(parsing: "106751d") != nil)
        #expect(Duration(parsing: "106752d") == nil)
        #expect(Duration(parsing: "99999999999999999999s") == nil)
    }
}

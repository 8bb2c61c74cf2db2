import Testing
import VigilCore

@Suite struct CompactDurationTests {
    @Test(arguments: [
        (0.0, "0s"),
        (0.9, "0s"),
        (59.0, "59s"),
        (60.0, "1m"),
        (312.0, "5m12s"),
        (3_599.0, "59m59s"),
        (7_500.0, "2h5m"),
        (273_845.0, "3d4h"),
        (86_400.0, "1d"),
        (-5.0, "0s"),
        (Double.nan, "0s"),
    ])
    func writesAtMostTwoUnitsRoundedDown(seconds: Double, expected: String) {
        #expect(CompactDuration.format(seconds: seconds) == expected)
    }
}

import Testing
import VigilCore

@Suite struct WallClockTextTests {
    @Test func formatsUTCToTheMillisecond() {
        #expect(WallClockText.format(microseconds: 1_795_317_121_123_456, utcOffset: 0) == "2026-11-22 03:12:01.123")
    }

    @Test func appliesTheLocalOffsetAcrossMidnight() {
        #expect(
            WallClockText.format(microseconds: 1_795_317_121_123_000, utcOffset: 3_600) == "2026-11-22 04:12:01.123"
        )
        #expect(
            WallClockText.format(microseconds: 1_795_317_121_123_000, utcOffset: -5 * 3_600)
                == "2026-11-21 22:12:01.123"
        )
    }

    @Test func knowsLeapDaysAndTheEpoch() {
        #expect(WallClockText.format(microseconds: 1_709_251_199_999_000, utcOffset: 0) == "2024-02-29 23:59:59.999")
        #expect(WallClockText.format(microseconds: 0, utcOffset: 0) == "1970-01-01 00:00:00.000")
        #expect(WallClockText.format(microseconds: -1_000, utcOffset: 0) == "1969-12-31 23:59:59.999")
    }
}

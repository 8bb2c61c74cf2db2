/// Formats wall-clock instants as `2026-11-22 03:12:01.123` without Foundation or the C library: the caller
/// supplies the UTC offset, the calendar arithmetic is here.
public enum WallClockText {
    /// The local date and time of `microseconds` since the epoch, to the millisecond.
    /// - Parameters:
    ///   - microseconds: Microseconds since the Unix epoch (`EventRecord.realtimeMicroseconds`).
    ///   - utcOffset: Local time minus UTC, in seconds, at that instant.
    public static func format(microseconds: Int64, utcOffset: Int) -> String {
        let (seconds, fraction) = floorDivide(microseconds, 1_000_000)
        let local = seconds + Int64(utcOffset)
        let (days, secondOfDay) = floorDivide(local, 86_400)
        let (year, month, day) = civil(daysSinceEpoch: days)
        return "\(year)-\(pad(month, 2))-\(pad(day, 2)) \(pad(secondOfDay / 3_600, 2)):"
            + "\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2)).\(pad(fraction / 1_000, 3))"
    }

    /// Year, month and day of the proleptic Gregorian calendar for a day count from 1970-01-01
    /// (Howard Hinnant's `civil_from_days`), valid far beyond any timestamp vigild will see.
    static func civil(daysSinceEpoch: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    /// Quotient and remainder rounded towards negative infinity, so instants before the epoch format correctly.
    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let quotient = value / divisor
        let remainder = value % divisor
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

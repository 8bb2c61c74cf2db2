#if canImport(Glibc)
import Glibc
#endif

extension RealtimeClock {
    /// Local time minus UTC, in seconds, at an instant, by the C library's time zone rules (`TZ`,
    /// `/etc/localtime`), daylight saving included.
    /// - Parameter epochSeconds: Seconds since the Unix epoch.
    public static func utcOffset(atEpochSeconds epochSeconds: Int64) -> Int {
        var time = time_t(epochSeconds)
        var local = tm()
        guard localtime_r(&time, &local) != nil else { return 0 }
        return Int(local.tm_gmtoff)
    }
}

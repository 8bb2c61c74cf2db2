#if canImport(Glibc)
import Glibc
#endif

/// Reads `CLOCK_REALTIME`: wall-clock time, for messages to other hosts and incarnation numbers, never for
/// measuring intervals (it steps when the clock is set).
public enum RealtimeClock {
    /// Nanoseconds since the Unix epoch.
    public static func nanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}

import VigilCore

#if canImport(Glibc)
import Glibc
#endif

extension MonotonicClock {
    /// Blocks the calling thread until `deadline` on `CLOCK_MONOTONIC`.
    ///
    /// Sleeping until an absolute deadline, rather than for an interval, is what keeps a periodic sender from
    /// drifting: the time spent working between sleeps does not add up.
    /// - Parameter deadline: When to wake; an instant in the past returns at once.
    public static func sleep(until deadline: MonotonicInstant) {
        var time = timespec(
            tv_sec: Int(deadline.nanoseconds / 1_000_000_000),
            tv_nsec: Int(deadline.nanoseconds % 1_000_000_000)
        )
        // clock_nanosleep returns the error instead of setting errno, so valueOrErrno does not fit; the only
        // error to retry is EINTR, and a signal does not move an absolute deadline.
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &time, nil) == EINTR {}
    }
}

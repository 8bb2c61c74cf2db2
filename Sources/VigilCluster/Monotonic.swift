import CLinux
import VigilCore

extension MonotonicInstant {
    /// The current `CLOCK_MONOTONIC` instant, the clock every instant in vigild is on.
    static func now() -> MonotonicInstant {
        MonotonicInstant(nanoseconds: vigil_monotonic_nsec())
    }
}

import CLinux
import VigilCore

/// Reads `CLOCK_MONOTONIC`, the clock every instant in `vigild` is on.
public enum MonotonicClock {
    /// The current instant.
    public static func now() -> MonotonicInstant {
        MonotonicInstant(nanoseconds: vigil_monotonic_nsec())
    }
}

import VigilCore

/// The host's pressure stall information, or why there is none.
public enum PressureSupport: Sendable, Equatable {
    /// `/proc/pressure` is there and readable.
    case supported(HostPressure)
    /// No PSI: a kernel built without `CONFIG_PSI`, or booted with `psi=0`. Pressure checks cannot run; this is a
    /// fact about the host to report once, not a failure to retry.
    case unsupported(reason: String)
}

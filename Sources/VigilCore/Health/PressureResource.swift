/// The resources pressure stall information is kept for; the raw value is the file name under `/proc/pressure`
/// and the prefix of a cgroup's `.pressure` file.
public enum PressureResource: String, Sendable, Equatable, CaseIterable {
    case cpu
    case memory
    case io
}

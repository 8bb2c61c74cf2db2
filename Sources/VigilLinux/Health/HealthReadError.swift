import VigilCore

/// Why a health source could not produce a value: the read failed, or the kernel's text did not parse.
public enum HealthReadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A system call failed (the file vanished, permission, …).
    case system(SystemError)
    /// The file was read but its text does not have the documented shape.
    case malformed(path: String, KernelTextError)
    /// The figure does not exist here (a controller not enabled, a kernel without PSI).
    case unavailable(String)

    /// The file or cgroup went away (see `SystemError.fileVanished`).
    public var fileVanished: Bool {
        if case .system(let error) = self {
            return error.fileVanished
        }
        return false
    }

    public var description: String {
        switch self {
        case .system(let error):
            return error.description
        case .malformed(let path, let error):
            return "\(path): \(error)"
        case .unavailable(let reason):
            return reason
        }
    }
}

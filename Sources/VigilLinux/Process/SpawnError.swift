import CLinux

#if canImport(Glibc)
import Glibc
#endif

/// A spawn that failed before the program ran, with the step that failed.
public struct SpawnError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `clone`, `join cgroup`, `chdir`, `setresuid`, `execve`…
    public var step: String
    /// The path the step was about (the executable for `execve`, the directory for `chdir`).
    public var subject: String
    public var errno: Int32

    public init(step: String, subject: String, errno: Int32) {
        self.step = step
        self.subject = subject
        self.errno = errno
    }

    init(code: Int32, error: Int32, spec: LaunchSpec) {
        switch code {
        case Int32(VIGIL_SPAWN_STEP_CLONE): self.init(step: "clone", subject: spec.path, errno: error)
        case Int32(VIGIL_SPAWN_STEP_STDIO): self.init(step: "dup2", subject: "stdio", errno: error)
        case Int32(VIGIL_SPAWN_STEP_PGROUP): self.init(step: "setpgid", subject: spec.path, errno: error)
        case Int32(VIGIL_SPAWN_STEP_CHDIR):
            self.init(step: "chdir", subject: spec.workingDirectory ?? "", errno: error)
        case Int32(VIGIL_SPAWN_STEP_GROUPS): self.init(step: "setgroups", subject: spec.path, errno: error)
        case Int32(VIGIL_SPAWN_STEP_GID): self.init(step: "setresgid", subject: spec.path, errno: error)
        case Int32(VIGIL_SPAWN_STEP_UID): self.init(step: "setresuid", subject: spec.path, errno: error)
        case Int32(VIGIL_SPAWN_STEP_CGROUP):
            self.init(step: "join cgroup", subject: spec.cgroupDirectory ?? "", errno: error)
        default: self.init(step: "execve", subject: spec.path, errno: error)
        }
    }

    public var description: String {
        "\(step) \(subject): \(String(cString: strerror(errno)))"
    }
}

/// How a supervised process ended, as `waitid` reports it.
public enum ExitStatus: Sendable, Equatable, CustomStringConvertible {
    /// It called `exit` with this status.
    case exited(code: Int32)
    /// A signal ended it; `coreDumped` when the kernel wrote a core.
    case killed(signal: Signal, coreDumped: Bool)
    /// A watched cgroup or VM (not vigild's child) died: its cgroup emptied, its main process was OOM-killed or
    /// exited. There is no exit status to report, only the cause.
    case lost(cause: String)

    /// Only `exit(0)` is a success; `on-failure` restarts everything else.
    public var isSuccess: Bool {
        self == .exited(code: 0)
    }

    /// `status 3`, `signal SIGKILL`, `signal SIGSEGV (core dumped)`.
    public var description: String {
        switch self {
        case .exited(let code):
            "status \(code)"
        case .killed(let signal, let coreDumped):
            "signal \(signal)" + (coreDumped ? " (core dumped)" : "")
        case .lost(let cause):
            cause
        }
    }

    /// The journal fields that classify the exit: `EXIT_STATUS`, or `SIGNAL` and `CORE_DUMPED`.
    public var fields: [String: String] {
        switch self {
        case .exited(let code):
            ["EXIT_STATUS": String(code)]
        case .killed(let signal, let coreDumped):
            ["SIGNAL": signal.description, "CORE_DUMPED": coreDumped ? "1" : "0"]
        case .lost(let cause):
            ["CAUSE": cause]
        }
    }
}

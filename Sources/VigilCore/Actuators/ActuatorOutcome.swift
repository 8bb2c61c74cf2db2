/// What became of an operation, reported once by the actuator. The engine feeds it to the policy state machine and
/// puts `output` and `detail` into the journal entry of the action.
public enum ActuatorOutcome: Sendable, Equatable, CustomStringConvertible {
    /// The operation did what was asked (a unit's job finished with `done`, a hook exited 0).
    case succeeded(ActuatorReport)
    /// The operation ran and did not work, with a reason a person can act on.
    case failed(reason: String, ActuatorReport)
    /// The operation did not finish within its time limit; what it was doing has been stopped (hook killed,
    /// systemd job cancelled).
    case timedOut(after: Duration, ActuatorReport)
    /// The caller cancelled the operation before it finished; its work has been stopped.
    case cancelled
    /// This actuator cannot perform the operation on this target (e.g. `revert` on a systemd unit).
    case unsupported(ActuatorOperation)

    /// Whether the operation succeeded.
    public var succeeded: Bool {
        if case .succeeded = self {
            return true
        }
        return false
    }

    /// What came with the outcome, if anything.
    public var report: ActuatorReport? {
        switch self {
        case .succeeded(let report), .failed(_, let report), .timedOut(_, let report): report
        case .cancelled, .unsupported: nil
        }
    }

    public var description: String {
        switch self {
        case .succeeded(let report): report.summary.map { "succeeded: \($0)" } ?? "succeeded"
        case .failed(let reason, _): "failed: \(reason)"
        case .timedOut(let after, _): "timed out after \(after.humanReadable)"
        case .cancelled: "cancelled"
        case .unsupported(let operation): "\(operation) is not supported"
        }
    }
}

/// The facts an actuator gathered while performing an operation.
public struct ActuatorReport: Sendable, Equatable {
    /// A short note, e.g. `job 42 done`, `did not shut down within 30s; destroyed`, `already running`.
    public var detail: String?
    /// The target's state as observed at the end of the operation, when the actuator looked.
    public var state: ActuatorTargetState?
    /// What a hook or tool wrote to stdout and stderr (interleaved, bounded), for the journal entry.
    public var output: CapturedOutput?
    /// The process an operation started (the process actuator's `start`), for the caller to watch.
    public var pid: Int32?
    /// The target already was where the operation takes it (a `start` of a running domain, a `stop` of one shut
    /// off): nothing was changed. A start that changed nothing found an instance it did not start.
    public var alreadyThere: Bool

    public init(
        detail: String? = nil,
        state: ActuatorTargetState? = nil,
        output: CapturedOutput? = nil,
        pid: Int32? = nil,
        alreadyThere: Bool = false
    ) {
        self.detail = detail
        self.state = state
        self.output = output
        self.pid = pid
        self.alreadyThere = alreadyThere
    }

    /// `detail`, then the state, for one-line messages.
    public var summary: String? {
        switch (detail, state) {
        case (let detail?, let state?): "\(detail); now \(state)"
        case (let detail?, nil): detail
        case (nil, let state?): "now \(state)"
        case (nil, nil): nil
        }
    }
}

/// The last bytes a command wrote to stdout and stderr (where errors usually are), and how many earlier bytes were
/// dropped to keep it bounded.
public struct CapturedOutput: Sendable, Equatable {
    /// The kept bytes as text (invalid UTF-8 repaired).
    public var text: String
    /// Bytes written before the kept ones and dropped.
    public var droppedBytes: Int

    public init(text: String, droppedBytes: Int = 0) {
        self.text = text
        self.droppedBytes = droppedBytes
    }

    /// Whether anything was dropped.
    public var truncated: Bool {
        droppedBytes > 0
    }
}

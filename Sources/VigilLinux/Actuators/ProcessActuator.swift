import CLinux
import Dispatch
import Synchronization
import VigilCore

#if canImport(Glibc)
import Glibc
#endif

/// vigild's own spawner behind the `Actuator` protocol: the built-in actuator of process targets.
///
/// - `start`: spawns the target's `exec` in a process group of its own (`ProcessLauncher`), its output
///   to the journal under the target's name when vigild logs there. The outcome's report carries the PID; the
///   caller takes the child (its pidfd, its start time) with `claim(_:)` and reaps it.
/// - `kill(sig)`: `sig` to the process group of the current process.
/// - `stop`, `revert`: unsupported. Stopping is the restart policy's: the stop signal through `kill`, then `SIGKILL`
///   after the target's `stop_timeout` (`RestartStateMachine`), so escalation exists in one place.
///
/// "Current" is the process this actuator last started, or one the caller hands it with `track(_:)` (a
/// process adopted after vigild restarted); `forget(_:)` once it is gone.
public final class ProcessActuator: Actuator {
    public static let name = ActuatorChoice.process
    public var name: String { Self.name }

    public let target: String
    public let stopSignal: VigilCore.Signal
    private let journalOutput: Bool
    private let context: ActuatorContext
    private let queue: DispatchQueue
    private let state: Mutex<State>

    private struct State {
        var launch: LaunchSpec
        var current: Int32?
        /// Children started and not yet claimed, with their pidfds.
        var unclaimed: [Int32: SpawnedProcess] = [:]
    }

    /// - Parameters:
    ///   - target: the target's name (errors, the journal identifier of its output).
    ///   - launch: what `start` runs.
    ///   - stopSignal: the target's stop signal, which the restart policy sends through `kill`.
    ///   - journalOutput: give the process a journal stream of its own for stdout and stderr.
    ///   - context: where outcomes go.
    public init(
        target: String,
        launch: LaunchSpec,
        stopSignal: VigilCore.Signal = .term,
        journalOutput: Bool,
        context: ActuatorContext
    ) {
        self.target = target
        self.stopSignal = stopSignal
        self.journalOutput = journalOutput
        self.context = context
        self.queue = DispatchQueue(label: "vigil.process.\(target)")
        self.state = Mutex(State(launch: launch))
    }

    deinit {
        // Children nobody claimed (their target went away meanwhile): close the pidfds; they are reaped by
        // whoever waits for them, or become zombies of vigild until it exits.
        state.withLock { state in
            for process in state.unclaimed.values {
                close(process.pidfd)
            }
            state.unclaimed = [:]
        }
    }

    /// Replaces what the next `start` runs (a reload's new settings, a launch with a new cgroup).
    public func update(launch: LaunchSpec) {
        state.withLock { $0.launch = launch }
    }

    /// Makes `pid` the current process (one adopted after vigild restarted).
    public func track(_ pid: Int32) {
        state.withLock { $0.current = pid }
    }

    /// `pid` is gone: no longer the current process, if it was.
    public func forget(_ pid: Int32) {
        state.withLock { state in
            if state.current == pid {
                state.current = nil
            }
        }
    }

    /// The PID this actuator signals now.
    public var current: Int32? {
        state.withLock { $0.current }
    }

    /// Takes ownership of a child `start` reported: its pidfd (to watch and reap it) and when it started.
    /// - Returns: `nil` when `pid` was not started by this actuator or was claimed before.
    public func claim(_ pid: Int32) -> SpawnedProcess? {
        state.withLock { $0.unclaimed.removeValue(forKey: pid) }
    }

    public func supports(_ operation: ActuatorOperation) -> Bool {
        switch operation {
        case .start, .kill: true
        case .stop, .revert, .reset, .promote, .demote: false
        }
    }

    public var completionQueue: DispatchQueue { context.completionQueue }

    public func run(_ operation: ActuatorOperation, timeout: Duration, done: ActuatorCompletion) -> ActuatorCancellation
    {
        queue.async { @Sendable in
            switch operation {
            case .start:
                done.deliver(self.spawn())
            case .kill(let signal):
                done.deliver(self.send(signal))
            case .stop, .revert, .reset, .promote, .demote:
                done.deliver(.unsupported(operation))
            }
        }
        return ActuatorCancellation { @Sendable in done.deliver(.cancelled) }
    }

    private func spawn() -> ActuatorOutcome {
        let launch = state.withLock { $0.launch }
        let stream = journalOutput ? JournalStream.openStream(identifier: target, priority: 6) : nil
        defer {
            if let stream {
                close(stream)
            }
        }
        do {
            let process = try ProcessLauncher.spawn(launch, stdout: stream ?? -1, stderr: stream ?? -1)
            state.withLock { state in
                state.current = process.pid
                state.unclaimed[process.pid] = process
            }
            return .succeeded(
                ActuatorReport(
                    detail: "pid \(process.pid)",
                    state: ActuatorTargetState(phase: .active, raw: "running"),
                    pid: process.pid
                )
            )
        } catch {
            return .failed(reason: error.description, ActuatorReport())
        }
    }

    private func send(_ signal: VigilCore.Signal) -> ActuatorOutcome {
        guard let pid = current else {
            return .failed(reason: "target \(target) has no process to send \(signal) to", ActuatorReport())
        }
        do {
            let reached = try ProcessLauncher.signalGroup(pid, signal)
            return .succeeded(
                ActuatorReport(
                    detail: reached ? "sent \(signal) to process group \(pid)" : "process group \(pid) is gone"
                )
            )
        } catch {
            return .failed(reason: "\(signal) to target \(target): \(error)", ActuatorReport())
        }
    }
}

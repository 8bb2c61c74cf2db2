import CLinux
import Dispatch
import VigilCore

#if canImport(Glibc)
import Glibc
#endif

/// Runs one `HookCommand` to its end, off the caller's queue: in a process group of its own (spawned with
/// `ProcessLauncher`, watched through its pidfd), with stdout and stderr captured together into a bounded buffer.
///
/// When the time limit passes the group gets `SIGTERM`, and `SIGKILL` after `killGrace`; a cancellation sends
/// `SIGKILL` at once. Either way the result comes after the hook was reaped, and `PidfdWatcher` kills whatever
/// is left in its group then, so nothing a hook started outlives it.
public final class HookRun: Sendable {
    /// How a run ended.
    public struct Result: Sendable, Equatable {
        public enum Ending: Sendable, Equatable {
            case finished
            case timedOut
            case cancelled
        }

        public var status: ExitStatus
        public var output: CapturedOutput
        public var ending: Ending
        public var elapsed: Duration
    }

    private struct State {
        var capture: OutputCapture
        var watcher: PidfdWatcher?
        var drain: PipeDrain?
        /// Set once the drain has read the pipe to its end (or was stopped) and handed over its last chunk.
        var drained = false
        /// The hook's exit, once reaped; the result waits for the drain too.
        var exit: PidfdWatcher.Exit?
        var timers: [any DispatchSourceTimer] = []
        var pid: Int32 = 0
        var ending = Result.Ending.finished
        var exited = false
    }

    private let queue: DispatchQueue
    private let state: QueueConfined<State>

    private init(queue: DispatchQueue, outputLimit: Int) {
        self.queue = queue
        state = QueueConfined(State(capture: OutputCapture(limit: outputLimit)), queue: queue)
    }

    /// Starts `command`.
    /// - Parameters:
    ///   - command: what to run.
    ///   - timeout: when to send `SIGTERM` to the hook's process group.
    ///   - killGrace: how long after `SIGTERM` to send `SIGKILL`.
    ///   - outputLimit: how many bytes of output to keep (the last ones).
    ///   - completion: called once, on an internal queue, with the result or the spawn error.
    /// - Returns: a cancellation that kills the hook's process group.
    public static func start(
        _ command: HookCommand,
        timeout: Duration,
        killGrace: Duration = .seconds(2),
        outputLimit: Int = 64 * 1024,
        completion: @escaping @Sendable (Swift.Result<Result, SpawnError>) -> Void
    ) -> ActuatorCancellation {
        let run = HookRun(queue: DispatchQueue(label: "vigil.hook"), outputLimit: outputLimit)
        run.queue.async { @Sendable in
            run.launch(command, timeout: timeout, killGrace: killGrace, completion: completion)
        }
        return ActuatorCancellation { @Sendable in
            run.queue.async { @Sendable in run.stop(.cancelled, signal: .kill) }
        }
    }

    private func launch(
        _ command: HookCommand,
        timeout: Duration,
        killGrace: Duration,
        completion: @escaping @Sendable (Swift.Result<Result, SpawnError>) -> Void
    ) {
        // A run cancelled before it was launched never starts its program.
        if state.value.ending == .cancelled {
            completion(
                .success(
                    Result(
                        status: .killed(signal: .kill, coreDumped: false),
                        output: CapturedOutput(text: ""),
                        ending: .cancelled,
                        elapsed: .zero
                    )
                )
            )
            return
        }
        var fds: [Int32] = [-1, -1]
        // Only vigild's end is non-blocking: a hook writing faster than vigild reads must wait, not fail with EAGAIN.
        let piped = vigil_pipe2(&fds, O_CLOEXEC)
        guard piped == 0 else {
            completion(.failure(SpawnError(step: "pipe2", subject: command.arguments[0], errno: -piped)))
            return
        }
        let spec = LaunchSpec(
            path: command.arguments[0],
            arguments: command.arguments,
            environment: command.environment,
            workingDirectory: command.workingDirectory
        )
        let process: SpawnedProcess
        do {
            process = try ProcessLauncher.spawn(spec, stdout: fds[1], stderr: fds[1])
        } catch {
            close(fds[0])
            close(fds[1])
            completion(.failure(error))
            return
        }
        close(fds[1])
        let state = state
        let queue = queue
        state.value.pid = process.pid
        state.value.drain = PipeDrain(
            fd: fds[0],
            onData: { @Sendable chunk in
                let bytes = [UInt8](chunk)
                queue.async { @Sendable in bytes.withUnsafeBytes { state.value.capture.append($0) } }
            },
            onEnd: { @Sendable in
                queue.async { @Sendable in
                    state.value.drained = true
                    Self.finish(state, startedAt: process.startedAt, completion)
                }
            }
        )
        state.value.watcher = PidfdWatcher(process: process, queue: queue) { @Sendable exit in
            state.value.exited = true
            state.value.exit = exit
            for timer in state.value.timers {
                timer.cancel()
            }
            state.value.timers = []
            state.value.watcher = nil
            // What the hook wrote before it ended is in the pipe; anything that escaped its group and still holds
            // the pipe open is not waited for.
            state.value.drain?.stop()
            Self.finish(state, startedAt: process.startedAt, completion)
        }
        schedule(after: timeout) { run in
            run.stop(.timedOut, signal: .term)
            run.schedule(after: killGrace) { run in run.stop(.timedOut, signal: .kill) }
        }
    }

    private func schedule(after delay: Duration, _ body: @escaping @Sendable (HookRun) -> Void) {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + DispatchTimeInterval(delay))
        timer.setEventHandler { @Sendable [self] in body(self) }
        state.value.timers.append(timer)
        timer.activate()
    }

    /// Signals the hook's group; the result follows when the watcher reaps it.
    private func stop(_ ending: Result.Ending, signal: VigilCore.Signal) {
        guard !state.value.exited else { return }
        if state.value.ending == .finished {
            state.value.ending = ending
        }
        // Until reaped the leader is a zombie at worst, so its PID (the group id) cannot have been reused.
        if state.value.pid > 0 {
            _ = try? ProcessLauncher.signalGroup(state.value.pid, signal)
        }
    }

    /// Reports the result once the hook was reaped and its output read to the end.
    private static func finish(
        _ state: QueueConfined<State>,
        startedAt: MonotonicInstant,
        _ completion: @Sendable (Swift.Result<Result, SpawnError>) -> Void
    ) {
        guard state.value.drained, let exit = state.value.exit, state.value.drain != nil else { return }
        state.value.drain = nil
        completion(
            .success(
                Result(
                    status: exit.status,
                    output: state.value.capture.captured,
                    ending: state.value.ending,
                    elapsed: exit.noticedAt - startedAt
                )
            )
        )
    }
}

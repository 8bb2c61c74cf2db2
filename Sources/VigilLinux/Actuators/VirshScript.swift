import Dispatch
import VigilCore

/// One libvirt operation in progress: a short sequence of `virsh` invocations (e.g. `shutdown`, `domstate`…,
/// `destroy`), each given what is left of the operation's time limit. All state lives on a private serial queue.
final class VirshScript: Sendable {
    /// How one invocation ended.
    enum Step: Sendable {
        case finished(ExitStatus, CapturedOutput)
        case timedOut(CapturedOutput)
        case spawnFailed(SpawnError)
    }

    private struct State {
        var current: ActuatorCancellation?
        var cancelled = false
        var timers: [any DispatchSourceTimer] = []
    }

    private let actuator: LibvirtActuator
    private let timeout: Duration
    private let deadline: MonotonicInstant
    private let done: ActuatorCompletion
    private let queue = DispatchQueue(label: "vigil.libvirt")
    private let state: QueueConfined<State>

    init(actuator: LibvirtActuator, timeout: Duration, done: ActuatorCompletion) {
        self.actuator = actuator
        self.timeout = timeout
        self.deadline = MonotonicClock.now() + timeout
        self.done = done
        state = QueueConfined(State(), queue: queue)
    }

    func begin(_ operation: ActuatorOperation) {
        let domain = actuator.domain
        queue.async { @Sendable [self] in
            switch operation {
            case .start:
                run(["start", domain]) { [self] output in
                    observe("started")
                } failed: { [self] reason in
                    // Running, or paused (a hot standby kept so, found by a restarted vigild): `start` says "Domain
                    // is already active" for both, and both are there.
                    whenState(
                        { $0.phase == .active || $0.phase == .suspended },
                        then: { $0.phase == .suspended ? "already paused" : "already running" },
                        else: reason
                    )
                }
            case .stop:
                run(["shutdown", domain]) { [self] _ in
                    let window = min(actuator.shutdownTimeout, timeout / 2)
                    waitUntilDown(until: MonotonicClock.now() + window, window: window)
                } failed: { [self] reason in
                    whenState({ $0.isDown }, then: "already shut off", else: reason)
                }
            case .kill(let signal) where signal == .term:
                destroy(["destroy", "--graceful", domain], detail: "destroyed gracefully")
            case .kill:
                destroy(["destroy", domain], detail: "destroyed")
            case .revert(let snapshot):
                run(["snapshot-revert", domain, snapshot ?? "--current", "--running"]) { [self] _ in
                    observe("reverted to snapshot \(snapshot ?? "current")")
                }
            case .reset:
                run(["reset", domain]) { [self] _ in
                    observe("reset")
                }
            case .promote:
                run(["resume", domain]) { [self] _ in
                    observe("resumed")
                } failed: { [self] reason in
                    whenState({ $0.phase == .active }, then: "already running", else: reason)
                }
            case .demote:
                run(["suspend", domain]) { [self] _ in
                    observe("paused")
                } failed: { [self] reason in
                    whenState({ $0.phase == .suspended }, then: "already paused", else: reason)
                }
            }
        }
    }

    func cancel() {
        queue.async { @Sendable [self] in
            state.value.cancelled = true
            state.value.current?.cancel()
            for timer in state.value.timers {
                timer.cancel()
            }
            done.deliver(.cancelled)
        }
    }

    /// Polls `domstate` until the guest has shut off; destroys it when `until` passes.
    private func waitUntilDown(until: MonotonicInstant, window: Duration) {
        run(["domstate", actuator.domain]) { [self] output in
            let observed = ActuatorTargetState(libvirtDomainState: output.text)
            if observed.isDown {
                done.deliver(.succeeded(ActuatorReport(detail: "shut down by the guest", state: observed)))
            } else if MonotonicClock.now() >= until {
                destroy(
                    ["destroy", actuator.domain],
                    detail: "did not shut down within \(window.humanReadable) (still \(observed)); destroyed"
                )
            } else {
                after(.milliseconds(250)) { [self] in waitUntilDown(until: until, window: window) }
            }
        }
    }

    private func destroy(_ arguments: [String], detail: String) {
        run(arguments) { [self] _ in
            // virDomainDestroy returns once the hypervisor's process is gone: the domain is down.
            done.deliver(
                .succeeded(
                    ActuatorReport(detail: detail, state: ActuatorTargetState(phase: .inactive, raw: "shut off"))
                )
            )
        } failed: { [self] reason in
            whenState({ $0.isDown }, then: "already shut off", else: reason)
        }
    }

    /// Reports success with the domain's state after the change.
    private func observe(_ detail: String) {
        run(["domstate", actuator.domain]) { [self] output in
            done.deliver(
                .succeeded(ActuatorReport(detail: detail, state: ActuatorTargetState(libvirtDomainState: output.text)))
            )
        } failed: { [self] _ in
            done.deliver(.succeeded(ActuatorReport(detail: detail)))
        }
    }

    /// After a command failed: success when the domain is already where it was meant to go, else the failure.
    private func whenState(
        _ reached: @escaping @Sendable (ActuatorTargetState) -> Bool,
        then detail: String,
        else reason: String
    ) {
        whenState(reached, then: { _ in detail }, else: reason)
    }

    /// The same, the success's detail said from the state found.
    private func whenState(
        _ reached: @escaping @Sendable (ActuatorTargetState) -> Bool,
        then detail: @escaping @Sendable (ActuatorTargetState) -> String,
        else reason: String
    ) {
        run(["domstate", actuator.domain]) { [self] output in
            let observed = ActuatorTargetState(libvirtDomainState: output.text)
            if reached(observed) {
                done.deliver(.succeeded(ActuatorReport(detail: detail(observed), state: observed, alreadyThere: true)))
            } else {
                done.deliver(.failed(reason: reason, ActuatorReport(state: observed)))
            }
        } failed: { [self] _ in
            done.deliver(.failed(reason: reason, ActuatorReport()))
        }
    }

    /// Runs `virsh -c URI arguments` with the time left; `succeeded` gets its output, `failed` a reason (by default
    /// the operation fails with it). Time running out or a cancellation ends the operation here.
    private func run(
        _ arguments: [String],
        succeeded: @escaping @Sendable (CapturedOutput) -> Void,
        failed: (@Sendable (String) -> Void)? = nil
    ) {
        guard !state.value.cancelled else { return }
        let left = deadline - MonotonicClock.now()
        guard left > .zero else {
            done.deliver(.timedOut(after: timeout, ActuatorReport(detail: "no time left for virsh \(arguments[0])")))
            return
        }
        let command = actuator.command(arguments)
        let what = "virsh -c \(actuator.uri) \(arguments.joined(separator: " "))"
        let failed = failed ?? { [done] reason in done.deliver(.failed(reason: reason, ActuatorReport())) }
        state.value.current = HookRun.start(command, timeout: left, killGrace: .milliseconds(500)) {
            @Sendable [self] result in
            queue.async { @Sendable [self] in
                guard !state.value.cancelled else { return }
                switch result {
                case .failure(let error):
                    done.deliver(.failed(reason: "\(what) could not be started: \(error)", ActuatorReport()))
                case .success(let run) where run.ending != .finished:
                    done.deliver(
                        .timedOut(
                            after: timeout,
                            ActuatorReport(detail: "\(what) was still running", output: run.output)
                        )
                    )
                case .success(let run) where run.status.isSuccess:
                    succeeded(run.output)
                case .success(let run):
                    failed("\(what): \(Self.reason(run.output, status: run.status))")
                }
            }
        }
    }

    private func after(_ delay: Duration, _ body: @escaping @Sendable () -> Void) {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + DispatchTimeInterval(delay))
        timer.setEventHandler { @Sendable in body() }
        state.value.timers.append(timer)
        timer.activate()
    }

    /// virsh's `error:` lines, or the exit status when it printed none.
    static func reason(_ output: CapturedOutput, status: ExitStatus) -> String {
        let errors = output.text.split(separator: "\n")
            .filter { $0.hasPrefix("error: ") }
            .map { $0.dropFirst("error: ".count) }
        return errors.isEmpty ? "ended with \(status)" : errors.joined(separator: "; ")
    }
}

import Dispatch
import VigilCore

/// One systemd operation in progress on a `SystemdBus`: a job-creating call (`StartUnit`…) and the wait for its
/// `JobRemoved`, or a `KillUnit`; then the unit's state.
///
/// When a start runs out of time or is cancelled, the unit is stopped (`StopUnit`, mode `replace`,
/// which also replaces the pending job): cancelling the job alone would leave the unit activating, and it could
/// come up later behind vigild's back. A stop that runs out of time is left to systemd, which escalates
/// to `SIGKILL` by the unit's own `TimeoutStopSec=`; undoing a stop is never what recovery wants.
final class SystemdJobRun: Sendable {
    private struct State {
        var job: String?
        var starts = false
        var timer: (any DispatchSourceTimer)?
        var closeToken: UInt64?
    }

    private let bus: SystemdBus
    private let unit: String
    private let timeout: Duration
    private let done: ActuatorCompletion
    private let state: QueueConfined<State>

    init(bus: SystemdBus, unit: String, timeout: Duration, done: ActuatorCompletion) {
        self.bus = bus
        self.unit = unit
        self.timeout = timeout
        self.done = done
        state = QueueConfined(State(), queue: bus.queue)
    }

    func begin(_ operation: ActuatorOperation) {
        begin(named: "\(operation)") { [self] in
            switch operation {
            case .start: job("StartUnit")
            case .stop: job("StopUnit")
            case .kill(let signal): kill(signal, whom: "all")
            case .revert, .reset, .promote, .demote: finish(.unsupported(operation))
            }
        }
    }

    /// `KillUnit` of `signal` to the unit's main process alone (`whom` = `main`), as a hot standby unit's
    /// `promote_signal` is sent.
    func beginSignalToMain(_ signal: VigilCore.Signal) {
        begin(named: "signal \(signal) to the main process") { [self] in kill(signal, whom: "main") }
    }

    private func begin(named operation: String, _ work: @escaping @Sendable () -> Void) {
        bus.queue.async { @Sendable [self] in
            state.value.closeToken = bus.onClose { @Sendable [self] error in
                finish(.failed(reason: "\(operation) \(unit): \(error)", ActuatorReport()))
            }
            if let error = bus.prepareManager() {
                return finish(.failed(reason: "\(operation) \(unit): \(error)", ActuatorReport()))
            }
            let timer = DispatchSource.makeTimerSource(queue: bus.queue)
            timer.schedule(deadline: .now() + DispatchTimeInterval(timeout))
            timer.setEventHandler { @Sendable [self] in
                let job = state.value.job
                let detail = job.map { "job \($0) still running" } ?? "no answer from systemd"
                finish(.timedOut(after: timeout, ActuatorReport(detail: detail)))
            }
            state.value.timer = timer
            timer.activate()
            work()
        }
    }

    func cancel() {
        bus.queue.async { @Sendable [self] in finish(.cancelled) }
    }

    /// Reports (once) and stops whatever is left: the timer, and a job still in systemd's queue.
    private func finish(_ outcome: ActuatorOutcome) {
        guard done.deliver(outcome) else { return }
        state.value.timer?.cancel()
        state.value.timer = nil
        if let token = state.value.closeToken {
            bus.removeCloseHandler(token)
        }
        if let job = state.value.job {
            abandon(job)
        }
    }

    /// Stops waiting for `job`; a start is undone by stopping the unit.
    private func abandon(_ job: String) {
        bus.forgetJob(job)
        state.value.job = nil
        if state.value.starts {
            bus.call("StopUnit", arguments: [.string(unit), .string("replace")], timeout: timeout) { _ in }
        }
    }

    private func job(_ method: String) {
        state.value.starts = method != "StopUnit"
        bus.jobCall(started: true)
        let error = bus.call(method, arguments: [.string(unit), .string("replace")], timeout: timeout) { [self] reply in
            defer { bus.jobCall(started: false) }
            if let error = reply.error {
                return finish(.failed(reason: "\(method) \(unit): \(error.message)", ActuatorReport()))
            }
            guard let job = reply.readString(BusType.objectPath) else {
                return finish(.failed(reason: "\(method) \(unit): the reply carried no job", ActuatorReport()))
            }
            // Timed out or cancelled while the call was on its way: the job must not run on.
            guard !done.isDone else { return abandon(job) }
            state.value.job = job
            bus.waitForJob(job) { [self] result in
                state.value.job = nil
                let number = job.split(separator: "/").last.map(String.init) ?? job
                switch result {
                case "done":
                    observe("job \(number) done")
                default:
                    let hint = result == "failed" ? " (see journalctl -u \(unit))" : ""
                    finish(
                        .failed(
                            reason: "\(method) \(unit): job \(number) ended with \"\(result)\"\(hint)",
                            ActuatorReport()
                        )
                    )
                }
            }
        }
        if let error {
            bus.jobCall(started: false)
            finish(.failed(reason: "\(method) \(unit): \(error)", ActuatorReport()))
        }
    }

    /// `KillUnit` to `whom`: `all` of the unit's processes, or its `main` process.
    private func kill(_ signal: VigilCore.Signal, whom: String) {
        let arguments: [BusArgument] = [.string(unit), .string(whom), .int32(signal.number)]
        let error = bus.call("KillUnit", arguments: arguments, timeout: timeout) { [self] reply in
            if let error = reply.error {
                return finish(.failed(reason: "KillUnit \(unit) \(signal): \(error.message)", ActuatorReport()))
            }
            observe("sent \(signal) to \(whom == "main" ? "the main process" : "every process") of \(unit)")
        }
        if let error {
            finish(.failed(reason: "KillUnit \(unit): \(error)", ActuatorReport()))
        }
    }

    /// Reads the unit's state and reports it with `detail`, what was done; the work succeeded even when the state
    /// cannot be read.
    private func observe(_ detail: String) {
        let error = bus.readUnitState(unit, timeout: timeout) { [self] result in
            switch result {
            case .success(let observed):
                finish(.succeeded(ActuatorReport(detail: detail, state: observed)))
            case .failure(let error):
                finish(.succeeded(ActuatorReport(detail: "\(detail); state unknown: \(error)")))
            }
        }
        if let error {
            finish(.failed(reason: error.description, ActuatorReport(detail: detail)))
        }
    }
}

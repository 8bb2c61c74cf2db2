import Dispatch
import VigilCore

/// Drives a systemd unit over D-Bus (sd-bus, never `systemctl`): `start` is `StartUnit`, `stop` is `StopUnit`
/// (both in mode `replace`, each waiting for its job's `JobRemoved`), `kill(sig)` is `KillUnit` to all of the
/// unit's processes; each reports the unit's `ActiveState` and `SubState` afterwards. `revert` is unsupported.
///
/// A job that ends other than `done` (`failed`, `canceled`, `dependency`, `timeout`) is a failure naming the
/// result. A start that runs out of time or is cancelled stops the unit again (see `SystemdJobRun`).
/// Settings: `unit` (required). Every systemd target shares the context's one bus connection.
public struct SystemdActuator: Actuator {
    public static let name = "systemd"
    public var name: String { Self.name }

    public let target: String
    public let unit: String
    private let context: ActuatorContext

    public init(target: String, unit: String, context: ActuatorContext) {
        self.target = target
        self.unit = unit
        self.context = context
    }

    /// The registry's factory.
    /// - Throws: `ActuatorSettingsError` without a `unit` that has a unit suffix.
    public static func make(
        _ settings: ActuatorSettings,
        _ context: ActuatorContext
    ) throws(ActuatorSettingsError) -> any Actuator {
        try settings.requireOnly(["unit"], actuator: name)
        let unit = try settings.string("unit", required: true) ?? ""
        let suffixes = [".service", ".socket", ".target", ".mount", ".timer", ".path", ".scope", ".slice", ".swap"]
        guard suffixes.contains(where: { unit.hasSuffix($0) && unit.count > $0.count }) else {
            throw ActuatorSettingsError(
                target: settings.target,
                key: "unit",
                message: "\"\(unit)\" is not a unit name (e.g. \"nginx.service\")"
            )
        }
        return SystemdActuator(target: settings.target, unit: unit, context: context)
    }

    public func supports(_ operation: ActuatorOperation) -> Bool {
        switch operation {
        case .revert, .reset, .promote, .demote: false
        case .start, .stop, .kill: true
        }
    }

    public var completionQueue: DispatchQueue { context.completionQueue }

    public func run(_ operation: ActuatorOperation, timeout: Duration, done: ActuatorCompletion) -> ActuatorCancellation
    {
        let bus: SystemdBus
        do {
            bus = try context.systemdBus()
        } catch {
            done.deliver(.failed(reason: "\(operation) \(unit): \(error)", ActuatorReport()))
            return .none
        }
        let run = SystemdJobRun(bus: bus, unit: unit, timeout: timeout, done: done)
        run.begin(operation)
        return ActuatorCancellation { @Sendable in run.cancel() }
    }

    /// Sends `signal` to the unit's main process alone (`KillUnit` with `main`): a hot standby unit's
    /// `promote_signal`.
    /// - Parameters:
    ///   - timeout: how long the call may take.
    ///   - completion: called once with the outcome, on the context's completion queue.
    /// - Returns: a handle whose `cancel()` gives up waiting.
    @discardableResult
    public func signalMainProcess(
        _ signal: VigilCore.Signal,
        timeout: Duration,
        completion: @escaping @Sendable (ActuatorOutcome) -> Void
    ) -> ActuatorCancellation {
        let done = ActuatorCompletion(queue: completionQueue, handler: completion)
        let bus: SystemdBus
        do {
            bus = try context.systemdBus()
        } catch {
            done.deliver(.failed(reason: "signal \(signal) to \(unit): \(error)", ActuatorReport()))
            return .none
        }
        let run = SystemdJobRun(bus: bus, unit: unit, timeout: timeout, done: done)
        run.beginSignalToMain(signal)
        return ActuatorCancellation { @Sendable in run.cancel() }
    }

    /// Gives the unit the role it starts in next (hot standby): writes `text` (`UnitRoleDropIn`) as the runtime
    /// drop-in at `path` unless it already holds exactly that, and then has systemd reload its unit files
    /// (`Reload`, whose reply comes once the reload is done), so that the next `StartUnit` runs the unit with it.
    /// A running instance is not affected.
    /// - Parameters:
    ///   - timeout: how long the reload may take.
    ///   - completion: called once on the context's completion queue: whether the drop-in changed, or why it could
    ///     not be written or loaded.
    public func writeDropIn(
        _ text: String,
        at path: String,
        timeout: Duration,
        completion: @escaping @Sendable (Result<Bool, SystemdBusError>) -> Void
    ) {
        onBus(completion) { bus, deliver in
            if (try? FileText.read(path)) == text {
                return deliver(.success(false))
            }
            do {
                Directories.createParents(of: path)
                try TextfileWriter(path: path).write(text)
            } catch {
                return deliver(.failure(SystemdBusError(call: "write drop-in", subject: path, message: "\(error)")))
            }
            let sent = bus.call("Reload", timeout: timeout) { reply in
                if let error = reply.error {
                    deliver(
                        .failure(
                            SystemdBusError(call: "Reload", subject: path, name: error.name, message: error.message)
                        )
                    )
                } else {
                    deliver(.success(true))
                }
            }
            if let sent {
                deliver(.failure(sent))
            }
        }
    }

    /// Reads the service unit's `MainPID` (0: no main process; in the PID namespace of the systemd on the bus).
    /// - Parameters:
    ///   - timeout: how long the bus call may take.
    ///   - completion: called once on the context's completion queue.
    public func mainPID(
        timeout: Duration = .seconds(5),
        completion: @escaping @Sendable (Result<Int32, SystemdBusError>) -> Void
    ) {
        let unit = unit
        onBus(completion) { bus, deliver in
            if let error = bus.readMainPID(unit, timeout: timeout, completion: { deliver($0) }) {
                deliver(.failure(error))
            }
        }
    }

    /// Runs `work` on the bus's queue with the context's bus and a `deliver` that hands its result to `completion`
    /// on the completion queue; a bus that cannot be reached is the result at once.
    private func onBus<Value: Sendable>(
        _ completion: @escaping @Sendable (Result<Value, SystemdBusError>) -> Void,
        _ work: @escaping @Sendable (SystemdBus, @escaping @Sendable (Result<Value, SystemdBusError>) -> Void) -> Void
    ) {
        let queue = context.completionQueue
        let deliver: @Sendable (Result<Value, SystemdBusError>) -> Void = { @Sendable result in
            queue.async { @Sendable in completion(result) }
        }
        let bus: SystemdBus
        do {
            bus = try context.systemdBus()
        } catch {
            return deliver(.failure(error))
        }
        bus.queue.async { @Sendable in work(bus, deliver) }
    }

    /// Watches the unit's `ActiveState`/`SubState` on the context's bus (see `SystemdUnitWatcher`).
    /// - Throws: `SystemdBusError` when the bus cannot be reached.
    public func watch(
        queue: DispatchQueue,
        handler: @escaping @Sendable (SystemdUnitWatcher.Event) -> Void
    ) throws(SystemdBusError) -> SystemdUnitWatcher {
        SystemdUnitWatcher(bus: try context.systemdBus(), unit: unit, queue: queue, handler: handler)
    }
}

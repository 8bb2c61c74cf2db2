import Dispatch
import VigilCore

/// Runs operator-supplied programs (hooks) as a target's operations: starting and stopping a daemon that has its
/// own tooling.
///
/// Settings: one argv per operation (`start`, `stop`, `kill`, `revert`), and/or `command`, an argv used for every
/// operation without its own; `env` (`["NAME=value"]`) added to the hooks' environment; `cwd`; `kill_grace`
/// (default 2s), the time between `SIGTERM` and `SIGKILL` when a hook overruns. Programs named without a slash are
/// looked up in `PATH` when the actuator is built.
///
/// A hook sees `VIGIL_TARGET`, `VIGIL_OPERATION` (`start`, `kill`…), `VIGIL_TIMEOUT_USEC`, and for `kill`
/// `VIGIL_SIGNAL` (`SIGTERM`), for `revert` `VIGIL_SNAPSHOT` (empty for the latest), and for a cluster resource
/// `VIGIL_FENCING_TOKEN`. Exit status 0 is success,
/// anything else a failure. The hook's stdout and stderr (the last 64 KiB) come back in the outcome's report.
public struct ExecActuator: Actuator {
    public static let name = "exec"
    public var name: String { Self.name }

    public let target: String
    /// Resolved argv per operation name.
    public let hooks: [String: [String]]
    /// Resolved argv for operations without their own hook.
    public let command: [String]?
    public let environment: [String: String]
    public let workingDirectory: String?
    public let killGrace: Duration
    private let context: ActuatorContext

    /// - Parameters:
    ///   - target: the target's name (`VIGIL_TARGET`).
    ///   - hooks: argv per operation name; `arguments[0]` absolute.
    ///   - command: argv for the others.
    ///   - environment: the complete base environment of hooks (the `VIGIL_*` variables are added).
    ///   - killGrace: `SIGTERM` to `SIGKILL`.
    ///   - context: where outcomes go.
    public init(
        target: String,
        hooks: [String: [String]],
        command: [String]? = nil,
        environment: [String: String],
        workingDirectory: String? = nil,
        killGrace: Duration = .seconds(2),
        context: ActuatorContext
    ) {
        self.target = target
        self.hooks = hooks
        self.command = command
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.killGrace = killGrace
        self.context = context
    }

    /// The registry's factory.
    /// - Throws: `ActuatorSettingsError` for unknown keys, empty argvs, programs not found, bad `env` entries.
    public static func make(
        _ settings: ActuatorSettings,
        _ context: ActuatorContext
    ) throws(ActuatorSettingsError) -> any Actuator {
        try settings.requireOnly(
            Set(ActuatorOperation.hookNames + ["command", "env", "cwd", "kill_grace"]),
            actuator: name
        )
        var environment = context.environment
        for entry in try settings.strings("env") ?? [] {
            guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex else {
                throw ActuatorSettingsError(
                    target: settings.target,
                    key: "env",
                    message: "\"\(entry)\" is not NAME=value"
                )
            }
            environment[String(entry[..<equals])] = String(entry[entry.index(after: equals)...])
        }
        let path = environment["PATH"] ?? context.searchPath
        func resolved(_ key: String) throws(ActuatorSettingsError) -> [String]? {
            guard var argv = try settings.strings(key) else { return nil }
            guard let program = HookCommand.resolve(argv[0], path: path) else {
                throw ActuatorSettingsError(
                    target: settings.target,
                    key: key,
                    message: "\"\(argv[0])\" is not an executable file (absolute, or found in PATH \(path))"
                )
            }
            argv[0] = program
            return argv
        }
        var hooks: [String: [String]] = [:]
        for operation in ActuatorOperation.hookNames {
            hooks[operation] = try resolved(operation)
        }
        let command = try resolved("command")
        if hooks.isEmpty && command == nil {
            throw ActuatorSettingsError(
                target: settings.target,
                key: "command",
                message:
                    "the exec actuator needs `command` or a hook per operation (\(ActuatorOperation.hookNames.joined(separator: ", ")))"
            )
        }
        return ExecActuator(
            target: settings.target,
            hooks: hooks,
            command: command,
            environment: environment,
            workingDirectory: try settings.string("cwd"),
            killGrace: try settings.duration("kill_grace") ?? .seconds(2),
            context: context
        )
    }

    public func supports(_ operation: ActuatorOperation) -> Bool {
        ActuatorOperation.hookNames.contains(operation.name) && (hooks[operation.name] != nil || command != nil)
    }

    /// The hook's environment for `operation`.
    func hookEnvironment(_ operation: ActuatorOperation, timeout: Duration) -> [String] {
        var variables = environment
        variables["VIGIL_TARGET"] = target
        variables["VIGIL_OPERATION"] = operation.name
        variables["VIGIL_TIMEOUT_USEC"] = String(timeout.microseconds)
        // A cluster resource's hooks act for its ownership: they present its fencing token on what they write.
        if let token = context.fencingTokens[target] {
            variables["VIGIL_FENCING_TOKEN"] = String(token)
        }
        switch operation {
        case .kill(let signal): variables["VIGIL_SIGNAL"] = signal.description
        case .revert(let snapshot): variables["VIGIL_SNAPSHOT"] = snapshot ?? ""
        default: break
        }
        return variables.map { "\($0.key)=\($0.value)" }.sorted()
    }

    public var completionQueue: DispatchQueue { context.completionQueue }

    public func run(_ operation: ActuatorOperation, timeout: Duration, done: ActuatorCompletion) -> ActuatorCancellation
    {
        guard let argv = hooks[operation.name] ?? command else {
            done.deliver(.unsupported(operation))
            return .none
        }
        let hook = HookCommand(
            arguments: argv,
            environment: hookEnvironment(operation, timeout: timeout),
            workingDirectory: workingDirectory
        )
        return HookRun.start(hook, timeout: timeout, killGrace: killGrace) { @Sendable result in
            done.deliver(Self.outcome(of: result, hook: argv[0], timeout: timeout))
        }
    }

    /// Turns a hook's end into an outcome.
    static func outcome(
        of result: Result<HookRun.Result, SpawnError>,
        hook: String,
        timeout: Duration
    ) -> ActuatorOutcome {
        let run: HookRun.Result
        switch result {
        case .failure(let error):
            return .failed(reason: "hook \(hook) could not be started: \(error)", ActuatorReport())
        case .success(let value):
            run = value
        }
        let report = ActuatorReport(detail: "\(hook) ended with \(run.status)", output: run.output)
        switch run.ending {
        case .cancelled:
            return .cancelled
        case .timedOut:
            return .timedOut(after: timeout, report)
        case .finished:
            break
        }
        if run.status.isSuccess {
            return .succeeded(report)
        }
        return .failed(reason: "hook \(hook) ended with \(run.status)", report)
    }
}

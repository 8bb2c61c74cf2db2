import Dispatch
import VigilCore

/// Drives a libvirt domain with `virsh -c URI` (so it works with any driver, the test driver included), each
/// invocation run by `HookRun` within what is left of the operation's time limit.
///
/// - `start`: `start`; a domain already running (or paused) counts as started.
/// - `stop`: `shutdown` (the guest is asked, e.g. by ACPI), then `domstate` every 250 ms until it is shut off,
///   for `shutdown_timeout` (default 30s, at most half the operation's limit); a guest still running then is
///   `destroy`ed. A domain already shut off counts as stopped.
/// - `kill(SIGKILL)`: `destroy`, which returns once the hypervisor process is gone;
///   `kill(SIGTERM)`: `destroy --graceful`. Other signals are unsupported.
/// - `revert(name)`: `snapshot-revert DOMAIN NAME --running`; `revert(nil)`: `--current`, the latest snapshot.
/// - `reset`: `reset` (the guest reboots at once, in the same QEMU process; no shutdown, no new process).
/// - `promote`: `resume` (a hot standby domain is kept paused); a domain already running counts as promoted.
/// - `demote`: `suspend`, which keeps a started standby domain paused; one already paused counts as demoted.
///
/// Settings: `domain` (required), `uri` (default `qemu:///system`), `virsh` (default `virsh` in `PATH`),
/// `shutdown_timeout`.
public struct LibvirtActuator: Actuator {
    public static let name = "libvirt"
    public var name: String { Self.name }

    public let target: String
    public let domain: String
    public let uri: String
    /// Absolute path of `virsh`.
    public let virsh: String
    public let shutdownTimeout: Duration
    let environment: [String]
    let context: ActuatorContext

    public init(
        target: String,
        domain: String,
        uri: String = "qemu:///system",
        virsh: String,
        shutdownTimeout: Duration = .seconds(30),
        context: ActuatorContext
    ) {
        self.target = target
        self.domain = domain
        self.uri = uri
        self.virsh = virsh
        self.shutdownTimeout = shutdownTimeout
        // virsh's messages are parsed for reasons: keep them in English.
        var variables = context.environment
        variables["LC_ALL"] = "C"
        environment = variables.map { "\($0.key)=\($0.value)" }.sorted()
        self.context = context
    }

    /// The registry's factory.
    /// - Throws: `ActuatorSettingsError` without `domain`, or with `virsh` not found.
    public static func make(
        _ settings: ActuatorSettings,
        _ context: ActuatorContext
    ) throws(ActuatorSettingsError) -> any Actuator {
        try settings.requireOnly(["domain", "uri", "virsh", "shutdown_timeout"], actuator: name)
        let domain = try settings.string("domain", required: true) ?? ""
        let program = try settings.string("virsh") ?? "virsh"
        guard let virsh = HookCommand.resolve(program, path: context.searchPath) else {
            throw ActuatorSettingsError(
                target: settings.target,
                key: "virsh",
                message: "\"\(program)\" not found (install libvirt-clients, or give an absolute path)"
            )
        }
        return LibvirtActuator(
            target: settings.target,
            domain: domain,
            uri: try settings.string("uri") ?? "qemu:///system",
            virsh: virsh,
            shutdownTimeout: try settings.duration("shutdown_timeout") ?? .seconds(30),
            context: context
        )
    }

    public func supports(_ operation: ActuatorOperation) -> Bool {
        switch operation {
        case .kill(let signal): signal == .kill || signal == .term
        default: true
        }
    }

    public var completionQueue: DispatchQueue { context.completionQueue }

    public func run(_ operation: ActuatorOperation, timeout: Duration, done: ActuatorCompletion) -> ActuatorCancellation
    {
        let script = VirshScript(actuator: self, timeout: timeout, done: done)
        script.begin(operation)
        return ActuatorCancellation { @Sendable in script.cancel() }
    }

    /// The domain's XML (`virsh dumpxml`), or `nil` when virsh could not give it within `timeout`.
    /// - Parameter completion: called once, on the context's completion queue.
    public func describe(timeout: Duration = .seconds(30), completion: @escaping @Sendable (String?) -> Void) {
        let queue = context.completionQueue
        _ = HookRun.start(command(["dumpxml", domain]), timeout: timeout, killGrace: .milliseconds(500)) { result in
            var found: String?
            if case .success(let run) = result, run.ending == .finished, run.status.isSuccess {
                found = run.output.text
            }
            let xml = found
            queue.async { @Sendable in completion(xml) }
        }
    }

    /// `virsh -c URI` followed by `arguments`.
    func command(_ arguments: [String]) -> HookCommand {
        HookCommand(arguments: [virsh, "-c", uri] + arguments, environment: environment)
    }
}

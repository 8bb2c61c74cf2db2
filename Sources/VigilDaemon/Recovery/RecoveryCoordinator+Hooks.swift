import VigilCore
import VigilLinux

/// Ladder (`exec:NAME`) and promote hooks of a service's `hooks`.
extension RecoveryCoordinator {
    /// Runs hook `name`, reporting its end to `operation`: in a process group of its own, its stdout and stderr
    /// captured (the last lines go into the step's outcome), killed when the step is cancelled or, at the latest,
    /// when the action timeout is up.
    func runHook(
        _ name: String,
        in service: RecoveredService,
        operation: RecoveredService.PendingOperation,
        extra: [String: String]
    ) {
        guard let argv = service.config.hooks[name], let program = argv.first, program.hasPrefix("/") else {
            report(
                .failed(reason: "hook \(name) is not defined with an absolute program path"),
                of: operation,
                in: service
            )
            return
        }
        runCommand(argv, name: name, in: service, operation: operation, extra: extra)
    }

    /// Runs `argv` as the service's hook `name` (a promote command too), reporting its end to `operation`.
    func runCommand(
        _ argv: [String],
        name: String,
        in service: RecoveredService,
        operation: RecoveredService.PendingOperation,
        extra: [String: String]
    ) {
        var environment = ProcessEnvironment.current()
        environment["VIGIL_TARGET"] = service.roles.active
        environment["VIGIL_SERVICE"] = service.owner
        environment["VIGIL_HOOK"] = name
        if let token = fencingToken(of: service.roles.active) {
            environment["VIGIL_FENCING_TOKEN"] = String(token)
        }
        for (key, value) in extra {
            environment[key] = value
        }
        let command = HookCommand(
            arguments: argv,
            environment: environment.keys.sorted().map { "\($0)=\(environment[$0]!)" }
        )
        if service.hook != nil {
            cancelHook(in: service)
        }
        service.hookCount += 1
        let id = service.hookCount
        let owner = service.owner
        let run = HookRun.start(command, timeout: service.config.actionTimeout) { @Sendable [weak engine] result in
            engine?.post(.hookEnded(owner: owner, id: id, name: name, result: result))
        }
        service.hook = (run, id, operation)
    }

    /// Kills a hook whose step was cancelled, with everything in its process group; its result no longer counts.
    func cancelHook(in service: RecoveredService) {
        let run = service.hook?.run
        service.hook = nil
        run?.cancel()
    }

    func hookEnded(owner: String, id: Int, name: String, result: Result<HookRun.Result, SpawnError>) {
        guard let service = services[owner], let hook = service.hook, hook.id == id else { return }
        service.hook = nil
        let outcome: RecoveryOutcome
        switch result {
        case .failure(let error):
            outcome = .failed(reason: "hook \(name): \(error)")
        case .success(let run) where run.status.isSuccess && run.ending == .finished:
            outcome = .succeeded
        case .success(let run):
            let ended = run.ending == .timedOut ? "overran its time and was killed" : "ended with \(run.status)"
            let lines = run.output.text.split(separator: "\n").suffix(3).joined(separator: " | ")
            outcome = .failed(reason: "hook \(name) \(ended)" + (lines.isEmpty ? "" : ": \(lines.prefix(300))"))
        }
        report(outcome, of: hook.operation, in: service)
    }
}

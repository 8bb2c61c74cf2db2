import VigilCore
import VigilLinux

/// Hot standby (`standby_mode = "hot"`): the standbys run in the standby role (`VIGIL_ROLE=standby`) under their
/// own restart policy, a failover promotes the chosen standby's running instance by its `promote` command or
/// `promote_signal` (recorded in the state file before it is issued, so it is issued once), and a former primary
/// rejoins as a standby.
extension RecoveryCoordinator {
    /// Whether `name`'s failures are left to its service's ladder: the active member of a service, and every member
    /// of a cold group (a cold standby does not run). A hot standby is brought back by its own restart policy.
    func recoversByLadder(_ name: String) -> Bool {
        guard let service = service(of: name) else { return false }
        return service.config.standbyMode == .cold || service.roles.active == name
    }

    /// The role an instance of `name` starts in (`VIGIL_ROLE`): `standby` for a member standing by, `primary`
    /// otherwise, the standby a failover is promoting included.
    func launchRole(of name: String) -> TargetRole {
        guard let service = service(of: name), !service.config.standbys.isEmpty, service.roles.active != name else {
            return .primary
        }
        if let progress = service.failover?.progress, progress.standby == name,
            progress.phase == .promoting || progress.phase == .runningHooks
        {
            return .primary
        }
        return .standby
    }

    /// The role a member of a hot-standby group starts in, with its group's name; `nil` outside hot groups (a
    /// unit is given a role drop-in only as a hot member).
    func unitRole(of name: String) -> (role: TargetRole, service: String)? {
        guard let service = service(of: name), service.config.standbyMode == .hot else { return nil }
        return (launchRole(of: name), service.owner)
    }

    /// Whether a started instance of `name` is kept as a standby by its actuator (a hot standby domain, paused).
    func keepsPaused(_ name: String) -> Bool {
        guard let service = service(of: name), service.config.standbyMode == .hot else { return false }
        return launchRole(of: name) == .standby
    }

    /// Why hot standby `name` cannot be promoted now: not running past its start grace, or not healthy. `nil` when
    /// it can, and for cold groups (a cold standby is started when promoted).
    func unready(_ name: String, in service: RecoveredService) -> String? {
        guard service.config.standbyMode == .hot else { return nil }
        guard let supervisor = engine.targets[name] else { return "not configured" }
        guard case .running = supervisor.machine.state, supervisor.driver.hasInstance else {
            return "not running (\(supervisor.machine.state.word))"
        }
        switch supervisor.health(at: engine.now) {
        case .healthy?:
            return nil
        case let health?:
            return "not healthy (\(health.word.rawValue): \(health.evidence?.description ?? "no evidence"))"
        case nil:
            return "not judged yet"
        }
    }

    /// For `vigilctl status`: whether hot standby `name` could be promoted now, and why not; `nil` for targets that
    /// are not hot standbys. Admission is left out (it is decided when a failover starts).
    func standbyEligibility(of name: String) -> (eligible: Bool, reason: String?)? {
        guard let service = service(of: name), service.config.standbyMode == .hot, service.roles.active != name,
            let supervisor = engine.targets[name]
        else { return nil }
        var reason: String?
        if case .failed = supervisor.machine.state {
            reason = "failed"
        } else if engine.targets.hostMaintenance || supervisor.maintenance {
            reason = "in maintenance"
        } else {
            reason = unready(name, in: service)
        }
        return (reason == nil, reason)
    }

    /// What a status check of the standby answers in a hot group: a running standby is not promoted yet unless its
    /// promotion was issued (before vigild restarted, say): then it is adopted as promoted, never promoted twice.
    /// One exception: a promotion by the member's own actuator whose instance is still held as a standby (a domain
    /// still paused: vigild died between recording the promotion and libvirt resuming it) did not take effect, and
    /// is issued again, since resuming a paused domain twice cannot start it twice. A promote command or signal is
    /// never repeated: whether it took effect cannot be told from outside.
    /// `nil` when the ordinary answer applies (cold groups, the primary, a standby with no instance).
    func hotActivity(of name: String, in service: RecoveredService) -> TargetActivity? {
        guard service.config.standbyMode == .hot, let progress = service.failover?.progress,
            progress.phase == .checkingStandby, progress.standby == name,
            let supervisor = engine.targets[name], supervisor.driver.hasInstance
        else { return nil }
        guard progress.promotionIssued == true else { return .inactive }
        let byActuator = supervisor.config.roles.promote == nil
        return byActuator && supervisor.driver.heldAsStandby ? .inactive : .active
    }

    /// Promotes the running instance of hot standby `supervisor`: its `promote` command, its `promote_signal`, or
    /// its actuator's `promote` (a paused domain resumed). The promotion is on disk before it is issued.
    func promoteRunning(_ supervisor: TargetSupervisor, sequence: Int, in service: RecoveredService) {
        let name = supervisor.name
        service.failover?.promotionIssued()
        engine.persistence.saveNow()
        service.pending[name] = .failoverRoleChange(sequence: sequence)
        // Only what the instance says from now on counts as its answer.
        supervisor.answeredRole = nil
        let how: String
        switch supervisor.config.roles.promote {
        case nil: how = "its actuator's promote"
        case .exec(let argv)?: how = "promote command \(argv[0])"
        case .signal(let signal)?: how = "\(signal)"
        }
        engine.events.record(
            Event(
                kind: .roleChanged,
                target: name,
                message: "\(name): promoting its running instance to primary (\(how))",
                fields: ["ROLE": TargetRole.primary.rawValue, "OPERATION": "promote", "SERVICE": service.owner],
                time: engine.now
            )
        )
        let owner = service.owner
        let ended: (RecoveryOutcome) -> Void = { [weak engine] outcome in
            guard let engine, let service = engine.recovery.services[owner] else { return }
            engine.recovery.promotionEnded(outcome, sequence: sequence, in: service)
        }
        switch supervisor.config.roles.promote {
        case nil:
            if let refusal = supervisor.driver.promote(completion: ended) {
                promotionEnded(.failed(reason: refusal), sequence: sequence, in: service)
            }
        case .exec(let argv)?:
            var extra = roleEnvironment(of: supervisor, role: .primary, operation: "promote")
            extra["VIGIL_PRIMARY"] = service.failover?.progress.primary ?? ""
            runCommand(
                argv,
                name: "promote",
                in: service,
                operation: .failoverRoleChange(sequence: sequence),
                extra: extra
            )
        case .signal(let signal)?:
            supervisor.driver.signalForPromotion(signal, completion: ended)
        }
    }

    /// The promotion was issued (the promote command ended, the signal was sent, the domain resumed): an instance
    /// that can report its role has the verification window to report `primary` (`TargetSupervisor.reportsRole`);
    /// for one that cannot, the promotion's own success is the promotion's.
    func promotionEnded(_ outcome: RecoveryOutcome, sequence: Int, in service: RecoveredService) {
        guard let progress = service.failover?.progress, progress.sequence == sequence, progress.phase == .promoting,
            let name = progress.standby
        else { return }
        if service.pending[name] == .failoverRoleChange(sequence: sequence) {
            service.pending[name] = nil
        }
        if let hook = service.hook, hook.operation == .failoverRoleChange(sequence: sequence) {
            cancelHook(in: service)
        }
        guard outcome == .succeeded, let supervisor = engine.targets[name], supervisor.reportsRole,
            !supervisor.reports(.primary)
        else {
            performFailover(service.failover?.outcome(outcome, sequence: sequence, now: engine.now) ?? [], for: service)
            return
        }
        service.pending[name] = .failoverRoleReport(sequence: sequence)
        engine.after(service.config.verifyWindow, post: .roleReportDue(owner: service.owner, sequence: sequence))
        askRole(of: supervisor, in: service)
    }

    /// The promoted standby's verification window is up: still not reporting itself primary, the promotion failed.
    func roleReportDue(owner: String, sequence: Int) {
        guard let service = services[owner], let name = service.failover?.progress.standby,
            service.pending[name] == .failoverRoleReport(sequence: sequence)
        else { return }
        service.pending[name] = nil
        stopAskingRole(of: name, in: service)
        let window = service.config.verifyWindow.humanReadable
        let ways = engine.targets[name].map(Self.roleReportWays) ?? "no way"
        report(
            .failed(reason: "\(name) did not report role=primary within \(window) (\(ways))"),
            of: .failoverRoleReport(sequence: sequence),
            in: service
        )
    }

    /// How `supervisor`'s instance reports its role, for messages.
    static func roleReportWays(of supervisor: TargetSupervisor) -> String {
        var ways: [String] = []
        if supervisor.config.notifySocket {
            ways.append("STATUS= on its notify socket")
        }
        if let status = supervisor.config.roles.status {
            ways.append("status command \(status[0])")
        }
        if supervisor.driver.heartbeatConfirmsPromotion, supervisor.config.heartbeat != nil {
            ways.append("a heartbeat of its guest")
        }
        return ways.joined(separator: ", ")
    }

    /// A failover of a hot group completed: each member's failures go to the ladder or its own restart policy as
    /// its new role says, and the former primary, fenced, is started again as a standby.
    func hotFailoverCompleted(in service: RecoveredService, formerPrimary: String) {
        guard service.config.standbyMode == .hot else { return }
        for member in service.members {
            engine.targets[member]?.machine.recoversExternally = recoversByLadder(member)
        }
        engine.targets[service.roles.active]?.driver.roleChanged()
        guard let supervisor = engine.targets[formerPrimary], supervisor.isDownForGood, !supervisor.maintenance,
            !engine.targets.hostMaintenance
        else { return }
        service.pending[formerPrimary] = .rejoin
        engine.events.record(
            Event(
                kind: .roleChanged,
                target: formerPrimary,
                message: "\(formerPrimary): rejoins \(service.owner) as a standby of \(service.roles.active)",
                fields: ["ROLE": TargetRole.standby.rawValue, "OPERATION": "rejoin", "SERVICE": service.owner],
                time: engine.now
            )
        )
        supervisor.perform(supervisor.machine.start(now: engine.now))
    }

    /// A former primary runs again as a standby: its `demote` command, if it has one, runs now, and an instance
    /// that can say its role (a notify socket or a `status` hook) has the verification window to say `standby`.
    func rejoined(_ supervisor: TargetSupervisor, in service: RecoveredService) {
        let name = supervisor.name
        if supervisor.config.notifySocket || supervisor.config.roles.status != nil {
            service.hookCount += 1
            let round = service.hookCount
            service.pending[name] = .rejoinReport(round: round)
            engine.after(
                service.config.verifyWindow,
                post: .rejoinReportDue(owner: service.owner, target: name, round: round)
            )
            askRole(of: supervisor, in: service)
        }
        guard let argv = supervisor.config.roles.demote else { return }
        var extra = roleEnvironment(of: supervisor, role: .standby, operation: "demote")
        extra["VIGIL_SERVICE"] = service.owner
        extra["VIGIL_PRIMARY"] = service.roles.active
        service.demotes[name]?.run.cancel()
        service.hookCount += 1
        let id = service.hookCount
        let owner = service.owner
        let run = HookRun.start(Self.command(argv, adding: extra), timeout: service.config.actionTimeout) {
            @Sendable [weak engine] result in
            engine?.post(.demoteEnded(owner: owner, target: name, id: id, result: result))
        }
        service.demotes[name] = (run, id)
    }

    func demoteEnded(owner: String, target: String, id: Int, result: Result<HookRun.Result, SpawnError>) {
        guard let service = services[owner], service.demotes[target]?.id == id else { return }
        service.demotes[target] = nil
        let ended: String
        switch result {
        case .failure(let error): ended = "could not run: \(error)"
        case .success(let run) where run.status.isSuccess && run.ending == .finished: ended = "succeeded"
        case .success(let run):
            ended = run.ending == .timedOut ? "overran its time and was killed" : "ended with \(run.status)"
        }
        engine.events.record(
            Event(
                kind: .roleChanged,
                target: target,
                message: "\(target): demote command \(ended)",
                fields: [
                    "ROLE": TargetRole.standby.rawValue, "OPERATION": "demote", "SERVICE": owner, "RESULT": ended,
                ],
                time: engine.now
            )
        )
    }

    /// What a promote, demote or status command learns about the instance it acts on.
    func roleEnvironment(
        of supervisor: TargetSupervisor,
        role: TargetRole,
        operation: String
    ) -> [String: String] {
        var environment = [
            "VIGIL_TARGET": supervisor.name, "VIGIL_ROLE": role.rawValue, "VIGIL_OPERATION": operation,
        ]
        if let pid = supervisor.machine.state.pid, pid > 0 {
            environment["VIGIL_PID"] = String(pid)
        }
        if let token = fencingToken(of: supervisor.name) {
            environment["VIGIL_FENCING_TOKEN"] = String(token)
        }
        return environment
    }

    /// `argv` with vigild's environment and `extra`.
    static func command(_ argv: [String], adding extra: [String: String]) -> HookCommand {
        var environment = ProcessEnvironment.current()
        for (key, value) in extra {
            environment[key] = value
        }
        return HookCommand(
            arguments: argv,
            environment: environment.keys.sorted().map { "\($0)=\(environment[$0]!)" }
        )
    }
}

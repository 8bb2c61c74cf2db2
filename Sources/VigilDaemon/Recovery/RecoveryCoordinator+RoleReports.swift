import VigilCore
import VigilLinux

/// How vigild learns the role a hot-standby member's instance is in: its `STATUS=` (kept by its supervisor as it
/// arrives), its `status` command, asked again and again while an answer is awaited, and, for a promoted domain, its
/// guest's next heartbeat. A promotion holds once the instance reports `primary`; a former primary that rejoined
/// must report `standby`, and one that reports `primary` is stopped: never two primaries.
extension RecoveryCoordinator {
    /// How long after a `status` command's answer it is asked again while an answer is awaited.
    static let statusPause = Duration.milliseconds(250)

    /// Runs `supervisor`'s `status` command, if it has one and none runs; its answer comes back as
    /// `statusEnded`. The role it is asked about (`VIGIL_ROLE`) is the one awaited of it.
    func askRole(of supervisor: TargetSupervisor, in service: RecoveredService) {
        let name = supervisor.name
        guard let argv = supervisor.config.roles.status, service.statusRuns[name] == nil,
            let expected = awaitedRole(of: name, in: service)
        else { return }
        var extra = roleEnvironment(of: supervisor, role: expected, operation: "status")
        extra["VIGIL_SERVICE"] = service.owner
        service.hookCount += 1
        let id = service.hookCount
        let owner = service.owner
        let run = HookRun.start(Self.command(argv, adding: extra), timeout: service.config.verifyWindow) {
            @Sendable [weak engine] result in
            engine?.post(.statusEnded(owner: owner, target: name, id: id, result: result))
        }
        service.statusRuns[name] = (run, id)
    }

    /// The role an answer is awaited in from `name`: `primary` after its promotion, `standby` after its rejoin.
    func awaitedRole(of name: String, in service: RecoveredService) -> TargetRole? {
        switch service.pending[name] {
        case .failoverRoleReport?: .primary
        case .rejoinReport?: .standby
        default: nil
        }
    }

    /// No answer is awaited any longer: a `status` command still running is killed.
    func stopAskingRole(of name: String, in service: RecoveredService) {
        service.statusRuns.removeValue(forKey: name)?.run.cancel()
    }

    /// A `status` command answered (or not): its answer is the instance's, and while an answer is still awaited
    /// the command is asked again after `statusPause`.
    func statusEnded(owner: String, target: String, id: Int, result: Result<HookRun.Result, SpawnError>) {
        guard let service = services[owner], service.statusRuns[target]?.id == id else { return }
        service.statusRuns[target] = nil
        guard let supervisor = engine.targets[target] else { return }
        var answer: TargetRole?
        if case .success(let run) = result, run.ending == .finished {
            answer = RoleReport.role(inStatusOutput: run.output.text, exitedWithZero: run.status.isSuccess)
        }
        supervisor.answeredRole = answer
        if let expected = awaitedRole(of: target, in: service), answer != expected, answer != .primary {
            engine.after(Self.statusPause, post: .statusDue(owner: owner, target: target))
        }
    }

    /// Time to ask a `status` command again, if an answer is still awaited.
    func statusDue(owner: String, target: String) {
        guard let service = services[owner], let supervisor = engine.targets[target] else { return }
        askRole(of: supervisor, in: service)
    }

    /// Settles a wait for an instance's role (`settlePending`): `true` when it is over.
    func settleRoleReport(
        _ operation: RecoveredService.PendingOperation,
        of supervisor: TargetSupervisor,
        down: Bool,
        in service: RecoveredService
    ) -> Bool {
        let name = supervisor.name
        switch operation {
        case .failoverRoleReport where supervisor.reports(.primary):
            service.pending[name] = nil
            stopAskingRole(of: name, in: service)
            engine.events.record(
                Event(
                    kind: .roleChanged,
                    target: name,
                    message: "\(name): reports itself primary (\(Self.roleReportWays(of: supervisor)))",
                    fields: [
                        "ROLE": TargetRole.primary.rawValue, "OPERATION": "promote", "SERVICE": service.owner,
                        "RESULT": "reports itself primary",
                    ],
                    time: engine.now
                )
            )
            report(.succeeded, of: operation, in: service)
        case .failoverRoleReport where down:
            service.pending[name] = nil
            stopAskingRole(of: name, in: service)
            report(.failed(reason: "\(name) ended while it was being promoted"), of: operation, in: service)
        case .rejoinReport where supervisor.reports(.primary):
            // A second primary: stopped at once, and left down for an operator.
            service.pending[name] = nil
            stopAskingRole(of: name, in: service)
            rejoinReported(name, in: service, "reports itself primary while \(service.roles.active) is: stopped")
            supervisor.perform(supervisor.machine.stop(now: engine.now, reason: "rejoined as a second primary"))
        case .rejoinReport where supervisor.reports(.standby):
            service.pending[name] = nil
            stopAskingRole(of: name, in: service)
            rejoinReported(name, in: service, "reports itself a standby")
        case .rejoinReport where down:
            service.pending[name] = nil
            stopAskingRole(of: name, in: service)
        default:
            return false
        }
        return true
    }

    /// A rejoined former primary's verification window is up without an answer: said, and it is left running.
    func rejoinReportDue(owner: String, target: String, round: Int) {
        guard let service = services[owner], service.pending[target] == .rejoinReport(round: round) else { return }
        service.pending[target] = nil
        stopAskingRole(of: target, in: service)
        let window = service.config.verifyWindow.humanReadable
        let ways = engine.targets[target].map(Self.roleReportWays) ?? "no way"
        rejoinReported(target, in: service, "did not report role=standby within \(window) (\(ways))")
    }

    private func rejoinReported(_ name: String, in service: RecoveredService, _ result: String) {
        engine.events.record(
            Event(
                kind: .roleChanged,
                target: name,
                message: "\(name): rejoined \(service.owner) and \(result)",
                fields: [
                    "ROLE": TargetRole.standby.rawValue, "OPERATION": "rejoin", "SERVICE": service.owner,
                    "RESULT": result,
                ],
                time: engine.now
            )
        )
    }
}

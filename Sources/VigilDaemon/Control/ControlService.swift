import Dispatch
import Logging
import VigilCore
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

/// The control socket `vigilctl` talks to: status, events, reload, report, failover, maintenance and the target
/// commands, each checked against the socket's access rules. Confined to the engine queue.
final class ControlService {
    unowned let engine: Engine
    private var server: ControlServer?

    init(engine: Engine) {
        self.engine = engine
    }

    /// Opens the control socket. Without it vigild still supervises; the error says why vigilctl cannot reach it.
    func start() {
        stop()
        let path = engine.loaded.config.daemon.effectiveControlSocket
        let access = engine.loaded.controlAccess
        let group = access.readGroup?.gid ?? access.adminGroup?.gid
        do {
            server = try ControlServer(path: path, group: group, queue: engine.queue) { @Sendable [weak engine] in
                engine?.handle(.control($1, $0))
            }
        } catch {
            engine.logger.error("cannot open the control socket: \(error)", metadata: ["VIGIL_ERROR": "\(error)"])
        }
    }

    func stop() {
        server?.cancel()
        server = nil
    }

    func handle(_ request: ControlRequest, from connection: ControlConnection) {
        dispatchPrecondition(condition: .onQueue(engine.queue))
        if let refusal = engine.loaded.controlAccess.refusal(of: request.command, by: connection.peer) {
            connection.send(.failure(refusal))
            return
        }
        let who = connection.peer.uid == 0 ? "root" : "uid \(connection.peer.uid)"
        switch request.command {
        case .status:
            connection.send(ControlResponse(ok: true, status: snapshot()))
        case .events:
            let matching = engine.events.history.filter { request.target == nil || $0.target == request.target }
            let recent = Array(matching.suffix(max(0, request.limit ?? 50)))
            let follow = request.follow ?? false
            connection.send(ControlResponse(ok: true, events: recent), last: !follow)
            if follow {
                engine.events.follow(connection, target: request.target)
            }
        case .reload:
            switch engine.reload() {
            case .success(let diff):
                connection.send(ControlResponse(ok: true, message: "configuration reloaded: \(diff.summary)"))
            case .failure(let error):
                connection.send(
                    .failure("configuration not reloaded: \(error.problems.count) problem(s)", problems: error.lines)
                )
            }
        case .report:
            let now = engine.now.microseconds
            let started = engine.settings.startedAt.microseconds
            let from = ReliabilityReport.windowStart(sinceSeconds: request.sinceSeconds, started: started, now: now)
            let report = ReliabilityReport.compute(
                events: Array(engine.events.history),
                targets: engine.targets.order,
                from: from,
                now: now
            )
            connection.send(ControlResponse(ok: true, report: report, reportWindowSeconds: Double(now - from) / 1e6))
        case .failover:
            guard let name = request.target, engine.targets[name] != nil else {
                connection.send(.failure("no such target: \(request.target ?? "(none given)")"))
                return
            }
            connection.send(engine.recovery.requestFailover(of: name, to: request.standby, by: who))
        case .maintenance:
            connection.send(setMaintenance(request.enabled ?? true, target: request.target, by: who))
        case .clusterDrain, .clusterUndrain, .clusterMove:
            guard let cluster = engine.cluster else {
                connection.send(.failure("vigild runs without a [cluster] table: no cluster to steer"))
                return
            }
            cluster.control(request, from: connection, by: who)
        case .restart, .stop, .start, .resetFailed:
            guard let name = request.target, let supervisor = engine.targets[name] else {
                connection.send(.failure("no such target: \(request.target ?? "(none given)")"))
                return
            }
            connection.send(act(request.command, on: supervisor, by: who))
        }
    }

    func act(_ command: ControlCommand, on supervisor: TargetSupervisor, by who: String) -> ControlResponse {
        let now = engine.now
        let name = supervisor.name
        let machine = supervisor.machine
        // A cluster resource this node gave up is accepted here again, not started.
        if command == .resetFailed, let accepted = engine.recovery.acceptAgain(name, by: who) {
            return accepted
        }
        // Starting a standby by hand would make two actives; only a failover promotes one.
        if command != .stop, let refusal = engine.recovery.refusesManualStart(of: name) {
            return .failure(refusal)
        }
        switch command {
        case .restart:
            if machine.state.pid != nil {
                supervisor.stop(
                    then: .replace(supervisor.config, supervisor.launch),
                    reason: "restart requested by \(who)"
                )
            } else {
                supervisor.perform(supervisor.machine.stop(now: now, reason: "restart requested by \(who)"))
                supervisor.perform(supervisor.machine.start(now: now))
            }
            return ControlResponse(ok: true, message: "restarting \(name)")
        case .stop:
            guard !machine.isDown || machine.state.word == "failed" else {
                return ControlResponse(ok: true, message: "\(name) is already stopped")
            }
            supervisor.perform(supervisor.machine.stop(now: now, reason: "stop requested by \(who)"))
            return ControlResponse(ok: true, message: "stopping \(name)")
        case .start:
            guard machine.isDown else {
                return ControlResponse(ok: true, message: "\(name) is already \(machine.state.word)")
            }
            supervisor.perform(supervisor.machine.start(now: now))
            return ControlResponse(ok: true, message: "starting \(name)")
        case .resetFailed:
            if engine.recovery.resetExhaustedLadder(of: name) {
                return ControlResponse(
                    ok: true,
                    message: "\(name): recovery ladder reset, recovering from its first step"
                )
            }
            guard case .failed = machine.state else {
                return .failure("\(name) is not failed (it is \(machine.state.word))")
            }
            supervisor.perform(supervisor.machine.start(now: now))
            return ControlResponse(ok: true, message: "\(name): failed state cleared, starting")
        default:
            return .failure("\(command.rawValue) is not a target command")
        }
    }

    private func setMaintenance(_ on: Bool, target: String?, by who: String) -> ControlResponse {
        let now = engine.now
        let targets = engine.targets
        let affected: [TargetSupervisor]
        if let target {
            guard let supervisor = targets[target] else {
                return .failure("no such target: \(target)")
            }
            supervisor.maintenance = on
            affected = [supervisor]
        } else {
            targets.hostMaintenance = on
            affected = targets.all
        }
        for supervisor in affected {
            let inMaintenance = targets.hostMaintenance || supervisor.maintenance
            supervisor.perform(supervisor.machine.setMaintenance(inMaintenance, now: now))
        }
        engine.recovery.maintenanceChanged()
        let scope = target ?? "all targets"
        engine.logger.notice(
            "maintenance \(on ? "on" : "off") for \(scope), by \(who)",
            metadata: target.map { ["VIGIL_TARGET": "\($0)"] } ?? [:]
        )
        return ControlResponse(ok: true, message: "maintenance \(on ? "on" : "off") for \(scope)")
    }

    /// Everything `vigilctl status` shows.
    func snapshot() -> DaemonStatus {
        let now = engine.now
        return DaemonStatus(
            version: VigilVersion.string,
            pid: getpid(),
            uptimeSeconds: seconds(now - engine.settings.startedAt),
            summary: engine.lifecycle.lastStatus,
            configFile: engine.loaded.file,
            maintenance: engine.targets.hostMaintenance,
            targets: engine.targets.all.map { status(of: $0, now: now) },
            host: hostStatus(now: now),
            cluster: engine.cluster?.status()
        )
    }

    private func hostStatus(now: MonotonicInstant) -> HostStatus {
        let raised = engine.health.hostDetectors.filter(\.phase.isRaised)
        func describe(_ detector: CheckDetector) -> String {
            "\(detector.evidence(now: now)) (\(detector.check.text))"
        }
        var pressure: [String: Double]?
        if let host = engine.health.hostSampler?.pressure {
            pressure = [:]
            pressure?["cpu"] = host.cpu?.some.avg10
            pressure?["memory"] = host.memory?.some.avg10
            pressure?["io"] = host.io?.some.avg10
        }
        return HostStatus(
            faults: raised.filter { $0.check.severity == .fault }.map(describe),
            warnings: raised.filter { $0.check.severity == .warn }.map(describe),
            pressure: pressure
        )
    }

    private func status(of supervisor: TargetSupervisor, now: MonotonicInstant) -> TargetStatus {
        let machine = supervisor.machine
        let health = supervisor.health(at: now)
        var evidence = health?.evidence?.summary
        var uptime: Double?
        switch machine.state {
        case .starting(_, let since), .running(_, let since):
            uptime = seconds(now - since)
        case .waiting(let since, let reason):
            evidence = "\(reason) (for \(max(now - since, .zero).humanReadable))"
        default:
            break
        }
        var heartbeat: HeartbeatStatus?
        if let judge = supervisor.healthModel.judge {
            let detector = judge.detector
            heartbeat = HeartbeatStatus(
                detector: judge.config.detector.rawValue,
                level: detector.level(at: now),
                suspect: judge.suspect,
                convict: judge.convict,
                arrivals: detector.arrivals,
                meanInterArrivalSeconds: detector.meanInterArrival.map(seconds),
                standardDeviationSeconds: detector.standardDeviation.map(seconds),
                silenceSeconds: detector.lastArrival.map { seconds(now - $0) }
            )
            if health == .healthy || health?.evidence?.detector == .heartbeat {
                // The heartbeat's level is the evidence of a running target that sends them.
                evidence = judge.levelText(at: now)
            }
        }
        let eligibility = engine.recovery.standbyEligibility(of: supervisor.name)
        return TargetStatus(
            name: supervisor.name,
            kind: supervisor.config.kind,
            state: machine.state.word,
            health: health?.word ?? .unknown,
            evidence: evidence,
            pid: machine.state.pid.flatMap { $0 > 0 ? $0 : nil },
            restarts: machine.restarts,
            uptimeSeconds: uptime,
            maintenance: engine.targets.hostMaintenance || supervisor.maintenance,
            notifyStatus: supervisor.notifyStatus,
            lastEvent: engine.events.lastEvents[supervisor.name],
            heartbeat: heartbeat,
            role: engine.recovery.role(of: supervisor.name),
            standbyEligible: eligibility?.eligible,
            ineligibility: eligibility?.reason
        )
    }
}

private func seconds(_ duration: Duration) -> Double {
    Double(duration.nanoseconds) / 1e9
}

import Dispatch
import Logging
import VigilCore
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

extension Engine {
    /// Records an event: the journal entry, the history `vigilctl events` reads, and every follower.
    func record(_ event: Event) {
        stateDirty = true
        EventLog(logger: logger).record(event)
        account(event)
        var fields: [String: String] = [:]
        for (name, value) in event.fields {
            fields[name] = value
        }
        let record = EventRecord(
            event: event.kind.rawValue,
            target: event.target,
            message: event.message,
            priority: event.severity.rawValue,
            monotonicMicroseconds: event.time.microseconds,
            realtimeMicroseconds: Int64(RealtimeClock.nanoseconds() / 1_000),
            fields: fields
        )
        history.append(record)
        if let target = event.target {
            lastEvents[target] = record
        }
        followers.removeAll { $0.connection.isClosed }
        for follower in followers where follower.target == nil || follower.target == event.target {
            follower.connection.send(ControlResponse(ok: true, events: [record]), last: false)
        }
    }

    /// Opens the control socket. Without it vigild still supervises; the error says why vigilctl cannot reach it.
    func startControlServer() {
        controlServer?.cancel()
        controlServer = nil
        let path = loaded.config.daemon.effectiveControlSocket
        let group = loaded.controlAccess.readGroup?.gid ?? loaded.controlAccess.adminGroup?.gid
        do {
            controlServer = try ControlServer(path: path, group: group, queue: queue) { @Sendable [weak self] in
                self?.handle($1, from: $0)
            }
        } catch {
            logger.error("cannot open the control socket: \(error)", metadata: ["VIGIL_ERROR": "\(error)"])
        }
    }

    func handle(_ request: ControlRequest, from connection: ControlConnection) {
        dispatchPrecondition(condition: .onQueue(queue))
        if let refusal = loaded.controlAccess.refusal(of: request.command, by: connection.peer) {
            connection.send(.failure(refusal))
            return
        }
        let who = connection.peer.uid == 0 ? "root" : "uid \(connection.peer.uid)"
        switch request.command {
        case .status:
            connection.send(ControlResponse(ok: true, status: snapshot()))
        case .events:
            let matching = history.filter { request.target == nil || $0.target == request.target }
            let recent = Array(matching.suffix(max(0, request.limit ?? 50)))
            let follow = request.follow ?? false
            connection.send(ControlResponse(ok: true, events: recent), last: !follow)
            if follow {
                followers.append((connection, request.target))
            }
        case .reload:
            switch reload() {
            case .success(let diff):
                connection.send(ControlResponse(ok: true, message: "configuration reloaded: \(diff.summary)"))
            case .failure(let error):
                connection.send(
                    .failure("configuration not reloaded: \(error.problems.count) problem(s)", problems: error.lines)
                )
            }
        case .report:
            let now = MonotonicClock.now().microseconds
            let started = startedAt.microseconds
            let from = request.sinceSeconds.map { max(started, now - Int64($0 * 1e6)) } ?? started
            let report = ReliabilityReport.compute(events: Array(history), targets: order, from: from, now: now)
            connection.send(ControlResponse(ok: true, report: report, reportWindowSeconds: Double(now - from) / 1e6))
        case .failover:
            guard let name = request.target, targets[name] != nil else {
                connection.send(.failure("no such target: \(request.target ?? "(none given)")"))
                return
            }
            connection.send(requestFailover(of: name, to: request.standby, by: who))
        case .maintenance:
            setMaintenance(request.enabled ?? true, target: request.target, by: who, on: connection)
        case .restart, .stop, .start, .resetFailed:
            guard let name = request.target, let runtime = targets[name] else {
                connection.send(.failure("no such target: \(request.target ?? "(none given)")"))
                return
            }
            connection.send(act(request.command, on: runtime, by: who))
        }
        afterChange()
    }

    private func act(_ command: ControlCommand, on runtime: TargetRuntime, by who: String) -> ControlResponse {
        let now = MonotonicClock.now()
        let name = runtime.name
        // Starting a standby by hand would make two actives; only a failover promotes one.
        if command != .stop, role(of: name) == "standby", let owner = serviceOf[name],
            let active = services[owner]?.roles.active, targets[active]?.hasInstance == true
        {
            return .failure(
                "\(name) is a standby of \(owner), whose active instance \(active) runs: use vigilctl failover \(owner) --to \(name)"
            )
        }
        switch command {
        case .restart:
            if runtime.machine.state.pid != nil {
                runtime.whenDown = .replace(runtime.config, runtime.launch)
                perform(runtime.machine.stop(now: now, reason: "restart requested by \(who)"), for: runtime)
            } else {
                perform(runtime.machine.stop(now: now, reason: "restart requested by \(who)"), for: runtime)
                perform(runtime.machine.start(now: now), for: runtime)
            }
            return ControlResponse(ok: true, message: "restarting \(name)")
        case .stop:
            guard !runtime.machine.isDown || runtime.machine.state.word == "failed" else {
                return ControlResponse(ok: true, message: "\(name) is already stopped")
            }
            perform(runtime.machine.stop(now: now, reason: "stop requested by \(who)"), for: runtime)
            return ControlResponse(ok: true, message: "stopping \(name)")
        case .start:
            guard runtime.machine.isDown else {
                return ControlResponse(ok: true, message: "\(name) is already \(runtime.machine.state.word)")
            }
            perform(runtime.machine.start(now: now), for: runtime)
            return ControlResponse(ok: true, message: "starting \(name)")
        case .resetFailed:
            guard case .failed = runtime.machine.state else {
                return .failure("\(name) is not failed (it is \(runtime.machine.state.word))")
            }
            perform(runtime.machine.start(now: now), for: runtime)
            return ControlResponse(ok: true, message: "\(name): failed state cleared, starting")
        default:
            return .failure("\(command.rawValue) is not a target command")
        }
    }

    private func setMaintenance(_ on: Bool, target: String?, by who: String, on connection: ControlConnection) {
        let now = MonotonicClock.now()
        let affected: [TargetRuntime]
        if let target {
            guard let runtime = targets[target] else {
                connection.send(.failure("no such target: \(target)"))
                return
            }
            runtime.maintenance = on
            affected = [runtime]
        } else {
            maintenance = on
            affected = Array(targets.values)
        }
        for runtime in affected {
            perform(runtime.machine.setMaintenance(maintenance || runtime.maintenance, now: now), for: runtime)
        }
        // Ladders follow the maintenance of their service's primary, or the host's: verdicts are still tracked and
        // reported, no step runs.
        for service in services.values {
            let on = maintenance || (targets[service.owner]?.maintenance ?? false)
            if on != service.ladder.maintenance {
                performLadder(service.ladder.setMaintenance(on, now: now), for: service)
            }
        }
        let scope = target ?? "all targets"
        logger.notice(
            "maintenance \(on ? "on" : "off") for \(scope), by \(who)",
            metadata: target.map { ["VIGIL_TARGET": "\($0)"] } ?? [:]
        )
        connection.send(ControlResponse(ok: true, message: "maintenance \(on ? "on" : "off") for \(scope)"))
    }

    /// Everything `vigilctl status` shows.
    func snapshot() -> DaemonStatus {
        let now = MonotonicClock.now()
        return DaemonStatus(
            version: VigilVersion.string,
            pid: getpid(),
            uptimeSeconds: seconds(now - startedAt),
            summary: lastStatus,
            configFile: loaded.file,
            maintenance: maintenance,
            targets: order.compactMap { targets[$0] }.map { status(of: $0, now: now) },
            host: hostStatus(now: now)
        )
    }

    /// `active` or `standby` for a member of a service with standbys.
    func role(of name: String) -> String? {
        guard let owner = serviceOf[name], let service = services[owner], !service.config.standbys.isEmpty else {
            return nil
        }
        return service.roles.active == name ? "active" : "standby"
    }

    private func hostStatus(now: MonotonicInstant) -> HostStatus {
        let raised = hostDetectors.filter(\.phase.isRaised)
        func describe(_ detector: CheckDetector) -> String {
            "\(detector.evidence(now: now)) (\(detector.check.text))"
        }
        var pressure: [String: Double]?
        if let host = hostSampler?.pressure {
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

    private func status(of runtime: TargetRuntime, now: MonotonicInstant) -> TargetStatus {
        let machine = runtime.machine
        var health = "unknown"
        var evidence: String?
        var uptime: Double?
        switch machine.state {
        case .starting(_, let since), .running(_, let since):
            health = "healthy"
            uptime = seconds(now - since)
        case .failed:
            health = "failed"
            evidence =
                "gave up after \(machine.recentRestarts.count) restarts within \(machine.restart.within.humanReadable)"
        case .recovering(_, _, let reason):
            health = "failed"
            evidence = reason
        case .backingOff(let until):
            health = "failed"
            evidence = "restart \(machine.attempt) in \(max(until - now, .zero).humanReadable)"
        default:
            break
        }
        var heartbeat: HeartbeatStatus?
        if let judge = runtime.judge {
            let detector = judge.detector
            let level = detector.level(at: now)
            let silence = detector.lastArrival.map { now - $0 }
            heartbeat = HeartbeatStatus(
                detector: judge.config.detector.rawValue,
                level: level,
                suspect: judge.config.suspect,
                convict: judge.config.convict,
                arrivals: detector.arrivals,
                meanInterArrivalSeconds: detector.meanInterArrival.map(seconds),
                standardDeviationSeconds: detector.standardDeviation.map(seconds),
                silenceSeconds: silence.map(seconds)
            )
            if health == "healthy" {
                switch judge.verdict {
                case .trusted: break
                case .suspected: health = "suspect"
                case .convicted: health = "failed"
                }
                let name = judge.config.detector == .phi ? "φ" : judge.config.detector.rawValue
                evidence = "\(name)=\(format3(level))" + (silence.map { " after \($0.humanReadable) of silence" } ?? "")
            }
        }
        // A raised check is the evidence for a target that is otherwise up.
        if let raised = runtime.detectors.first(where: \.phase.isRaised), health == "healthy" {
            health = raised.check.severity == .fault ? "failed" : "suspect"
            evidence = raised.evidence(now: now)
        }
        return TargetStatus(
            name: runtime.name,
            kind: runtime.config.kind.rawValue,
            state: machine.state.word,
            health: health,
            evidence: evidence,
            pid: machine.state.pid.flatMap { $0 > 0 ? $0 : nil },
            restarts: machine.restarts,
            uptimeSeconds: uptime,
            maintenance: maintenance || runtime.maintenance,
            notifyStatus: runtime.notifyStatus,
            lastEvent: lastEvents[runtime.name],
            heartbeat: heartbeat,
            role: role(of: runtime.name)
        )
    }
}

private func seconds(_ duration: Duration) -> Double {
    Double(duration.nanoseconds) / 1e9
}

import VigilCore
import VigilLinux

/// A target's heartbeats and notify socket: the judge of its current instance, its deadline timer, and what the
/// program says over its own `NOTIFY_SOCKET`.
extension TargetSupervisor {
    /// Arms the heartbeat timer for the judge's next deadline, or disarms it.
    func armHeartbeat(now: MonotonicInstant) {
        healthModel.heartbeatDeadline = healthModel.judge?.nextDeadline()
        if let deadline = healthModel.heartbeatDeadline {
            heartbeatTimer.arm(at: deadline)
        } else {
            heartbeatTimer.disarm()
        }
    }

    /// A heartbeat arrived at `time`, with its wire sequence number if it had one (the `loss` detector learns the
    /// link's bursts from the gaps). With `detect_within`, a change in whether the link can meet it is an event.
    /// - Returns: whether it confirmed a promotion (`awaitsPromotionHeartbeat`), which the recovery coordinator
    ///   must hear of.
    @discardableResult
    func heartbeatArrived(at time: MonotonicInstant, sequence: UInt64? = nil) -> Bool {
        let confirmed = awaitsPromotionHeartbeat
        if confirmed {
            awaitsPromotionHeartbeat = false
            answeredRole = .primary
        }
        guard var judge = healthModel.judge else { return confirmed }
        let transitions = judge.heartbeat(at: time, sequence: sequence)
        let qosChange = judge.reviewQoS(at: time)
        healthModel.judge = judge
        act(on: transitions)
        if let qosChange {
            engine.events.record(qosChange.event(target: name))
        }
        armHeartbeat(now: time)
        return confirmed
    }

    /// A hot standby domain is paused: its guest cannot heartbeat, and its silence is not judged until it runs
    /// again (`heartbeatsResumed`).
    func heartbeatsPaused(at now: MonotonicInstant) {
        healthModel.instanceChanged(running: false, at: now)
        armHeartbeat(now: now)
    }

    /// A paused domain runs again (resumed by its promotion, or by anyone): its heartbeats are judged afresh (with
    /// the detector's first grace), and the next one confirms a promotion. Nothing changes for one already judged.
    func heartbeatsResumed(at now: MonotonicInstant) {
        guard healthModel.judge == nil, healthModel.heartbeatConfig != nil, driver.hasInstance else { return }
        instanceChanged(at: now)
        awaitsPromotionHeartbeat = true
    }

    /// The heartbeat deadline was reached: vigild's own liveness is checked first, heartbeats waiting unread are
    /// taken in, then the silence is judged.
    func heartbeatDeadlineReached() {
        let now = engine.now
        if let expected = healthModel.heartbeatDeadline {
            engine.heartbeats.checkForStall(expected: expected, fired: now)
        }
        engine.heartbeats.drainWaiting()
        guard var judge = healthModel.judge else { return }
        switch machine.state {
        case .starting, .running:
            let transitions = judge.evaluate(at: now)
            healthModel.judge = judge
            act(on: transitions)
        default:
            break
        }
        armHeartbeat(now: now)
    }

    /// vigild was stalled: the silence of the stall is not held against the target.
    func excuse(_ stall: Stall, at now: MonotonicInstant) {
        guard healthModel.judge != nil else { return }
        healthModel.judge!.excuse(stall)
        armHeartbeat(now: now)
    }

    private func act(on transitions: [HeartbeatTransition]) {
        guard let judge = healthModel.judge else { return }
        for transition in transitions {
            let evidence = judge.evidence(at: transition.at)
            var fields = evidence.figures
            fields["LEVEL"] = LevelText.format(transition.level)
            fields["CONVICT"] = nil
            switch transition.to {
            case .suspected:
                engine.events.record(
                    Event(
                        kind: .heartbeatSuspected,
                        target: name,
                        message: "\(name): heartbeats late, suspected (\(judge.levelDetail(at: transition.at)))",
                        fields: fields,
                        time: transition.at
                    )
                )
            case .trusted:
                engine.events.record(
                    Event(
                        kind: .heartbeatCleared,
                        target: name,
                        message: "\(name): heartbeat received, suspicion cleared",
                        fields: fields,
                        time: transition.at
                    )
                )
            case .convicted:
                perform(machine.fault(now: transition.at, evidence: evidence))
            }
        }
    }

    /// Opens the target's own `NOTIFY_SOCKET` when it asks for one.
    func openNotifySocket() {
        guard config.notifySocket else { return }
        let path = NotifySocket.path(runtimeDirectory: engine.loaded.config.daemon.runtimeDirectory, target: name)
        Directories.createParents(of: path)
        let name = self.name
        do {
            notifySocket = try NotifySocket(path: path, queue: engine.queue) { @Sendable [weak engine] received in
                engine?.handle(.target(name, .notify(received)))
            }
        } catch {
            engine.logger.error(
                "cannot create the notify socket of \(name): \(error)",
                metadata: ["VIGIL_TARGET": "\(name)", "VIGIL_ERROR": "\(error)"]
            )
        }
    }

    /// One sd_notify datagram from the target's socket. Only the target's main process may speak for it, as with
    /// systemd's `NotifyAccess=main`.
    func notifyReceived(_ received: NotifySocket.Received) {
        guard let pid = machine.state.pid, received.pid == pid else {
            engine.logger.debug(
                "ignored a notify message from pid \(received.pid): not the main process of \(name)",
                metadata: ["VIGIL_TARGET": "\(name)"]
            )
            return
        }
        let message = received.message
        if let status = message.status {
            notifyStatus = status
        }
        if message.isReady {
            perform(machine.ready(now: received.receivedAt))
        }
        if let timeout = message.watchdogTimeout, var heartbeat = healthModel.heartbeatConfig {
            // The program pings at half its timeout, as sd_watchdog_enabled() users do.
            heartbeat.interval = timeout / 2
            healthModel.heartbeatConfig = heartbeat
            healthModel.judge = HeartbeatJudge(config: heartbeat, start: received.receivedAt)
            armHeartbeat(now: received.receivedAt)
        }
        if message.isWatchdogPing {
            heartbeatArrived(at: received.receivedAt)
        }
        if message.isWatchdogTrigger {
            let evidence = Evidence(.watchdog, "the target triggered its watchdog")
            perform(machine.fault(now: received.receivedAt, evidence: evidence))
        }
    }
}

import Crypto
import Dispatch
import Logging
import VigilCore
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

extension Engine {
    /// Binds the heartbeat listeners of the loaded configuration. A listener that cannot be bound is logged; the
    /// targets that depend on it will be convicted by silence, which is the truth an operator must see.
    func startHeartbeatIngress() {
        heartbeatIngress.value?.close()
        heartbeatIngress.value = nil
        guard !loaded.heartbeatEndpoints.isEmpty else { return }
        for endpoint in loaded.heartbeatEndpoints {
            if case .unix(let path) = endpoint {
                Directories.createParents(of: path)
            }
        }
        do {
            let ingress = try HeartbeatIngress(
                endpoints: loaded.heartbeatEndpoints,
                keys: heartbeatKeys(),
                queue: queue
            ) { [unowned self] target, packet, receivedAt in
                self.heartbeatArrived(target: target, at: receivedAt, sequence: packet.sequence)
            } onDrops: { [unowned self] drops in
                self.reportDrops(drops)
            }
            heartbeatIngress.value = ingress
            ingress.activate(heartbeatIngress)
            logger.info(
                "receiving heartbeats on \(loaded.heartbeatEndpoints.map(\.description).joined(separator: ", "))"
            )
        } catch {
            logger.error("cannot receive heartbeats: \(error)", metadata: ["VIGIL_ERROR": "\(error)"])
        }
    }

    /// Dropped heartbeat datagrams, by reason: forged, replayed, malformed, flooding.
    func reportDrops(_ drops: [HeartbeatDropReason: Int]) {
        let ordered = HeartbeatDropReason.allCases.compactMap { reason in drops[reason].map { (reason, $0) } }
        var metadata: Logger.Metadata = [:]
        for (reason, count) in ordered {
            let name = String(reason.rawValue.uppercased().map { $0 == "-" ? "_" : $0 })
            metadata["VIGIL_DROPPED_" + name] = "\(count)"
        }
        let summary = ordered.map { "\($0.0.rawValue) \($0.1)" }.joined(separator: ", ")
        logger.warning("dropped heartbeat packets: \(summary)", metadata: metadata)
    }

    func heartbeatKeys() -> [String: SymmetricKey] {
        loaded.heartbeatKeys.mapValues { SymmetricKey(data: $0) }
    }

    /// Opens the target's own `NOTIFY_SOCKET` when it asks for one.
    func openNotifySocket(for runtime: TargetRuntime) {
        guard runtime.config.notifySocket else { return }
        let path = NotifySocket.path(runtimeDirectory: loaded.config.daemon.runtimeDirectory, target: runtime.name)
        Directories.createParents(of: path)
        let name = runtime.name
        do {
            runtime.notifySocket = try NotifySocket(path: path, queue: queue) { @Sendable [weak self] received in
                self?.notifyReceived(target: name, received)
            }
        } catch {
            logger.error(
                "cannot create the notify socket of \(name): \(error)",
                metadata: ["VIGIL_TARGET": "\(name)", "VIGIL_ERROR": "\(error)"]
            )
        }
    }

    /// One sd_notify datagram from a target's socket. Only the target's main process may speak for it, as with
    /// systemd's `NotifyAccess=main`.
    func notifyReceived(target name: String, _ received: NotifySocket.Received) {
        guard let runtime = targets[name], let pid = runtime.machine.state.pid, received.pid == pid else {
            logger.debug(
                "ignored a notify message from pid \(received.pid): not the main process of \(name)",
                metadata: ["VIGIL_TARGET": "\(name)"]
            )
            return
        }
        let message = received.message
        if let status = message.status {
            runtime.notifyStatus = status
        }
        if message.isReady {
            perform(runtime.machine.ready(now: received.receivedAt), for: runtime)
        }
        if let timeout = message.watchdogTimeout, var heartbeat = runtime.heartbeatConfig {
            // The program pings at half its timeout, as sd_watchdog_enabled() users do.
            heartbeat.interval = timeout / 2
            runtime.heartbeatConfig = heartbeat
            runtime.judge = HeartbeatJudge(config: heartbeat, start: received.receivedAt)
            runtime.armHeartbeat(now: received.receivedAt)
        }
        if message.isWatchdogPing {
            heartbeatArrived(target: name, at: received.receivedAt)
        }
        if message.isWatchdogTrigger {
            let actions = runtime.machine.fault(now: received.receivedAt, reason: "the target triggered its watchdog")
            perform(actions, for: runtime)
        }
        afterChange()
    }

    /// A heartbeat of `name` was received at `time`, with its wire sequence number if it had one.
    func heartbeatArrived(target name: String, at time: MonotonicInstant, sequence: UInt64? = nil) {
        guard let runtime = targets[name], runtime.judge != nil else { return }
        let transitions = runtime.judge!.heartbeat(at: time, sequence: sequence)
        record(transitions, of: runtime)
        if let change = runtime.judge!.reviewQoS(at: time) {
            record(change.event(target: name))
        }
        runtime.armHeartbeat(now: time)
    }

    /// The heartbeat deadline of `name` was reached: check vigild's own liveness, take in what is waiting, judge.
    func heartbeatTimerFired(for name: String) {
        let now = MonotonicClock.now()
        guard let runtime = targets[name] else { return }
        if let expected = runtime.heartbeatDeadline {
            checkForStall(expected: expected, fired: now)
        }
        // Heartbeats that wait unread must count before silence is judged.
        heartbeatIngress.value?.drain()
        for other in targets.values {
            other.notifySocket?.drain()
        }
        guard runtime.judge != nil else { return }
        switch runtime.machine.state {
        case .starting, .running:
            let transitions = runtime.judge!.evaluate(at: now)
            record(transitions, of: runtime)
        default:
            break
        }
        runtime.armHeartbeat(now: now)
        afterChange()
    }

    /// A timer due at `expected` fired at `fired`: if that is late enough to mean vigild itself did not run, no
    /// target is held to the silence of that time.
    func checkForStall(expected: MonotonicInstant, fired: MonotonicInstant) {
        guard let stall = stallGuard.timer(expected: expected, fired: fired) else { return }
        for runtime in targets.values where runtime.judge != nil {
            runtime.judge!.excuse(stall)
            runtime.armHeartbeat(now: fired)
        }
        logger.warning(
            "vigild itself was stalled for \(stall.duration.humanReadable): heartbeat silence until now is excused",
            metadata: ["VIGIL_STALL_USEC": "\(stall.duration.microseconds)"]
        )
    }

    /// A steady tick while any target sends heartbeats (or metrics are on), so that a stall of vigild is noticed
    /// even when heartbeats keep re-arming every deadline timer. Four wake-ups a second, and none otherwise.
    func updateSelfCheck() {
        // Also while metrics are served: the tick's lateness is the engine-lateness histogram.
        let needed =
            targets.values.contains { $0.heartbeatConfig != nil } || metricsServer != nil
            || textfileTimer != nil
        if !needed {
            selfCheckTimer?.cancel()
            selfCheckTimer = nil
            return
        }
        guard selfCheckTimer == nil else { return }
        let period = Duration.milliseconds(250)
        let timer = DispatchSource.makeTimerSource(flags: .strict, queue: queue)
        let expected = QueueConfined(MonotonicClock.now() + period, queue: queue)
        timer.setEventHandler { @Sendable [unowned self] in
            let now = MonotonicClock.now()
            self.engineLateness.observe(max(now - expected.value, .zero))
            self.checkForStall(expected: expected.value, fired: now)
            expected.value = now + period
        }
        timer.schedule(
            deadline: .now() + .nanoseconds(Int(period.nanoseconds)),
            repeating: .nanoseconds(Int(period.nanoseconds)),
            leeway: .milliseconds(5)
        )
        timer.activate()
        selfCheckTimer = timer
    }

    /// The (re)started process gets a fresh judge; one that is gone, none.
    func heartbeatProcessChanged(_ runtime: TargetRuntime, now: MonotonicInstant) {
        if runtime.hasInstance, let config = runtime.heartbeatConfig {
            runtime.judge = HeartbeatJudge(config: config, start: now, previous: runtime.judge)
        } else {
            runtime.judge = nil
        }
        runtime.armHeartbeat(now: now)
    }

    private func record(_ transitions: [HeartbeatTransition], of runtime: TargetRuntime) {
        guard let judge = runtime.judge else { return }
        let detector = judge.detector
        for transition in transitions {
            let level = format3(transition.level)
            var fields = [
                "LEVEL": level,
                "DETECTOR": judge.config.detector.rawValue,
                "ARRIVALS": String(detector.arrivals),
            ]
            let silenceText: String
            if let last = detector.lastArrival {
                let quiet = transition.at - last
                fields["SILENCE_USEC"] = String(quiet.microseconds)
                silenceText = "\(quiet.humanReadable) of silence"
            } else {
                silenceText = "no heartbeat yet"
            }
            let evidence = "\(judge.config.detector.rawValue) level \(level) after \(silenceText)"
            switch transition.to {
            case .suspected:
                record(
                    Event(
                        kind: .heartbeatSuspected,
                        target: runtime.name,
                        message: "\(runtime.name): heartbeats late, suspected (\(evidence))",
                        fields: fields,
                        time: transition.at
                    )
                )
            case .trusted:
                record(
                    Event(
                        kind: .heartbeatCleared,
                        target: runtime.name,
                        message: "\(runtime.name): heartbeat received, suspicion cleared",
                        fields: fields,
                        time: transition.at
                    )
                )
            case .convicted:
                let reason = "heartbeat: \(evidence) (convict at \(format3(judge.convict)))"
                perform(runtime.machine.fault(now: transition.at, reason: reason), for: runtime)
            }
        }
    }
}

/// A level with at most three decimals, without trailing zeros.
func format3(_ value: Double) -> String {
    guard value.isFinite else { return value > 0 ? "inf" : "nan" }
    let scaled = (value * 1000).rounded() / 1000
    if scaled == scaled.rounded(), abs(scaled) < 1e15 {
        return String(Int64(scaled))
    }
    return String(scaled)
}

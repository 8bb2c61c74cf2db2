import Crypto
import Dispatch
import Logging
import VigilCore
import VigilLinux

/// Heartbeats: the authenticated listeners (`HeartbeatIngress`), delivery to each target's judge, the report of
/// dropped datagrams, and vigild's own liveness (the stall guard and its self-check tick), so that a stall of vigild
/// is never held against a target's silence. Confined to the engine queue.
final class HeartbeatService {
    unowned let engine: Engine
    /// Where authenticated heartbeats come in; boxed for the handlers of its read sources.
    private let ingress: QueueConfined<HeartbeatIngress?>
    /// vigild's own liveness check: late timers mean vigild was not running, and silence then is excused.
    private var stallGuard = StallGuard()
    /// The self-check tick, while any target has heartbeats or metrics are served.
    private var selfCheckTimer: (any EngineTimer)?
    private var selfCheckExpected: MonotonicInstant?
    private static let selfCheckPeriod = Duration.milliseconds(250)

    init(engine: Engine) {
        self.engine = engine
        self.ingress = QueueConfined(nil, queue: engine.queue)
    }

    /// Binds the heartbeat listeners of the loaded configuration. A listener that cannot be bound is logged; the
    /// targets that depend on it will be convicted by silence, which is the truth an operator must see.
    func start() {
        ingress.value?.close()
        ingress.value = nil
        let endpoints = engine.loaded.heartbeatEndpoints
        guard !endpoints.isEmpty else { return }
        for endpoint in endpoints {
            if case .unix(let path) = endpoint {
                Directories.createParents(of: path)
            }
        }
        do {
            let made = try HeartbeatIngress(endpoints: endpoints, keys: keys(), queue: engine.queue) {
                [unowned engine] target, packet, receivedAt in
                engine.handle(.heartbeat(target: target, at: receivedAt, sequence: packet.sequence))
            } onDrops: { [unowned engine] drops in
                engine.handle(.heartbeatDrops(drops))
            }
            ingress.value = made
            made.activate(ingress)
            engine.logger.info("receiving heartbeats on \(endpoints.map(\.description).joined(separator: ", "))")
        } catch {
            engine.logger.error("cannot receive heartbeats: \(error)", metadata: ["VIGIL_ERROR": "\(error)"])
        }
    }

    func stop() {
        ingress.value?.close()
        ingress.value = nil
        selfCheckTimer?.cancel()
        selfCheckTimer = nil
    }

    /// New keys after a reload.
    func updateKeys() {
        ingress.value?.update(keys: keys())
    }

    private func keys() -> [String: SymmetricKey] {
        engine.loaded.heartbeatKeys.mapValues { SymmetricKey(data: $0) }
    }

    /// Lines dropped so far on guests' virtio-serial channels (`DomainDriver`), by reason.
    private var channelDrops: [HeartbeatDropReason: Int] = [:]

    /// Datagrams and channel lines dropped so far, by reason.
    var dropped: [HeartbeatDropReason: Int] {
        (ingress.value?.dropped ?? [:]).merging(channelDrops, uniquingKeysWith: +)
    }

    /// A guest's channel dropped a line (counted with the listeners' drops in the metrics).
    func channelDropped(_ reason: HeartbeatDropReason) {
        channelDrops[reason, default: 0] += 1
    }

    /// A heartbeat of `target` was received at `time`, with its sequence number when the wire carried one.
    /// - Returns: whether the heartbeat confirmed a promotion (see `TargetSupervisor.heartbeatArrived`).
    func arrived(target: String, at time: MonotonicInstant, sequence: UInt64?) -> Bool {
        engine.targets[target]?.heartbeatArrived(at: time, sequence: sequence) ?? false
    }

    /// Heartbeats and notify datagrams that wait unread must count before silence is judged.
    func drainWaiting() {
        ingress.value?.drain()
        for supervisor in engine.targets.all {
            supervisor.notifySocket?.drain()
        }
    }

    /// Dropped heartbeat datagrams, by reason: forged, replayed, malformed, flooding.
    func report(_ drops: [HeartbeatDropReason: Int]) {
        let ordered = HeartbeatDropReason.allCases.compactMap { reason in drops[reason].map { (reason, $0) } }
        var metadata: Logger.Metadata = [:]
        for (reason, count) in ordered {
            let name = String(reason.rawValue.uppercased().map { $0 == "-" ? "_" : $0 })
            metadata["VIGIL_DROPPED_" + name] = "\(count)"
        }
        let summary = ordered.map { "\($0.0.rawValue) \($0.1)" }.joined(separator: ", ")
        engine.logger.warning("dropped heartbeat packets: \(summary)", metadata: metadata)
    }

    /// A timer due at `expected` fired at `fired`: if that is late enough to mean vigild itself did not run, no
    /// target is held to the silence of that time.
    func checkForStall(expected: MonotonicInstant, fired: MonotonicInstant) {
        guard let stall = stallGuard.timer(expected: expected, fired: fired) else { return }
        for supervisor in engine.targets.all {
            supervisor.excuse(stall, at: fired)
        }
        engine.logger.warning(
            "vigild itself was stalled for \(stall.duration.humanReadable): heartbeat silence until now is excused",
            metadata: ["VIGIL_STALL_USEC": "\(stall.duration.microseconds)"]
        )
    }

    /// The self-check tick: how late it is measures the engine loop's own latency.
    func selfCheck() {
        let now = engine.now
        let due = selfCheckExpected ?? now
        engine.metrics.engineLateness.observe(max(now - due, .zero))
        checkForStall(expected: due, fired: now)
        selfCheckExpected = now + Self.selfCheckPeriod
    }

    /// A steady tick while any target sends heartbeats (or metrics are on), so that a stall of vigild is noticed
    /// even when heartbeats keep re-arming every deadline timer. Four wake-ups a second, and none otherwise.
    func updateSelfCheck() {
        let needed =
            engine.targets.all.contains { $0.healthModel.heartbeatConfig != nil } || engine.metrics.isServing
        if !needed {
            selfCheckTimer?.cancel()
            selfCheckTimer = nil
            return
        }
        guard selfCheckTimer == nil else { return }
        let period = Self.selfCheckPeriod
        selfCheckExpected = engine.now + period
        selfCheckTimer = engine.scheduler.makeRepeatingTimer(on: engine.queue, every: period, leeway: .milliseconds(5))
        { @Sendable [weak engine] in
            engine?.handle(.selfCheckDue)
        }
    }
}

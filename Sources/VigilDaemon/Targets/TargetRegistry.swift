import Dispatch
import Logging
import VigilCore
import VigilLinux

/// Every target's supervisor, in configuration order, and what the drivers share: the kernel's exit timestamps,
/// the actuators' context (one bus connection), the process targets' cgroups. Confined to the engine queue.
package final class TargetRegistry {
    unowned let engine: Engine
    private var supervisors: [String: TargetSupervisor] = [:] {
        didSet { ordered = order.compactMap { supervisors[$0] } }
    }
    private(set) var order: [String] = [] {
        didSet { ordered = order.compactMap { supervisors[$0] } }
    }
    /// Every supervisor in configuration order, kept up to date (read on every change and tick).
    private var ordered: [TargetSupervisor] = []
    /// Host-wide maintenance: monitoring goes on, nothing is restarted.
    var hostMaintenance = false
    /// Kernel exit times, for `VIGIL_DETECT_USEC`; `nil` where the proc connector is not available.
    private(set) var exitTimestamps: ExitTimestamps?
    /// What the actuators share (the systemd bus connection); made when a target first needs it.
    private var actuators: ActuatorContext?
    /// The cgroups process targets run in, prepared at the first start of one.
    private(set) lazy var processCgroups = ProcessCgroups(engine: engine)
    /// The libvirt connections domain targets are watched on: one `virsh` child per connection.
    let libvirtConnections = LibvirtConnections()
    /// The cluster resources' fencing tokens, for their actuators' hooks; kept by cluster mode, outliving a context.
    package let fencingTokens = FencingTokens()

    init(engine: Engine) {
        self.engine = engine
    }

    package subscript(name: String) -> TargetSupervisor? {
        supervisors[name]
    }

    /// Every supervisor, in configuration order.
    var all: [TargetSupervisor] { ordered }

    var count: Int { supervisors.count }

    /// Subscribes to the kernel's exit timestamps so every exit event can say how long vigild took to notice it.
    func startExitTimestamps() {
        switch ExitTimestamps.open(queue: engine.queue) {
        case .success(let timestamps):
            exitTimestamps = timestamps
        case .failure(let error):
            engine.logger.notice(
                "exit detection latency not measured (needs CAP_NET_ADMIN and CONFIG_PROC_EVENTS): \(error)"
            )
        }
    }

    /// The actuators' shared context: outcomes on the engine queue, one bus connection.
    func actuatorContext() -> ActuatorContext {
        if let context = actuators {
            return context
        }
        let address: SystemdBusAddress = engine.loaded.config.daemon.systemdBus.map { .bus($0) } ?? .system
        let context = ActuatorContext(completionQueue: engine.queue, busAddress: address, fencingTokens: fencingTokens)
        actuators = context
        return context
    }

    /// The bus connection was lost: the next actuator made connects again.
    func dropActuatorContext() {
        actuators = nil
    }

    /// Adds a target and starts it, unless it is a standby (or a primary whose failover was under way when vigild
    /// stopped): those wait for a failover, but one still running from before vigild restarted is adopted, never
    /// started twice.
    func add(_ target: TargetConfig) {
        dispatchPrecondition(condition: .onQueue(engine.queue))
        let name = target.name
        let launch = engine.loaded.launches[name]
        guard let driver = engine.settings.drivers.make(for: target, launch: launch, engine: engine) else {
            engine.logger.error("no launch specification for target", metadata: ["VIGIL_TARGET": "\(name)"])
            return
        }
        let supervisor = TargetSupervisor(
            engine: engine,
            config: target,
            launch: launch,
            driver: driver,
            seed: engine.settings.seed ^ UInt64(truncatingIfNeeded: name.hashValue)
        )
        supervisors[name] = supervisor
        supervisor.machine.recoversExternally = engine.recovery.recoversByLadder(name)
        supervisor.attach()
        if hostMaintenance {
            supervisor.perform(supervisor.machine.setMaintenance(true, now: engine.now))
        }
        if !order.contains(name) {
            order.append(name)
        }
        let found = driver.prepareAdoption(restored: engine.persistence.restored(name))
        if !engine.recovery.startsWhenAdded(name) || engine.persistence.primaryAwaitsFailover(name) {
            guard found else { return }
        }
        supervisor.perform(supervisor.machine.start(now: engine.now))
    }

    /// The configuration's new order; targets on their way out keep their place at the end until they are gone.
    func reorder(_ names: [String]) {
        order = names + order.filter { supervisors[$0]?.whenDown.isRemove == true && !names.contains($0) }
    }

    /// Targets that went down for a removal or a change of settings are let go, or started again with the new ones.
    func settleReplacements() {
        for name in order {
            guard let supervisor = supervisors[name], supervisor.isDownForGood else { continue }
            switch supervisor.whenDown {
            case .nothing:
                break
            case .remove:
                supervisor.close(removed: true)
                supervisors[name] = nil
                order.removeAll { $0 == name }
            case .replace(let config, let launch):
                supervisor.close(removed: false)
                supervisors[name] = nil
                engine.loaded.launches[name] = launch
                add(config)
                // The figures of a target survive its replacement by new settings or a restart on request.
                supervisors[name]?.inherit(from: supervisor)
            }
        }
    }

    /// vigild is exiting: every target is let go, and the process targets' cgroups are cleaned up.
    func finish() {
        processCgroups.awaitKilled()
        for supervisor in supervisors.values {
            supervisor.close(removed: false)
        }
        processCgroups.removeParentIfEmpty()
        exitTimestamps?.cancel()
        exitTimestamps = nil
        supervisors = [:]
    }
}
